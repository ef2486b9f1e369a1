#pragma once
// The JSON bodies of the recorder's control API (docs/architecture.md, "Contract: the
// recorder's control API") parsed into plain values. Every error is Errc::invalid_argument and
// names the field that was wrong, e.g. `field "participants[1].role": "boss" is not …`.
#include "core/error.hpp"
#include "ingest/session.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace tafel::ingest {

Result<SessionSetup> parse_session_request(std::string_view body);
Result<StreamRequest> parse_stream_request(std::string_view body);
// One event object or an array of them; each returned as compact JSON with a string "type".
Result<std::vector<std::string>> parse_events_request(std::string_view body);

// "/api/v1/sessions/x/decks?name=Br%C3%BCche.pdf" → path and the decoded value of `key`.
struct Target {
    std::string path;
    std::string query;
    std::string param(std::string_view key) const;
};
Target parse_target(std::string_view target);
std::string percent_decode(std::string_view s);

} // namespace tafel::ingest
