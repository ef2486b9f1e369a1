#include "archive/bbb_events.hpp"

#include <fmt/format.h>
#include <pugixml.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace tafel::archive {

const std::string BbbEvent::k_empty;

const std::string& BbbEvent::get(const std::string& key, const std::string& fallback) const {
    auto it = fields.find(key);
    return it == fields.end() ? fallback : it->second;
}

namespace {

std::string trimmed(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(first, last - first + 1));
}

// The text of an element: its PCDATA and CDATA children joined (BBB wraps chat messages in
// CDATA surrounded by indentation), trimmed — except where whitespace is the content: a
// caption edit inserts exactly its text, a lone space included (BBB's gen_webvtt reads it
// untouched).
std::string text_of(const pugi::xml_node& node, bool keep_whitespace) {
    std::string text;
    for (auto child : node.children()) {
        if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) text += child.value();
    }
    return keep_whitespace ? text : trimmed(text);
}

} // namespace

Result<BbbArchiveEvents> parse_bbb_events(std::string_view xml, const std::string& where) {
    pugi::xml_document doc;
    const pugi::xml_parse_result parsed =
        doc.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_utf8);
    if (!parsed) {
        return fail(Errc::malformed_input, fmt::format("{}: byte {}: {}{}", where, parsed.offset, parsed.description(),
                                                       parsed.status == pugi::status_end_element_mismatch ||
                                                               parsed.status == pugi::status_bad_end_element
                                                           ? " (truncated file?)"
                                                           : ""));
    }
    const pugi::xml_node root = doc.child("recording");
    if (!root) return fail(Errc::malformed_input, fmt::format("{}: no <recording> root element", where));

    BbbArchiveEvents out;
    out.meeting_id = root.attribute("meeting_id").as_string();
    out.bbb_version = root.attribute("bbb_version").as_string();
    if (auto meeting = root.child("meeting")) {
        if (out.meeting_id.empty()) out.meeting_id = meeting.attribute("id").as_string();
        out.meeting_name = meeting.attribute("name").as_string();
        out.external_id = meeting.attribute("externalId").as_string();
    }
    if (auto metadata = root.child("metadata")) {
        for (auto a : metadata.attributes()) out.metadata.emplace(a.name(), a.value());
        if (out.meeting_name.empty()) out.meeting_name = metadata.attribute("meetingName").as_string();
    }
    int index = 0;
    for (auto node : root.children("event")) {
        BbbEvent e;
        e.index = index++;
        const std::string ts = node.attribute("timestamp").as_string();
        auto [ptr, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), e.timestamp_ms);
        if (ec != std::errc{} || ptr != ts.data() + ts.size()) {
            return fail(Errc::malformed_input, fmt::format("{}: event {} ({}): timestamp \"{}\" is not an integer", where,
                                                           e.index, node.attribute("eventname").as_string(), ts));
        }
        e.module = node.attribute("module").as_string();
        e.name = node.attribute("eventname").as_string();
        const bool caption = e.module == "CAPTION";
        for (auto child : node.children()) {
            if (child.type() == pugi::node_element) e.fields[child.name()] = text_of(child, caption);
        }
        out.events.push_back(std::move(e));
    }
    if (out.events.empty()) return fail(Errc::malformed_input, fmt::format("{}: no <event> elements", where));
    // BBB appends events as its apps report them; a few arrive out of order by a few ms.
    std::stable_sort(out.events.begin(), out.events.end(),
                     [](const BbbEvent& a, const BbbEvent& b) { return a.timestamp_ms < b.timestamp_ms; });
    return out;
}

Result<BbbArchiveEvents> read_bbb_events(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail(Errc::not_found, fmt::format("{}: cannot open", file.string()));
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return parse_bbb_events(bytes.str(), file.string());
}

} // namespace tafel::archive
