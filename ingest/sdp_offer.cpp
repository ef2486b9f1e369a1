#include "ingest/sdp_offer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace tafel::ingest {

namespace {

template <typename T>
bool to_int(std::string_view s, T& out) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ') ++i;
        const std::size_t start = i;
        while (i < s.size() && s[i] != ' ') ++i;
        if (i > start) out.push_back(s.substr(start, i - start));
    }
    return out;
}

std::string canonical_codec(std::string_view name) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "vp8") return "VP8";
    if (lower == "vp9") return "VP9";
    if (lower == "h264") return "H264";
    if (lower == "opus") return "opus";
    return {};
}

struct Rtpmap {
    int pt = 0;
    std::string codec;
    int clock_rate = 0;
    int channels = 0;
};

struct Section {
    SdpMedia media;
    std::vector<Rtpmap> rtpmaps;
    std::vector<std::pair<int, std::string>> fmtps;
    std::vector<std::pair<std::string, std::string>> feedback;   // pt or "*", value
};

// "111 opus/48000/2" (RFC 8866 6.6).
bool parse_rtpmap(std::string_view v, Rtpmap& out) {
    const auto sp = v.find(' ');
    if (sp == std::string_view::npos || !to_int(v.substr(0, sp), out.pt)) return false;
    std::string_view enc = v.substr(sp + 1);
    std::vector<std::string_view> parts;
    for (;;) {
        const auto at = enc.find('/');
        parts.push_back(enc.substr(0, at));
        if (at == std::string_view::npos) break;
        enc.remove_prefix(at + 1);
    }
    if (parts.size() < 2 || parts.size() > 3) return false;
    out.codec = canonical_codec(parts[0]);
    if (!to_int(parts[1], out.clock_rate) || out.clock_rate <= 0) return false;
    if (parts.size() == 3 && !to_int(parts[2], out.channels)) return false;
    return true;
}

void finish(Section& s, std::vector<SdpMedia>& out) {
    SdpMedia& m = s.media;
    for (const int pt : m.formats) {
        const auto map = std::find_if(s.rtpmaps.begin(), s.rtpmaps.end(), [&](const Rtpmap& r) { return r.pt == pt; });
        if (map == s.rtpmaps.end() || map->codec.empty()) continue;
        const bool audio_codec = map->codec == "opus";
        if ((m.media == "audio") != audio_codec || (m.media != "audio" && m.media != "video")) continue;
        m.payload_type = pt;
        m.codec = map->codec;
        m.clock_rate = map->clock_rate;
        m.channels = audio_codec ? (map->channels > 0 ? map->channels : 2) : 0;   // RFC 7587 7: opus/48000/2
        for (const auto& [fpt, value] : s.fmtps) {
            if (fpt == pt) m.fmtp = value;
        }
        const std::string pts = std::to_string(pt);
        for (const auto& [fb_pt, value] : s.feedback) {
            if ((fb_pt == pts || fb_pt == "*") && value == "ccm fir") m.fir = true;
        }
        break;
    }
    out.push_back(std::move(m));
}

} // namespace

Result<std::vector<SdpMedia>> parse_sdp_offer(std::string_view sdp) {
    std::vector<SdpMedia> out;
    std::optional<Section> current;
    bool session_rtcp_mux = false;
    int line_no = 0;
    while (!sdp.empty()) {
        auto eol = sdp.find('\n');
        std::string_view line = sdp.substr(0, eol);
        sdp.remove_prefix(eol == std::string_view::npos ? sdp.size() : eol + 1);
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() < 2 || line[1] != '=') continue;
        const char type = line[0];
        const std::string_view value = line.substr(2);
        const auto bad = [&](const char* what) {
            return fail(Errc::malformed_input, fmt::format("SDP line {} \"{}\": {}", line_no, line, what));
        };
        if (type == 'm') {
            if (current) finish(*current, out);
            current.emplace();
            const auto w = words(value);
            // RFC 8866 5.14: m=<media> <port>[/<number>] <proto> <fmt> ...
            if (w.size() < 4) return bad("expected m=<media> <port> <proto> <formats>");
            current->media.media = std::string(w[0]);
            current->media.proto = std::string(w[2]);
            current->media.rtcp_mux = session_rtcp_mux;
            for (std::size_t i = 3; i < w.size(); ++i) {
                int pt = 0;
                if (to_int(w[i], pt) && pt >= 0 && pt <= 127) current->media.formats.push_back(pt);
            }
            continue;
        }
        if (type != 'a') continue;
        const auto colon = value.find(':');
        const std::string_view name = value.substr(0, colon);
        const std::string_view arg = colon == std::string_view::npos ? std::string_view{} : value.substr(colon + 1);
        if (!current) {
            if (name == "rtcp-mux") session_rtcp_mux = true;
            continue;
        }
        if (name == "rtpmap") {
            Rtpmap r;
            if (!parse_rtpmap(arg, r)) return bad("expected a=rtpmap:<pt> <codec>/<clock rate>[/<channels>]");
            current->rtpmaps.push_back(std::move(r));
        } else if (name == "fmtp") {
            const auto sp = arg.find(' ');
            int pt = 0;
            if (sp != std::string_view::npos && to_int(arg.substr(0, sp), pt)) {
                current->fmtps.emplace_back(pt, std::string(arg.substr(sp + 1)));
            }
        } else if (name == "rtcp-fb") {
            const auto sp = arg.find(' ');
            if (sp != std::string_view::npos) {
                current->feedback.emplace_back(std::string(arg.substr(0, sp)), std::string(arg.substr(sp + 1)));
            }
        } else if (name == "rtcp-mux") {
            current->media.rtcp_mux = true;
        } else if (name == "mid") {
            current->media.mid = std::string(arg);
        } else if (name == "ssrc" && !current->media.ssrc) {
            std::uint32_t ssrc = 0;
            if (!to_int(arg.substr(0, arg.find(' ')), ssrc)) return bad("expected a=ssrc:<32-bit number> ...");
            current->media.ssrc = ssrc;
        }
    }
    if (current) finish(*current, out);
    if (out.empty()) return fail(Errc::invalid_argument, "the SDP offer has no m= line");
    return out;
}

std::string build_sdp_answer(const std::string& address, const std::string& session_id,
                             const std::vector<SdpAnswerMedia>& media) {
    const bool v6 = address.find(':') != std::string::npos;
    const std::string c = fmt::format("IN {} {}", v6 ? "IP6" : "IP4", address);
    std::string out = fmt::format("v=0\r\no=tafel {} 1 {}\r\ns=tafel recorder\r\nc={}\r\nt=0 0\r\n",
                                  std::hash<std::string>{}(session_id) & 0x7fffffffffffULL, c, c);
    for (const auto& a : media) {
        const SdpMedia& m = *a.offer;
        if (a.port == 0 || !m.payload_type) {
            // RFC 3264 6: a rejected stream keeps its media and formats, port 0.
            std::string formats;
            for (const int pt : m.formats) formats += fmt::format(" {}", pt);
            if (formats.empty()) formats = " 0";
            out += fmt::format("m={} 0 {}{}\r\n", m.media, m.proto, formats);
            if (!m.mid.empty()) out += fmt::format("a=mid:{}\r\n", m.mid);
            continue;
        }
        const int pt = *m.payload_type;
        out += fmt::format("m={} {} {} {}\r\n", m.media, a.port, m.proto, pt);
        if (!m.mid.empty()) out += fmt::format("a=mid:{}\r\n", m.mid);
        out += m.channels > 0 ? fmt::format("a=rtpmap:{} {}/{}/{}\r\n", pt, m.codec, m.clock_rate, m.channels)
                              : fmt::format("a=rtpmap:{} {}/{}\r\n", pt, m.codec, m.clock_rate);
        if (!m.fmtp.empty()) out += fmt::format("a=fmtp:{} {}\r\n", pt, m.fmtp);
        if (m.media == "video") {
            out += fmt::format("a=rtcp-fb:{} {}\r\n", pt, m.fir ? "ccm fir" : "nack pli");
        }
        // RFC 5761 5.1.1: only when offered; then RTCP comes to the media port. Else the
        // recorder listens for RTCP on a port of its own, named with a=rtcp (RFC 3605 2.1),
        // although it is the default RTP port + 1 (RFC 3550 11), for senders that need it.
        if (m.rtcp_mux) {
            out += "a=rtcp-mux\r\n";
        } else if (a.rtcp_port != 0) {
            out += fmt::format("a=rtcp:{}\r\n", a.rtcp_port);
        }
        out += "a=recvonly\r\n";
    }
    return out;
}

} // namespace tafel::ingest
