#include "archive/metadata_xml.hpp"

#include <fmt/format.h>
#include <pugixml.hpp>

#include <fstream>
#include <sstream>

namespace tafel::archive {

namespace {

void text(pugi::xml_node parent, const char* name, const std::string& value) {
    parent.append_child(name).append_child(pugi::node_pcdata).set_value(value.c_str());
}

// XML element names may not hold every metadata key (BBB keys are lower-case letters, digits
// and dashes; anything else is dropped rather than producing invalid XML).
bool valid_name(const std::string& key) {
    if (key.empty() || !(std::isalpha(static_cast<unsigned char>(key[0])) || key[0] == '_')) return false;
    for (char c : key) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
    }
    return true;
}

} // namespace

std::string metadata_xml(const PublishedMetadata& m) {
    pugi::xml_document doc;
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    auto rec = doc.append_child("recording");
    text(rec, "id", m.recording_id);
    text(rec, "state", "published");
    text(rec, "published", "true");
    text(rec, "start_time", std::to_string(m.start_time_ms));
    text(rec, "end_time", std::to_string(m.end_time_ms));
    text(rec, "participants", std::to_string(m.participants));
    text(rec, "raw_size", std::to_string(m.raw_size_bytes));
    auto meeting = rec.append_child("meeting");
    meeting.append_attribute("id") = m.meeting_id.c_str();
    meeting.append_attribute("externalId") = m.external_id.c_str();
    meeting.append_attribute("name") = m.name.c_str();
    meeting.append_attribute("breakout") = "false";
    auto meta = rec.append_child("meta");
    for (const auto& [k, v] : m.meta) {
        if (valid_name(k)) text(meta, k.c_str(), v);
    }
    if (!m.meta.contains("meetingName")) text(meta, "meetingName", m.name);
    auto playback = rec.append_child("playback");
    text(playback, "format", m.format);
    text(playback, "link", m.link);
    text(playback, "processing_time", std::to_string(m.processing_time_ms));
    text(playback, "duration", std::to_string(m.duration_ms));
    text(playback, "size", std::to_string(m.size_bytes));
    std::ostringstream out;
    doc.save(out, "  ");
    return out.str();
}

Result<void> write_metadata_xml(const std::filesystem::path& dir, const PublishedMetadata& m) {
    const auto file = dir / "metadata.xml";
    auto tmp = file;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << metadata_xml(m);
        out.flush();
        if (!out) return fail(Errc::io, fmt::format("write {}: failed", tmp.string()));
    }
    std::error_code ec;
    std::filesystem::rename(tmp, file, ec);
    if (ec) return fail(Errc::io, fmt::format("rename {} to {}: {}", tmp.string(), file.string(), ec.message()));
    return {};
}

} // namespace tafel::archive
