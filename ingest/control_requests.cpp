#include "ingest/control_requests.hpp"

#include "core/ids.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace tafel::ingest {

namespace {

using nlohmann::json;

Result<json> parse_object(std::string_view body) {
    auto j = json::parse(body, nullptr, false);
    if (j.is_discarded()) return fail(Errc::invalid_argument, "body is not valid JSON");
    if (!j.is_object()) return fail(Errc::invalid_argument, "body is not a JSON object");
    return j;
}

std::unexpected<Error> bad_field(const std::string& field, const std::string& why) {
    return fail(Errc::invalid_argument, fmt::format("field \"{}\": {}", field, why));
}

Result<std::string> string_field(const json& j, const char* key, const std::string& field, bool required) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        if (required) return bad_field(field, "is missing");
        return std::string{};
    }
    if (!it->is_string()) return bad_field(field, "is not a string");
    return it->get<std::string>();
}

Result<int> int_field(const json& j, const char* key, int lo, int hi, bool required, int fallback) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        if (required) return bad_field(key, "is missing");
        return fallback;
    }
    if (!it->is_number_integer()) return bad_field(key, "is not an integer");
    const auto v = it->get<std::int64_t>();
    if (v < lo || v > hi) return bad_field(key, fmt::format("{} is outside {}..{}", v, lo, hi));
    return static_cast<int>(v);
}

} // namespace

Result<SessionSetup> parse_session_request(std::string_view body) {
    auto j = parse_object(body);
    if (!j) return std::unexpected(j.error());
    SessionSetup s;
    auto meeting_id = string_field(*j, "meeting_id", "meeting_id", true);
    if (!meeting_id) return std::unexpected(meeting_id.error());
    if (meeting_id->empty()) return bad_field("meeting_id", "is empty");
    s.meeting.id = *meeting_id;
    auto name = string_field(*j, "name", "name", false);
    if (!name) return std::unexpected(name.error());
    s.meeting.name = *name;
    auto context = string_field(*j, "context", "context", false);
    if (!context) return std::unexpected(context.error());
    s.meeting.context = *context;
    // Issue 9 item 1: a teacher-only lesson can be chosen per session; absent or empty, the
    // recorder's default for the context applies.
    auto policy = string_field(*j, "consent_policy", "consent_policy", false);
    if (!policy) return std::unexpected(policy.error());
    if (!policy->empty()) {
        auto parsed = consent_policy_from(*policy);
        if (!parsed)
            return bad_field("consent_policy", fmt::format("\"{}\" is not consenting or teacher_only", *policy));
        s.policy = *parsed;
    }
    const auto parts = j->find("participants");
    if (parts != j->end() && !parts->is_null()) {
        if (!parts->is_array()) return bad_field("participants", "is not an array");
        for (std::size_t i = 0; i < parts->size(); ++i) {
            const auto& p = (*parts)[i];
            const std::string f = fmt::format("participants[{}]", i);
            if (!p.is_object()) return bad_field(f, "is not an object");
            Participant part;
            auto id = string_field(p, "id", f + ".id", true);
            if (!id) return std::unexpected(id.error());
            if (!is_safe_id(*id)) return bad_field(f + ".id", fmt::format("\"{}\" is not [A-Za-z0-9_-]{{1,128}}", *id));
            part.id = *id;
            auto pname = string_field(p, "name", f + ".name", false);
            if (!pname) return std::unexpected(pname.error());
            part.name = *pname;
            auto role = string_field(p, "role", f + ".role", true);
            if (!role) return std::unexpected(role.error());
            if (*role == "moderator") part.role = Role::moderator;
            else if (*role == "viewer") part.role = Role::viewer;
            else return bad_field(f + ".role", fmt::format("\"{}\" is not moderator or viewer", *role));
            auto consent = string_field(p, "consent", f + ".consent", false);
            if (!consent) return std::unexpected(consent.error());
            if (consent->empty() || *consent == "unknown") part.consent = Consent::unknown;
            else if (*consent == "granted") part.consent = Consent::granted;
            else if (*consent == "denied") part.consent = Consent::denied;
            else return bad_field(f + ".consent", fmt::format("\"{}\" is not granted, denied or unknown", *consent));
            for (const auto& other : s.participants) {
                if (other.id == part.id) return bad_field(f + ".id", fmt::format("\"{}\" appears twice", part.id));
            }
            s.participants.push_back(std::move(part));
        }
    }
    return s;
}

Result<StreamRequest> parse_stream_request(std::string_view body) {
    auto j = parse_object(body);
    if (!j) return std::unexpected(j.error());
    StreamRequest r;
    auto kind = string_field(*j, "kind", "kind", true);
    if (!kind) return std::unexpected(kind.error());
    if (*kind == "video") r.kind = MediaKind::video;
    else if (*kind == "audio") r.kind = MediaKind::audio;
    else return bad_field("kind", fmt::format("\"{}\" is not video or audio", *kind));
    auto codec = string_field(*j, "codec", "codec", true);
    if (!codec) return std::unexpected(codec.error());
    r.codec = *codec;
    auto pt = int_field(*j, "payload_type", 0, 127, true, 0);   // RFC 3550 5.1: 7 bits
    if (!pt) return std::unexpected(pt.error());
    r.payload_type = *pt;
    if (const auto it = j->find("rtcp_mux"); it != j->end() && !it->is_null()) {
        if (!it->is_boolean()) return bad_field("rtcp_mux", "is not true or false");
        r.rtcp_mux = it->get<bool>();
    }
    if (r.rtcp_mux && r.payload_type >= 64 && r.payload_type <= 95) {
        return bad_field("payload_type", fmt::format("{} collides with RTCP under rtcp-mux (RFC 5761 4)", *pt));
    }
    auto rate = int_field(*j, "clock_rate", 1, 1'000'000, true, 0);
    if (!rate) return std::unexpected(rate.error());
    r.clock_rate = *rate;
    auto channels = int_field(*j, "channels", 1, 8, false, r.kind == MediaKind::audio ? 2 : 0);
    if (!channels) return std::unexpected(channels.error());
    r.channels = *channels;
    auto participant = string_field(*j, "participant", "participant", true);
    if (!participant) return std::unexpected(participant.error());
    r.participant = *participant;
    auto fmtp = string_field(*j, "fmtp", "fmtp", false);
    if (!fmtp) return std::unexpected(fmtp.error());
    r.fmtp = *fmtp;
    if (const auto it = j->find("ssrc"); it != j->end() && !it->is_null()) {
        if (!it->is_number_unsigned() || it->get<std::uint64_t>() > 0xffffffffULL) {
            return bad_field("ssrc", "is not an unsigned 32-bit integer (RFC 3550 5.1)");
        }
        r.ssrc = static_cast<std::uint32_t>(it->get<std::uint64_t>());
    }
    if (const auto it = j->find("fir"); it != j->end() && !it->is_null()) {
        if (!it->is_boolean()) return bad_field("fir", "is not true or false");
        r.fir = it->get<bool>();
    }
    return r;
}

Result<std::vector<std::string>> parse_events_request(std::string_view body) {
    auto j = json::parse(body, nullptr, false);
    if (j.is_discarded()) return fail(Errc::invalid_argument, "body is not valid JSON");
    if (j.is_object()) j = json::array({std::move(j)});
    if (!j.is_array()) return fail(Errc::invalid_argument, "body is neither an event object nor an array of them");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < j.size(); ++i) {
        const auto& e = j[i];
        const std::string f = fmt::format("[{}]", i);
        if (!e.is_object()) return bad_field(f, "is not an object");
        const auto type = e.find("type");
        if (type == e.end() || !type->is_string() || type->get<std::string>().empty()) {
            return bad_field(f + ".type", "is missing or not a non-empty string");
        }
        const auto t = e.find("t_us");
        if (t != e.end() && !t->is_null() && !t->is_number_integer()) {
            return bad_field(f + ".t_us", "is not an integer (UTC microseconds)");
        }
        out.push_back(e.dump());
    }
    return out;
}

std::string percent_decode(std::string_view s) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else if (s[i] == '+') {
            out += ' ';
        } else {
            out += s[i];
        }
    }
    return out;
}

Target parse_target(std::string_view target) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) return Target{std::string(target), {}};
    return Target{std::string(target.substr(0, q)), std::string(target.substr(q + 1))};
}

std::string Target::param(std::string_view key) const {
    std::string_view rest = query;
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const auto pair = rest.substr(0, amp);
        const auto eq = pair.find('=');
        if (percent_decode(pair.substr(0, eq)) == key) {
            return eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1));
        }
        if (amp == std::string_view::npos) break;
        rest = rest.substr(amp + 1);
    }
    return {};
}

} // namespace tafel::ingest
