#include "samples/control_client.hpp"

#include "core/hmac.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <optional>

namespace tafel::samples {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;

constexpr std::size_t k_answer_limit = 1 << 20; // control answers are small JSON objects

Errc errc_of_status(int status) {
    switch (status) {
    case 400: return Errc::invalid_argument;
    case 404: return Errc::not_found;
    case 409: return Errc::already_exists;
    default: return Errc::network;
    }
}

// Parses a 2xx answer's JSON body; `what` names the request in every error.
Result<json> parse_answer(const Result<HttpAnswer>& answer, std::string_view what, int expected_status) {
    if (!answer) return std::unexpected(answer.error());
    if (answer->status != expected_status) {
        return fail(errc_of_status(answer->status),
                    fmt::format("{}: HTTP {} (expected {}): {}", what, answer->status, expected_status,
                                answer->body.substr(0, 300)));
    }
    json j = json::parse(answer->body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
        return fail(Errc::malformed_input, fmt::format("{}: answer is not a JSON object: {}", what,
                                                       answer->body.substr(0, 300)));
    }
    return j;
}

Result<std::string> string_field(const json& j, const char* field, std::string_view what) {
    auto it = j.find(field);
    if (it == j.end() || !it->is_string()) {
        return fail(Errc::malformed_input, fmt::format("{}: answer lacks string field \"{}\": {}", what, field, j.dump()));
    }
    return it->get<std::string>();
}

Result<std::int64_t> int_field(const json& j, const char* field, std::string_view what) {
    auto it = j.find(field);
    if (it == j.end() || !it->is_number_integer()) {
        return fail(Errc::malformed_input, fmt::format("{}: answer lacks integer field \"{}\": {}", what, field, j.dump()));
    }
    return it->get<std::int64_t>();
}

} // namespace

std::string percent_encode(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out.push_back(static_cast<char>(c));
        } else {
            out += fmt::format("%{:02X}", c);
        }
    }
    return out;
}

Result<ControlClient> ControlClient::create(std::string_view base_url, std::chrono::milliseconds timeout) {
    constexpr std::string_view scheme = "http://";
    if (!base_url.starts_with(scheme)) {
        return fail(Errc::invalid_argument, fmt::format("control url \"{}\": must start with http://", base_url));
    }
    std::string_view rest = base_url.substr(scheme.size());
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string prefix = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();

    std::string_view host = authority;
    std::string_view port_text;
    if (authority.starts_with('[')) { // IPv6 literal, RFC 3986 section 3.2.2
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return fail(Errc::invalid_argument, fmt::format("control url \"{}\": unclosed '['", base_url));
        }
        host = authority.substr(1, close - 1);
        if (close + 1 < authority.size() && authority[close + 1] == ':') port_text = authority.substr(close + 2);
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port_text = authority.substr(colon + 1);
    }
    if (host.empty()) return fail(Errc::invalid_argument, fmt::format("control url \"{}\": no host", base_url));
    unsigned port = 80;
    if (!port_text.empty()) {
        auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port == 0 || port > 65535) {
            return fail(Errc::invalid_argument, fmt::format("control url \"{}\": bad port \"{}\"", base_url, port_text));
        }
    }
    return ControlClient(std::string(host), static_cast<std::uint16_t>(port), std::move(prefix), timeout);
}

Result<HttpAnswer> ControlClient::request(std::string_view method, const std::string& target,
                                          std::string_view content_type, const std::string& body) {
    const std::string what = fmt::format("{} {}", method, target);
    const http::verb verb = http::string_to_verb(beast::string_view(method.data(), method.size()));
    if (verb == http::verb::unknown) return fail(Errc::invalid_argument, fmt::format("{}: unknown method", what));

    http::request<http::string_body> req{verb, prefix_ + target, 11};
    req.set(http::field::host, fmt::format("{}:{}", host_, port_));
    req.set(http::field::user_agent, "tafel-simulator");
    req.set(http::field::accept, "application/json");
    if (!content_type.empty()) req.set(http::field::content_type, beast::string_view(content_type.data(), content_type.size()));
    req.body() = body;
    req.prepare_payload();
    if (!secret_.empty()) {
        req.set(beast::string_view(k_signature_header.data(), k_signature_header.size()),
                control_signature(secret_, method, prefix_ + target, body));
    }

    // Asynchronous operations driven to completion here, because only they honour the
    // stream's deadline; the outer run_for also bounds name resolution.
    net::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(k_answer_limit);
    std::optional<Error> error;
    bool done = false;

    auto failed = [&](std::string_view step, const beast::error_code& ec) {
        error = Error(Errc::network, fmt::format("{} to {}:{}: {} failed: {}", what, host_, port_, step, ec.message()));
    };
    stream.expires_after(timeout_);
    resolver.async_resolve(host_, std::to_string(port_), [&](beast::error_code ec, tcp::resolver::results_type results) {
        if (ec) return failed("resolve", ec);
        stream.async_connect(results, [&](beast::error_code ec2, const tcp::endpoint&) {
            if (ec2) return failed("connect", ec2);
            http::async_write(stream, req, [&](beast::error_code ec3, std::size_t) {
                if (ec3) return failed("write", ec3);
                http::async_read(stream, buffer, parser, [&](beast::error_code ec4, std::size_t) {
                    if (ec4) return failed("read", ec4);
                    done = true;
                    beast::error_code ignored;
                    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
                });
            });
        });
    });
    ioc.run_for(timeout_ + std::chrono::seconds(1));
    if (error) return std::unexpected(*error);
    if (!done) {
        return fail(Errc::network, fmt::format("{} to {}:{}: no answer within {} ms", what, host_, port_, timeout_.count()));
    }
    auto& res = parser.get();
    return HttpAnswer{static_cast<int>(res.result_int()), std::move(res.body())};
}

Result<std::string> ControlClient::create_session(const SessionRequest& request) {
    json participants = json::array();
    for (const auto& p : request.participants) {
        participants.push_back({{"id", p.id}, {"name", p.name}, {"role", p.role}, {"consent", p.consent}});
    }
    const json body = {{"meeting_id", request.meeting_id},
                       {"name", request.name},
                       {"context", request.context},
                       {"participants", participants}};
    const std::string target = "/api/v1/sessions";
    auto j = parse_answer(this->request("POST", target, "application/json", body.dump()), "POST " + target, 201);
    if (!j) return std::unexpected(j.error());
    return string_field(*j, "id", "POST " + target);
}

Result<StreamGrant> ControlClient::add_stream(const std::string& session, const StreamRequest& request) {
    json body = {{"kind", request.kind},
                 {"codec", request.codec},
                 {"payload_type", request.payload_type},
                 {"clock_rate", request.clock_rate},
                 {"participant", request.participant}};
    if (request.channels > 0) body["channels"] = request.channels;
    const std::string target = fmt::format("/api/v1/sessions/{}/streams", session);
    const std::string what = "POST " + target;
    auto j = parse_answer(this->request("POST", target, "application/json", body.dump()), what, 201);
    if (!j) return std::unexpected(j.error());
    auto track = string_field(*j, "track", what);
    if (!track) return std::unexpected(track.error());
    auto port = int_field(*j, "port", what);
    if (!port) return std::unexpected(port.error());
    if (*port <= 0 || *port > 65535) {
        return fail(Errc::malformed_input, fmt::format("{}: port {} out of range", what, *port));
    }
    return StreamGrant{std::move(*track), static_cast<std::uint16_t>(*port)};
}

Result<DeckGrant> ControlClient::upload_deck(const std::string& session, std::string_view file_name,
                                             const std::string& pdf_bytes) {
    const std::string target = fmt::format("/api/v1/sessions/{}/decks?name={}", session, percent_encode(file_name));
    const std::string what = "POST " + target;
    auto j = parse_answer(this->request("POST", target, "application/pdf", pdf_bytes), what, 201);
    if (!j) return std::unexpected(j.error());
    auto deck = string_field(*j, "deck", what);
    if (!deck) return std::unexpected(deck.error());
    auto pages = int_field(*j, "pages", what);
    if (!pages) return std::unexpected(pages.error());
    return DeckGrant{std::move(*deck), static_cast<int>(*pages)};
}

Result<int> ControlClient::post_events(const std::string& session, const std::vector<ScriptedEvent>& events) {
    json body = json::array();
    for (const auto& e : events) body.push_back(json::parse(to_json(e)));
    const std::string target = fmt::format("/api/v1/sessions/{}/events", session);
    const std::string what = "POST " + target;
    auto j = parse_answer(this->request("POST", target, "application/json", body.dump()), what, 202);
    if (!j) return std::unexpected(j.error());
    auto accepted = int_field(*j, "accepted", what);
    if (!accepted) return std::unexpected(accepted.error());
    if (*accepted != static_cast<std::int64_t>(events.size())) {
        return fail(Errc::malformed_input,
                    fmt::format("{}: recorder accepted {} of {} events", what, *accepted, events.size()));
    }
    return static_cast<int>(*accepted);
}

Result<void> ControlClient::stop(const std::string& session) {
    const std::string target = fmt::format("/api/v1/sessions/{}/stop", session);
    auto j = parse_answer(this->request("POST", target, "", ""), "POST " + target, 200);
    if (!j) return std::unexpected(j.error());
    return {};
}

} // namespace tafel::samples
