#include "player/detail/bbb_api.hpp"

#include "player/detail/html.hpp"
#include "player/detail/target.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>

namespace tafel::player::detail {

namespace {

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    while (!s.empty()) {
        const auto at = s.find(sep);
        out.emplace_back(s.substr(0, at));
        if (at == std::string_view::npos) break;
        s.remove_prefix(at + 1);
    }
    return out;
}

std::string form_decode(std::string_view s) {
    std::string plus(s);
    std::replace(plus.begin(), plus.end(), '+', ' ');
    auto decoded = percent_decode(plus);
    return decoded ? *decoded : std::string{};
}

// BBB's recording states (docs: getRecordings "state"); tafel's processing steps all read
// as "processing" to a BBB client.
std::string bbb_state(storage::RecordingState s) {
    switch (s) {
    case storage::RecordingState::published: return "published";
    case storage::RecordingState::unpublished: return "unpublished";
    case storage::RecordingState::failed: return "failed"; // not BBB's: never listed by default
    default: return "processing";
    }
}

// What tafel knows of a recording first, then what updateRecordings set (it may override
// the name BBB clients show).
std::map<std::string, std::string> metadata(const BbbRecording& rec) {
    std::map<std::string, std::string> meta{
        {"meetingName", rec.row.title}, {"bbb-context", rec.row.context}, {"isBreakout", "false"}};
    for (const auto& [k, v] : rec.meta) meta[k] = v;
    return meta;
}

bool is_xml_name(std::string_view key) {
    if (key.empty() || key.size() > 64) return false;
    const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
    if (!alpha(key.front())) return false;
    return std::all_of(key.begin(), key.end(), [&](char c) {
        return alpha(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
    });
}

bool matches_list(const std::string& value, const std::string& list) {
    if (list.empty()) return true;
    for (const auto& item : split(list, ','))
        if (!item.empty() && value.starts_with(item)) return true; // exact or prefix
    return false;
}

std::size_t number_param(std::string_view query, std::string_view name, std::size_t fallback) {
    const std::string v = query_param(query, name);
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    return ec == std::errc{} && end == v.data() + v.size() && !v.empty() ? n : fallback;
}

std::string recording_xml(const BbbRecording& rec, std::string_view base_url) {
    const storage::RecordingRow& r = rec.row;
    const std::int64_t start_ms = r.started_utc_us / 1000;
    std::string meta;
    for (const auto& [k, v] : metadata(rec)) meta += fmt::format("<{0}>{1}</{0}>", k, escape(v));
    std::string playback;
    if (r.state == storage::RecordingState::published || r.state == storage::RecordingState::unpublished) {
        // length is in minutes (BBB rounds up a started minute).
        // BBB's preview: <preview><images><image width height alt>url</image></images></preview>.
        const std::string preview =
            rec.poster ? fmt::format("<preview><images><image width=\"1280\" height=\"720\" alt=\"{}\">{}/r/{}/media/"
                                     "poster.jpg</image></images></preview>",
                                     escape(r.title), escape(base_url), r.id)
                       : std::string{};
        playback = fmt::format(
            "<playback><format><type>presentation</type><url>{}/r/{}</url><processingTime>0</processingTime>"
            "<length>{}</length>{}</format></playback>",
            escape(base_url), r.id, (r.duration_ms + 59'999) / 60'000, preview);
    } else {
        playback = "<playback></playback>";
    }
    return fmt::format(
        "<recording><recordID>{0}</recordID><meetingID>{1}</meetingID><internalMeetingID>{0}</internalMeetingID>"
        "<name>{2}</name><isBreakout>false</isBreakout><published>{3}</published><state>{4}</state>"
        "<startTime>{5}</startTime><endTime>{6}</endTime><participants>0</participants>"
        "<metadata>{7}</metadata>{8}</recording>",
        r.id, escape(r.meeting_id), escape(r.title),
        r.state == storage::RecordingState::published ? "true" : "false", bbb_state(r.state), start_ms,
        start_ms + r.duration_ms, meta, playback);
}

} // namespace

std::string sha_hex_for_length(std::size_t hex_length, std::string_view data) {
    const EVP_MD* md = hex_length == 40    ? EVP_sha1()
                       : hex_length == 64  ? EVP_sha256()
                       : hex_length == 96  ? EVP_sha384()
                       : hex_length == 128 ? EVP_sha512()
                                           : nullptr;
    if (!md) return {};
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &length, md, nullptr) != 1) return {};
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
    return hex;
}

bool bbb_checksum_ok(std::string_view call, std::string_view query, std::string_view secret) {
    if (secret.empty()) return false;
    std::string given;
    std::string rest;
    for (const auto& pair : split(query, '&')) {
        if (pair.starts_with("checksum=")) {
            given = pair.substr(9);
            continue;
        }
        if (!rest.empty()) rest += '&';
        rest += pair;
    }
    std::transform(given.begin(), given.end(), given.begin(), [](unsigned char c) { return std::tolower(c); });
    const std::string expected = sha_hex_for_length(given.size(), fmt::format("{}{}{}", call, rest, secret));
    return !expected.empty() && CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
}

std::string query_param(std::string_view query, std::string_view name) {
    for (const auto& pair : split(query, '&')) {
        const auto eq = pair.find('=');
        if (eq != std::string::npos && form_decode(pair.substr(0, eq)) == name) return form_decode(pair.substr(eq + 1));
    }
    return {};
}

std::string bbb_get_recordings(const std::vector<storage::RecordingRow>& rows, std::string_view query,
                               std::string_view base_url) {
    std::vector<BbbRecording> recordings;
    for (const auto& r : rows) recordings.push_back({r, {}});
    return bbb_get_recordings(recordings, query, base_url);
}

std::vector<std::string> bbb_record_ids(std::string_view query) {
    std::vector<std::string> out;
    for (auto& id : split(query_param(query, "recordID"), ','))
        if (!id.empty()) out.push_back(std::move(id));
    return out;
}

std::map<std::string, std::string> bbb_meta_params(std::string_view query) {
    std::map<std::string, std::string> out;
    for (const auto& pair : split(query, '&')) {
        const auto eq = pair.find('=');
        if (eq == std::string::npos) continue;
        const std::string key = form_decode(pair.substr(0, eq));
        if (!key.starts_with("meta_") || !is_xml_name(key.substr(5))) continue;
        std::string value = form_decode(pair.substr(eq + 1));
        if (value.size() > 1024) value.resize(1024);
        out[key.substr(5)] = std::move(value);
    }
    return out;
}

std::string bbb_success(std::string_view element, bool value) {
    return fmt::format("<response><returncode>SUCCESS</returncode><{0}>{1}</{0}></response>", element,
                       value ? "true" : "false");
}

std::string bbb_get_recordings(const std::vector<BbbRecording>& rows, std::string_view query,
                               std::string_view base_url) {
    const std::string meeting_ids = query_param(query, "meetingID");
    const std::string record_ids = query_param(query, "recordID");
    std::string states = query_param(query, "state");
    if (states.empty()) states = "published,unpublished";
    const auto wanted_states = split(states, ',');
    std::vector<std::pair<std::string, std::string>> meta_filters;
    for (const auto& pair : split(query, '&')) {
        const auto eq = pair.find('=');
        if (eq == std::string::npos) continue;
        const std::string key = form_decode(pair.substr(0, eq));
        if (key.starts_with("meta_")) meta_filters.emplace_back(key.substr(5), form_decode(pair.substr(eq + 1)));
    }

    std::vector<const BbbRecording*> hits;
    for (const auto& rec : rows) {
        const storage::RecordingRow& r = rec.row;
        if (!matches_list(r.meeting_id, meeting_ids) || !matches_list(r.id, record_ids)) continue;
        const std::string state = bbb_state(r.state);
        if (std::find(wanted_states.begin(), wanted_states.end(), "any") == wanted_states.end() &&
            std::find(wanted_states.begin(), wanted_states.end(), state) == wanted_states.end())
            continue;
        const auto meta = metadata(rec);
        const bool meta_ok = std::all_of(meta_filters.begin(), meta_filters.end(), [&](const auto& f) {
            const auto it = meta.find(f.first);
            return it != meta.end() && it->second == f.second;
        });
        if (meta_ok) hits.push_back(&rec);
    }
    const std::size_t total = hits.size();
    const std::size_t offset = std::min(number_param(query, "offset", 0), total);
    const std::size_t limit = std::clamp<std::size_t>(number_param(query, "limit", 100), 1, 100);
    std::string body;
    for (std::size_t i = offset; i < total && i < offset + limit; ++i) body += recording_xml(*hits[i], base_url);

    if (total == 0)
        return "<response><returncode>SUCCESS</returncode><recordings></recordings><messageKey>noRecordings"
               "</messageKey><message>There are no recordings for the meeting(s).</message></response>";
    return fmt::format("<response><returncode>SUCCESS</returncode><recordings>{}</recordings>"
                       "<totalElements>{}</totalElements></response>",
                       body, total);
}

std::string bbb_failed(std::string_view message_key, std::string_view message) {
    return fmt::format("<response><returncode>FAILED</returncode><messageKey>{}</messageKey><message>{}</message>"
                       "</response>",
                       escape(message_key), escape(message));
}

} // namespace tafel::player::detail
