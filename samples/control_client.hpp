#pragma once
// A small synchronous HTTP/1.1 client for the recorder's control API (docs/architecture.md,
// "Contract: the recorder's control API"). One connection per request, every request bounded
// by a timeout; errors name the request and the answer's status and body.
#include "core/error.hpp"
#include "samples/lesson_script.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tafel::samples {

struct SessionRequest {
    std::string meeting_id;
    std::string name;
    std::string context;
    std::vector<Participant> participants;
};

struct StreamRequest {
    std::string kind;  // "video" | "audio"
    std::string codec; // "VP8" | "opus"
    int payload_type = 0;
    int clock_rate = 0;
    int channels = 0; // audio only; 0 leaves it out
    std::string participant;
};

struct StreamGrant {
    std::string track; // "t1"
    std::uint16_t port = 0;
};

struct DeckGrant {
    std::string deck; // "d1"
    int pages = 0;
};

struct HttpAnswer {
    int status = 0;
    std::string body;
};

class ControlClient {
public:
    // `base_url` is "http://host:port" with an optional path prefix; https is not spoken.
    static Result<ControlClient> create(std::string_view base_url,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

    Result<std::string> create_session(const SessionRequest& request);          // recording id
    Result<StreamGrant> add_stream(const std::string& session, const StreamRequest& request);
    Result<DeckGrant> upload_deck(const std::string& session, std::string_view file_name,
                                  const std::string& pdf_bytes);
    Result<int> post_events(const std::string& session, const std::vector<ScriptedEvent>& events);
    Result<void> stop(const std::string& session);

    // The raw request, for callers that need an endpoint this class does not wrap.
    Result<HttpAnswer> request(std::string_view method, const std::string& target,
                               std::string_view content_type, const std::string& body);

    // Non-empty: every request carries X-Tafel-Signature (core/hmac.hpp), as the recorder
    // requires when it has a secret.
    void set_secret(std::string secret) { secret_ = std::move(secret); }

    const std::string& host() const noexcept { return host_; }
    std::uint16_t port() const noexcept { return port_; }

private:
    ControlClient(std::string host, std::uint16_t port, std::string prefix, std::chrono::milliseconds timeout)
        : host_(std::move(host)), port_(port), prefix_(std::move(prefix)), timeout_(timeout) {}

    std::string host_;
    std::uint16_t port_ = 0;
    std::string prefix_; // path prefix without a trailing slash, "" for none
    std::chrono::milliseconds timeout_;
    std::string secret_;
};

// RFC 3986 section 2.1: percent-encodes everything but the unreserved characters.
std::string percent_encode(std::string_view text);

} // namespace tafel::samples
