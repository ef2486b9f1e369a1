#include "archive/captions.hpp"

#include "archive/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>

namespace tafel::archive {

namespace {

// One character of the caption pad and when it was typed (BBB timestamp).
struct Char {
    char32_t c = 0;
    std::int64_t ts = 0;
};

bool is_space(char32_t c) { return c == U' ' || c == U'\t' || c == U'\r' || c == U'\n' || c == U'\u00A0'; }

std::size_t to_index(const std::string& s, std::size_t size) {
    long long v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return static_cast<std::size_t>(std::clamp<long long>(v, 0, static_cast<long long>(size)));
}

// Replaces [i, j) with `text` typed at `ts`. A correction inside older text takes the time
// of what it replaces (or of the character before it), so that the characters' times stay
// in reading order (gen_webvtt's "out of order timestamps" rule).
void apply_edit(std::vector<Char>& pad, const BbbEvent& e) {
    const std::size_t i = to_index(e.get("startIndex"), pad.size());
    const std::size_t j = std::max(i, to_index(e.get("endIndex"), pad.size()));
    std::int64_t ts = e.timestamp_ms;
    if (i < pad.size() && ts > pad[i].ts) ts = j > i ? pad[i].ts : i > 0 ? pad[i - 1].ts : pad[i].ts;
    std::vector<Char> inserted;
    // BBB's indices count characters, so the text is edited as code points.
    for (char32_t c : decode_utf8(e.get("text"))) inserted.push_back(Char{c, ts});
    pad.erase(pad.begin() + static_cast<std::ptrdiff_t>(i), pad.begin() + static_cast<std::ptrdiff_t>(j));
    pad.insert(pad.begin() + static_cast<std::ptrdiff_t>(i), inserted.begin(), inserted.end());
}

bool inside(const std::vector<Segment>& segments, std::int64_t ts) {
    return std::any_of(segments.begin(), segments.end(),
                       [&](const Segment& s) { return ts >= s.start_ms && ts <= s.end_ms; });
}

struct Line {
    std::string text;                      // UTF-8
    std::size_t length = 0;                // characters
    std::int64_t start_ms = 0, end_ms = 0; // output time
};

// Greedy line breaking at spaces (gen_webvtt breaks at ICU's line breaks, max 32 characters;
// a word longer than that is chopped), a hard break at '\n' (where cut text was, too).
std::vector<Line> split_lines(const std::vector<Char>& text, std::size_t max_length = 32) {
    std::vector<Line> lines;
    std::vector<Char> current;
    const auto flush = [&] {
        while (!current.empty() && is_space(current.back().c)) current.pop_back();
        std::size_t first = 0;
        while (first < current.size() && is_space(current[first].c)) ++first;
        if (first < current.size()) {
            Line line;
            line.start_ms = current[first].ts;
            line.end_ms = current[first].ts;
            for (std::size_t k = first; k < current.size(); ++k) {
                append_utf8(line.text, current[k].c);
                line.start_ms = std::min(line.start_ms, current[k].ts);
                line.end_ms = std::max(line.end_ms, current[k].ts);
            }
            line.length = current.size() - first;
            lines.push_back(std::move(line));
        }
        current.clear();
    };
    std::size_t k = 0;
    while (k < text.size()) {
        if (text[k].c == U'\n') {
            flush();
            ++k;
            continue;
        }
        // The next word with the spaces before it.
        std::size_t end = k;
        while (end < text.size() && is_space(text[end].c) && text[end].c != U'\n') ++end;
        while (end < text.size() && !is_space(text[end].c)) ++end;
        if (!current.empty() && current.size() + (end - k) > max_length) flush();
        if (current.empty()) {
            while (k < end && is_space(text[k].c)) ++k; // a line never starts with a space
        }
        for (; k < end; ++k) {
            current.push_back(text[k]);
            if (current.size() >= max_length) flush(); // a word longer than a line is chopped
        }
    }
    flush();
    return lines;
}

// "hh:mm:ss.mmm" (W3C WebVTT, 4.2 timestamps).
std::string timestamp(std::int64_t ms) {
    return fmt::format("{:02}:{:02}:{:02}.{:03}", ms / 3'600'000, ms / 60'000 % 60, ms / 1000 % 60, ms % 1000);
}

// Cue text escapes '&' and '<' (WebVTT 4.2.2 cue text); '>' too, so that "-->" cannot occur.
std::string escaped(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else
            out += c;
    }
    return out;
}

std::string safe_code(const std::string& code) {
    std::string out;
    for (char c : code) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        out += ok ? c : '_';
    }
    return out.empty() ? "en" : out.substr(0, 32);
}

} // namespace

std::int64_t output_ms(const std::vector<Segment>& segments, std::int64_t ts) {
    std::int64_t out = 0;
    for (const auto& s : segments) {
        if (ts <= s.start_ms) break;
        out += std::min(ts, s.end_ms) - s.start_ms;
    }
    return out;
}

std::vector<CaptionTrack> caption_tracks(const BbbArchiveEvents& archive, const std::vector<Segment>& segments) {
    struct Pad {
        std::string name;
        std::vector<Char> chars;
    };
    std::map<std::string, Pad> pads; // by localeCode (gen_webvtt: "en" when absent)
    for (const auto& e : archive.events) {
        if (e.name != "EditCaptionHistoryEvent") continue;
        const std::string code = safe_code(e.get("localeCode", "en"));
        Pad& pad = pads[code];
        if (pad.name.empty()) pad.name = e.get("locale", code);
        apply_edit(pad.chars, e);
    }
    std::vector<CaptionTrack> tracks;
    for (const auto& [code, pad] : pads) {
        // Only what was typed while recording; a run of cut characters becomes one break.
        std::vector<Char> kept;
        bool cut = false;
        for (const auto& c : pad.chars) {
            if (!inside(segments, c.ts)) {
                cut = true;
                continue;
            }
            const std::int64_t t = output_ms(segments, c.ts);
            if (cut) kept.push_back(Char{U'\n', t});
            cut = false;
            kept.push_back(Char{c.c, t});
        }
        const std::vector<Line> lines = split_lines(kept);
        if (lines.empty()) continue;
        CaptionTrack track;
        track.locale_code = code;
        track.locale_name = pad.name;
        track.vtt = "WEBVTT\n\n";
        for (std::size_t k = 0; k < lines.size(); ++k) {
            // gen_webvtt's durations: continuous with a line that follows within 1 s, at most
            // 16 s, at least 100 ms per character and 1 s.
            std::int64_t end = lines[k].end_ms;
            if (k + 1 < lines.size() && lines[k + 1].start_ms - end < 1000) end = lines[k + 1].start_ms;
            std::int64_t duration = std::min<std::int64_t>(end - lines[k].start_ms, 16'000);
            duration = std::max<std::int64_t>(duration, 100 * static_cast<std::int64_t>(lines[k].length));
            duration = std::max<std::int64_t>(duration, 1000);
            track.vtt += fmt::format("{} --> {}\n{}\n\n", timestamp(lines[k].start_ms),
                                     timestamp(lines[k].start_ms + duration), escaped(lines[k].text));
            ++track.cues;
        }
        tracks.push_back(std::move(track));
    }
    return tracks;
}

} // namespace tafel::archive
