#include "archive_builder.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>

namespace tafel::archive::test {

namespace fs = std::filesystem;

namespace {

std::string escaped(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

} // namespace

void run_ffmpeg(const std::string& args) {
    const std::string cmd = "ffmpeg -nostdin -hide_banner -loglevel error -y " + args;
    INFO(cmd);
    REQUIRE(std::system(cmd.c_str()) == 0);
}

ArchiveBuilder::ArchiveBuilder(fs::path dir, std::string meeting_id, std::string version)
    : dir_(std::move(dir)), meeting_id_(std::move(meeting_id)), version_(std::move(version)) {
    fs::create_directories(dir_);
}

ArchiveBuilder& ArchiveBuilder::event(std::int64_t timestamp_ms, const std::string& module, const std::string& name,
                                      const Fields& fields) {
    events_ += fmt::format("  <event timestamp=\"{}\" module=\"{}\" eventname=\"{}\">\n", timestamp_ms, module, name);
    for (const auto& [k, v] : fields) {
        if (k == "message") {
            events_ += fmt::format("    <{0}>\n      <![CDATA[{1}]]>\n    </{0}>\n", k, v);
        } else {
            events_ += fmt::format("    <{0}>{1}</{0}>\n", k, escaped(v));
        }
    }
    events_ += "  </event>\n";
    return *this;
}

ArchiveBuilder& ArchiveBuilder::metadata(const std::string& key, const std::string& value) {
    metadata_.emplace_back(key, value);
    return *this;
}

void ArchiveBuilder::write_events(std::size_t truncate_at) const {
    std::string meta;
    for (const auto& [k, v] : metadata_) meta += fmt::format(" {}=\"{}\"", k, escaped(v));
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    xml += version_.empty() ? fmt::format("<recording meeting_id=\"{}\">\n", meeting_id_)
                            : fmt::format("<recording meeting_id=\"{}\" bbb_version=\"{}\">\n", meeting_id_, version_);
    xml += fmt::format("  <meeting id=\"{}\" externalId=\"klasse-7b\" name=\"Mathe 7b\" breakout=\"false\"/>\n", meeting_id_);
    xml += fmt::format("  <metadata meetingName=\"Mathe 7b\"{}/>\n", meta);
    xml += events_;
    xml += "</recording>\n";
    if (truncate_at > 0 && truncate_at < xml.size()) xml.resize(truncate_at);
    std::ofstream(dir_ / "events.xml", std::ios::binary) << xml;
}

fs::path ArchiveBuilder::webcam_webm(const std::string& basename, double seconds, const std::string& colour) const {
    const fs::path out = dir_ / "video" / meeting_id_ / basename;
    fs::create_directories(out.parent_path());
    run_ffmpeg(fmt::format("-f lavfi -i color=c={}:s=160x120:r=10:d={} -c:v libvpx -b:v 200k -deadline realtime "
                           "-cpu-used 8 -g 10 '{}'",
                           colour, seconds, out.string()));
    return out;
}

fs::path ArchiveBuilder::webcam_flv(const std::string& basename, double seconds, const std::string& colour) const {
    const fs::path out = dir_ / "video" / meeting_id_ / basename;
    fs::create_directories(out.parent_path());
    run_ffmpeg(fmt::format("-f lavfi -i color=c={}:s=160x120:r=10:d={} -c:v flv1 -g 10 '{}'", colour, seconds,
                           out.string()));
    return out;
}

fs::path ArchiveBuilder::audio_opus(const std::string& basename, double seconds) const {
    const fs::path out = dir_ / "audio" / basename;
    fs::create_directories(out.parent_path());
    run_ffmpeg(fmt::format("-f lavfi -i sine=f=440:d={}:sample_rate=48000 -c:a libopus -b:a 24k -f opus '{}'", seconds,
                           out.string()));
    return out;
}

fs::path ArchiveBuilder::audio_wav(const std::string& basename, double seconds) const {
    const fs::path out = dir_ / "audio" / basename;
    fs::create_directories(out.parent_path());
    run_ffmpeg(fmt::format("-f lavfi -i sine=f=440:d={}:sample_rate=16000 -c:a pcm_s16le '{}'", seconds, out.string()));
    return out;
}

fs::path ArchiveBuilder::deck(const std::string& presentation, int pages) const {
    const fs::path out = dir_ / "presentation" / presentation / (presentation + ".pdf");
    fs::create_directories(out.parent_path());
    cairo_surface_t* surface = cairo_pdf_surface_create(out.c_str(), 800, 600);
    cairo_t* cr = cairo_create(surface);
    for (int i = 0; i < pages; ++i) {
        cairo_set_source_rgb(cr, 0.2 * (i % 5), 0.5, 1.0 - 0.2 * (i % 5));
        cairo_paint(cr);
        cairo_show_page(cr);
    }
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    REQUIRE(cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(surface);
    return out;
}

} // namespace tafel::archive::test
