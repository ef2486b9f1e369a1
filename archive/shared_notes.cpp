#include "archive/shared_notes.hpp"

#include "archive/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

namespace tafel::archive {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// "&amp;" … at `i` (which holds '&'): appends the decoded text, returns the characters used.
// The named references Etherpad's export writes; numeric ones in full; anything else as is.
std::size_t decode_reference(std::string_view s, std::size_t i, std::string& out) {
    const auto semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) {
        out += '&';
        return 1;
    }
    const std::string_view name = s.substr(i + 1, semi - i - 1);
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> k_named{
        {{"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "}}};
    for (const auto& [n, text] : k_named) {
        if (name == n) {
            out += text;
            return semi - i + 1;
        }
    }
    if (name.size() > 1 && name[0] == '#') {
        const bool hex = name[1] == 'x' || name[1] == 'X';
        const std::string_view digits = name.substr(hex ? 2 : 1);
        std::uint32_t c = 0;
        auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), c, hex ? 16 : 10);
        if (ec == std::errc{} && ptr == digits.data() + digits.size() && !digits.empty()) {
            // HTML Living Standard 13.2.5.80: a reference to U+0000 is U+FFFD (the encoder
            // replaces surrogates and values above U+10FFFF).
            append_utf8(out, c == 0 ? U'\uFFFD' : static_cast<char32_t>(c));
            return semi - i + 1;
        }
    }
    out += '&';
    return 1;
}

bool is_block(const std::string& tag) {
    static constexpr std::array<std::string_view, 17> k_blocks{"p",  "div",   "br",         "li",  "ul", "ol",
                                                               "h1", "h2",    "h3",         "h4",  "h5", "h6",
                                                               "tr", "table", "blockquote", "pre", "hr"};
    return std::find(k_blocks.begin(), k_blocks.end(), tag) != k_blocks.end();
}

// Trailing spaces off every line, at most one blank line in a row, none at either end.
std::string tidy(const std::string& text) {
    std::string out;
    std::istringstream in(text);
    std::string line;
    int blank = 0;
    while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
        if (line.empty()) {
            ++blank;
            continue;
        }
        if (!out.empty()) out += blank > 0 ? "\n\n" : "\n";
        blank = 0;
        out += line;
    }
    return out.empty() ? out : out + "\n";
}

Result<std::string> read_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail(Errc::io, fmt::format("{}: cannot open", file.string()));
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (in.bad()) return fail(Errc::io, fmt::format("{}: read failed", file.string()));
    return bytes.str();
}

} // namespace

std::string html_to_text(std::string_view html) {
    std::string out;
    std::size_t i = 0;
    while (i < html.size()) {
        const char c = html[i];
        if (c == '&') {
            i += decode_reference(html, i, out);
            continue;
        }
        if (c != '<') {
            out += c;
            ++i;
            continue;
        }
        if (html.substr(i, 4) == "<!--") {
            const auto end = html.find("-->", i + 4);
            i = end == std::string_view::npos ? html.size() : end + 3;
            continue;
        }
        const auto close = html.find('>', i);
        if (close == std::string_view::npos) break; // a cut-off tag: nothing more is text
        std::string_view inside = html.substr(i + 1, close - i - 1);
        const bool end_tag = !inside.empty() && inside.front() == '/';
        if (end_tag) inside.remove_prefix(1);
        std::size_t n = 0;
        while (n < inside.size() && std::isalnum(static_cast<unsigned char>(inside[n]))) ++n;
        const std::string tag = lower(inside.substr(0, n));
        i = close + 1;
        if (!end_tag && (tag == "script" || tag == "style" || tag == "title" || tag == "head")) {
            // Their content is no text of the notes.
            const auto end = lower(html.substr(i)).find("</" + tag);
            i = end == std::string::npos ? html.size() : i + end;
            continue;
        }
        if (tag == "li") {
            if (!end_tag) out += "\n- "; // list items on their own lines, no blank between them
        } else if (is_block(tag)) {
            out += '\n';
        }
    }
    return tidy(out);
}

Result<std::optional<std::string>> shared_notes_text(const fs::path& archive_dir) {
    const fs::path dir = archive_dir / "notes";
    std::error_code ec;
    std::string text;
    if (fs::is_regular_file(dir / "notes.txt", ec)) {
        auto raw = read_file(dir / "notes.txt");
        if (!raw) return std::unexpected(raw.error());
        text = tidy(*raw);
    } else if (fs::is_regular_file(dir / "notes.html", ec)) {
        auto raw = read_file(dir / "notes.html");
        if (!raw) return std::unexpected(raw.error());
        text = html_to_text(*raw);
    } else {
        return std::optional<std::string>();
    }
    if (text.empty()) return std::optional<std::string>();
    return std::optional<std::string>(std::move(text));
}

} // namespace tafel::archive
