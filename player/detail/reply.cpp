#include "player/detail/reply.hpp"

#include <algorithm>
#include <cctype>

namespace tafel::player::detail {

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view Request::header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (iequals(key, name)) return value;
    return {};
}

void Reply::set(std::string name, std::string value) {
    for (auto& [key, existing] : headers) {
        if (iequals(key, name)) {
            existing = std::move(value);
            return;
        }
    }
    headers.emplace_back(std::move(name), std::move(value));
}

std::string_view Reply::header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (iequals(key, name)) return value;
    return {};
}

Reply text_reply(int status, std::string text) {
    Reply reply;
    reply.status = status;
    if (!text.empty() && text.back() != '\n') text += '\n';
    reply.body = std::move(text);
    reply.set("Content-Type", "text/plain; charset=utf-8");
    return reply;
}

Reply html_reply(std::string html) {
    Reply reply;
    reply.body = std::move(html);
    reply.set("Content-Type", "text/html; charset=utf-8");
    reply.set("Cache-Control", "private, no-cache");
    return reply;
}

Reply json_reply(int status, std::string json) {
    Reply reply;
    reply.status = status;
    reply.body = std::move(json);
    reply.set("Content-Type", "application/json");
    reply.set("Cache-Control", "private, no-cache");
    return reply;
}

Reply xml_reply(std::string xml) {
    Reply reply;
    reply.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + std::move(xml);
    reply.set("Content-Type", "application/xml; charset=utf-8");
    reply.set("Cache-Control", "no-store");
    return reply;
}

} // namespace tafel::player::detail
