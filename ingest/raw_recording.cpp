#include "ingest/raw_recording.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include "core/unique_fd.hpp"

namespace tafel::ingest {

namespace {

using nlohmann::json;

constexpr const char* k_format = "tafel-raw/1";

// Reads a required field of type T, naming the field and file on error.
template <typename T>
Result<T> field(const json& j, const char* key, const std::string& where) {
    const auto it = j.find(key);
    if (it == j.end()) return fail(Errc::malformed_input, fmt::format("{}: missing field \"{}\"", where, key));
    try {
        return it->get<T>();
    } catch (const json::exception&) {
        return fail(Errc::malformed_input, fmt::format("{}: field \"{}\" has the wrong type", where, key));
    }
}

template <typename T>
T optional_field(const json& j, const char* key, T fallback) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    try {
        return it->get<T>();
    } catch (const json::exception&) {
        return fallback;
    }
}

Result<Role> role_from(const std::string& s, const std::string& where) {
    if (s == "moderator") return Role::moderator;
    if (s == "viewer") return Role::viewer;
    return fail(Errc::malformed_input, fmt::format("{}: role \"{}\" is not moderator or viewer", where, s));
}

Result<Consent> consent_from(const std::string& s, const std::string& where) {
    if (s == "granted") return Consent::granted;
    if (s == "denied") return Consent::denied;
    if (s == "unknown") return Consent::unknown;
    return fail(Errc::malformed_input, fmt::format("{}: consent \"{}\" is not granted, denied or unknown", where, s));
}

Result<MediaKind> kind_from(const std::string& s, const std::string& where) {
    if (s == "audio") return MediaKind::audio;
    if (s == "video") return MediaKind::video;
    return fail(Errc::malformed_input, fmt::format("{}: kind \"{}\" is not audio or video", where, s));
}

#define TAFEL_TRY_ASSIGN(lhs, expr)                                  \
    do {                                                             \
        auto tafel_r_ = (expr);                                      \
        if (!tafel_r_) return std::unexpected(tafel_r_.error());     \
        lhs = std::move(*tafel_r_);                                  \
    } while (false)

Result<RecordingInfo> from_json(const json& j, const std::string& where) {
    RecordingInfo info;
    std::string format;
    TAFEL_TRY_ASSIGN(format, field<std::string>(j, "format", where));
    if (format != k_format) {
        return fail(Errc::unsupported, fmt::format("{}: format \"{}\" (expected \"{}\")", where, format, k_format));
    }
    TAFEL_TRY_ASSIGN(info.id, field<std::string>(j, "id", where));
    json meeting;
    TAFEL_TRY_ASSIGN(meeting, field<json>(j, "meeting", where));
    TAFEL_TRY_ASSIGN(info.meeting.id, field<std::string>(meeting, "id", where + " meeting"));
    info.meeting.name = optional_field<std::string>(meeting, "name", "");
    info.meeting.context = optional_field<std::string>(meeting, "context", "");
    TAFEL_TRY_ASSIGN(info.started.utc_us, field<std::int64_t>(j, "started_utc_us", where));
    if (j.contains("stopped_utc_us") && !j["stopped_utc_us"].is_null()) {
        std::int64_t stopped = 0;
        TAFEL_TRY_ASSIGN(stopped, field<std::int64_t>(j, "stopped_utc_us", where));
        info.stopped = WallTime{stopped};
    }
    json anchor;
    TAFEL_TRY_ASSIGN(anchor, field<json>(j, "anchor", where));
    TAFEL_TRY_ASSIGN(info.anchor.arrival.ns, field<std::int64_t>(anchor, "arrival_ns", where + " anchor"));
    TAFEL_TRY_ASSIGN(info.anchor.wall.utc_us, field<std::int64_t>(anchor, "wall_utc_us", where + " anchor"));

    if (j.contains("consent_policy")) {
        std::string policy;
        TAFEL_TRY_ASSIGN(policy, field<std::string>(j, "consent_policy", where));
        auto parsed = consent_policy_from(policy);
        if (!parsed)
            return fail(Errc::malformed_input,
                        fmt::format("{}: \"consent_policy\": {}", where, parsed.error().message));
        info.policy = *parsed;
    }
    for (const auto& p : optional_field<json>(j, "participants", json::array())) {
        const std::string w = where + " participant";
        Participant part;
        TAFEL_TRY_ASSIGN(part.id, field<std::string>(p, "id", w));
        part.name = optional_field<std::string>(p, "name", "");
        TAFEL_TRY_ASSIGN(part.role, role_from(optional_field<std::string>(p, "role", "viewer"), w + " " + part.id));
        TAFEL_TRY_ASSIGN(part.consent,
                         consent_from(optional_field<std::string>(p, "consent", "unknown"), w + " " + part.id));
        info.participants.push_back(std::move(part));
    }
    for (const auto& t : optional_field<json>(j, "tracks", json::array())) {
        const std::string w = where + " track";
        TrackInfo track;
        TAFEL_TRY_ASSIGN(track.id, field<std::string>(t, "id", w));
        const std::string wt = w + " " + track.id;
        TAFEL_TRY_ASSIGN(track.kind, kind_from(optional_field<std::string>(t, "kind", ""), wt));
        TAFEL_TRY_ASSIGN(track.codec, field<std::string>(t, "codec", wt));
        TAFEL_TRY_ASSIGN(track.payload_type, field<int>(t, "payload_type", wt));
        TAFEL_TRY_ASSIGN(track.clock_rate, field<int>(t, "clock_rate", wt));
        track.channels = optional_field<int>(t, "channels", 0);
        track.fmtp = optional_field<std::string>(t, "fmtp", std::string{});
        if (t.contains("ssrc") && t["ssrc"].is_number_unsigned()) track.ssrc = t["ssrc"].get<std::uint32_t>();
        track.participant = optional_field<std::string>(t, "participant", "");
        track.port = optional_field<std::uint16_t>(t, "port", 0);
        TAFEL_TRY_ASSIGN(track.file, field<std::string>(t, "file", wt));
        info.tracks.push_back(std::move(track));
    }
    for (const auto& d : optional_field<json>(j, "decks", json::array())) {
        const std::string w = where + " deck";
        Deck deck;
        TAFEL_TRY_ASSIGN(deck.id, field<std::string>(d, "id", w));
        deck.name = optional_field<std::string>(d, "name", "");
        TAFEL_TRY_ASSIGN(deck.file, field<std::string>(d, "file", w + " " + deck.id));
        deck.pages = optional_field<int>(d, "pages", 0);
        info.decks.push_back(std::move(deck));
    }
    return info;
}

json to_json(const RecordingInfo& info) {
    json j = {
        {"format", k_format},
        {"id", info.id},
        {"meeting", {{"id", info.meeting.id}, {"name", info.meeting.name}, {"context", info.meeting.context}}},
        {"started_utc_us", info.started.utc_us},
        {"consent_policy", to_string(info.policy)},
        {"anchor", {{"arrival_ns", info.anchor.arrival.ns}, {"wall_utc_us", info.anchor.wall.utc_us}}},
    };
    if (info.stopped) j["stopped_utc_us"] = info.stopped->utc_us;
    j["participants"] = json::array();
    for (const auto& p : info.participants) {
        j["participants"].push_back(
            {{"id", p.id}, {"name", p.name}, {"role", to_string(p.role)}, {"consent", to_string(p.consent)}});
    }
    j["tracks"] = json::array();
    for (const auto& t : info.tracks) {
        json tj = {{"id", t.id},
                   {"kind", to_string(t.kind)},
                   {"codec", t.codec},
                   {"payload_type", t.payload_type},
                   {"clock_rate", t.clock_rate},
                   {"participant", t.participant},
                   {"port", t.port},
                   {"file", t.file}};
        if (t.kind == MediaKind::audio) tj["channels"] = t.channels;
        if (!t.fmtp.empty()) tj["fmtp"] = t.fmtp;
        if (t.ssrc) tj["ssrc"] = *t.ssrc;
        j["tracks"].push_back(std::move(tj));
    }
    j["decks"] = json::array();
    for (const auto& d : info.decks) {
        j["decks"].push_back({{"id", d.id}, {"name", d.name}, {"file", d.file}, {"pages", d.pages}});
    }
    return j;
}

Result<std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) return fail(Errc::not_found, fmt::format("{} does not exist", path.string()));
        return fail(Errc::io, fmt::format("cannot read {}", path.string()));
    }
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

Error os_error(const char* what, const std::filesystem::path& path, int err) {
    const Errc code = (err == ENOSPC || err == EDQUOT) ? Errc::no_space : Errc::io;
    return Error{code, fmt::format("{} {}: {}", what, path.string(), std::strerror(err))};
}

} // namespace

Exposure exposure(Role role, Consent consent, ConsentPolicy policy) {
    if (role == Role::moderator) return Exposure::named;
    if (policy == ConsentPolicy::teacher_only) return Exposure::absent;
    switch (consent) {
    case Consent::granted: return Exposure::named;
    case Consent::denied: return Exposure::absent;
    case Consent::unknown: return Exposure::pseudonym;
    }
    return Exposure::absent;
}

std::optional<Consent> consent_from_string(std::string_view s) {
    if (s == "granted") return Consent::granted;
    if (s == "denied") return Consent::denied;
    if (s == "unknown") return Consent::unknown;
    return std::nullopt;
}

std::string to_string(Role r) { return r == Role::moderator ? "moderator" : "viewer"; }

std::string to_string(Consent c) {
    switch (c) {
    case Consent::granted: return "granted";
    case Consent::denied: return "denied";
    case Consent::unknown: return "unknown";
    }
    return "unknown";
}

std::string to_string(MediaKind k) { return k == MediaKind::audio ? "audio" : "video"; }

const Participant* RecordingInfo::participant(const std::string& pid) const {
    for (const auto& p : participants) {
        if (p.id == pid) return &p;
    }
    return nullptr;
}

Result<RecordingInfo> read_recording_info(const std::filesystem::path& recording_dir) {
    const auto path = recording_dir / "recording.json";
    auto text = read_file(path);
    if (!text) return std::unexpected(text.error());
    const json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
        return fail(Errc::malformed_input, fmt::format("{}: not a JSON object", path.string()));
    }
    return from_json(j, path.string());
}

Result<void> write_recording_info(const std::filesystem::path& recording_dir, const RecordingInfo& info) {
    const auto path = recording_dir / "recording.json";
    auto tmp = path;
    tmp += ".tmp";
    const std::string text = to_json(info).dump(2) + "\n";
    {
        UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (!fd) return std::unexpected(os_error("create", tmp, errno));
        const char* p = text.data();
        std::size_t left = text.size();
        while (left > 0) {
            const ssize_t w = ::write(fd.get(), p, left);
            if (w < 0) {
                if (errno == EINTR) continue;
                return std::unexpected(os_error("write", tmp, errno));
            }
            p += w;
            left -= static_cast<std::size_t>(w);
        }
        if (::fsync(fd.get()) != 0) return std::unexpected(os_error("fsync", tmp, errno));
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) return fail(Errc::io, fmt::format("rename {} to {}: {}", tmp.string(), path.string(), ec.message()));
    if (UniqueFd dir(::open(recording_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); dir) ::fsync(dir.get());
    return {};
}

Result<std::vector<Event>> read_events(const std::filesystem::path& recording_dir) {
    const auto path = recording_dir / "events.jsonl";
    auto text = read_file(path);
    if (!text) {
        if (text.error().code == Errc::not_found) return std::vector<Event>{};   // no events yet
        return std::unexpected(text.error());
    }
    std::vector<Event> events;
    std::size_t pos = 0;
    std::size_t line_no = 0;
    while (pos < text->size()) {
        ++line_no;
        const std::size_t nl = text->find('\n', pos);
        const bool last = nl == std::string::npos;
        const std::string line = text->substr(pos, last ? std::string::npos : nl - pos);
        pos = last ? text->size() : nl + 1;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const json j = json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object()) {
            // A line without its newline at the very end was torn by a crash while appending.
            if (last) break;
            return fail(Errc::malformed_input, fmt::format("{}:{}: not a JSON object", path.string(), line_no));
        }
        const auto t = j.find("t_us");
        const auto type = j.find("type");
        if (t == j.end() || !t->is_number_integer()) {
            return fail(Errc::malformed_input, fmt::format("{}:{}: missing integer \"t_us\"", path.string(), line_no));
        }
        if (type == j.end() || !type->is_string()) {
            return fail(Errc::malformed_input, fmt::format("{}:{}: missing string \"type\"", path.string(), line_no));
        }
        events.push_back(Event{WallTime{t->get<std::int64_t>()}, type->get<std::string>(), line});
    }
    return events;
}

} // namespace tafel::ingest
