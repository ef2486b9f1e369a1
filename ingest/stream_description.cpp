#include "ingest/stream_description.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace tafel::ingest {

namespace {

std::string canonical_codec(std::string_view name) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "vp8") return "VP8";
    if (lower == "vp9") return "VP9";
    if (lower == "h264") return "H264";
    if (lower == "opus") return "opus";
    return {};
}

template <typename T>
bool to_int(std::string_view s, T& out) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (;;) {
        const auto at = s.find(sep);
        out.push_back(s.substr(0, at));
        if (at == std::string_view::npos) return out;
        s.remove_prefix(at + 1);
    }
}

// "VP8/90000" or "opus/48000/2" (the rtpmap encoding part).
bool parse_encoding(std::string_view text, StreamDescription& d) {
    const auto parts = split(text, '/');
    if (parts.size() < 2 || parts.size() > 3) return false;
    d.codec = canonical_codec(parts[0]);
    if (!to_int(parts[1], d.clock_rate) || d.clock_rate <= 0) return false;
    if (parts.size() == 3 && (!to_int(parts[2], d.channels) || d.channels <= 0)) return false;
    if (d.audio() && d.channels == 0) d.channels = 2;   // RFC 7587 7: opus/48000/2 always
    return true;
}

} // namespace

bool StreamDescription::audio() const { return codec == "opus"; }

Result<StreamDescription> parse_stream_description(std::string_view text) {
    auto bad = [&](const char* why) {
        return fail(Errc::invalid_argument, fmt::format("stream \"{}\": {} (expected PORT=CODEC/CLOCK[/CHANNELS][:PT], "
                                                        "e.g. 5004=VP8/90000 or 5006=opus/48000/2:111)",
                                                        text, why));
    };
    const auto eq = text.find('=');
    if (eq == std::string_view::npos) return bad("no '='");
    StreamDescription d;
    if (!to_int(text.substr(0, eq), d.port) || d.port == 0) return bad("the port is not 1-65535");
    std::string_view rest = text.substr(eq + 1);
    if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
        int pt = 0;
        if (!to_int(rest.substr(colon + 1), pt) || pt < 0 || pt > 127) return bad("the payload type is not 0-127");
        d.payload_type = pt;
        rest = rest.substr(0, colon);
    }
    if (!parse_encoding(rest, d)) return bad("the encoding is not CODEC/CLOCK[/CHANNELS]");
    if (d.codec.empty()) return bad("the codec is none of VP8, VP9, H264, opus");
    return d;
}

Result<std::vector<StreamDescription>> parse_sdp(std::string_view sdp) {
    struct Media {
        std::uint16_t port = 0;
        std::vector<int> payload_types;
    };
    std::vector<StreamDescription> out;
    std::optional<Media> media;
    int line_no = 0;
    for (auto line : split(sdp, '\n')) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.starts_with("m=")) {
            // m=<media> <port>[/<count>] <proto> <fmt> … (RFC 8866 5.14)
            const auto f = split(line.substr(2), ' ');
            Media m;
            if (f.size() < 4 || !to_int(split(f[1], '/')[0], m.port)) {
                return fail(Errc::malformed_input, fmt::format("SDP line {}: \"{}\" is not an m= line", line_no, line));
            }
            for (std::size_t i = 3; i < f.size(); ++i) {
                int pt = 0;
                if (to_int(f[i], pt)) m.payload_types.push_back(pt);
            }
            media = m;
        } else if (line.starts_with("a=rtpmap:") && media) {
            // a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>] (RFC 8866 6.6)
            const auto body = line.substr(9);
            const auto space = body.find(' ');
            int pt = 0;
            StreamDescription d;
            if (space == std::string_view::npos || !to_int(body.substr(0, space), pt) ||
                !parse_encoding(body.substr(space + 1), d)) {
                return fail(Errc::malformed_input, fmt::format("SDP line {}: \"{}\" is not an rtpmap", line_no, line));
            }
            if (d.codec.empty() || std::find(media->payload_types.begin(), media->payload_types.end(), pt) ==
                                       media->payload_types.end()) {
                continue;   // RTX, RED, FEC, or a codec tafel does not read
            }
            d.port = media->port;
            d.payload_type = pt;
            out.push_back(std::move(d));
        }
    }
    if (out.empty()) return fail(Errc::not_found, "the SDP describes no VP8, VP9, H264 or opus stream");
    return out;
}

} // namespace tafel::ingest
