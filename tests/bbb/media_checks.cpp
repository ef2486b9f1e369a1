#include "media_checks.hpp"

#include "bbb/rtp_capture.hpp"
#include "bbb/sdp_envelope.hpp"
#include "ingest/capture_file.hpp"
#include "ingest/capture_import.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>

namespace tafel::bbb::test {

namespace fs = std::filesystem;
using nlohmann::json;

std::string run(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe);
    std::array<char, 4096> buf{};
    while (const auto n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
    ::pclose(pipe);
    return out;
}

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

Started start_recording(FakeSfuLink& sfu, Offerer& peer, const std::string& id, const std::string& file,
                        const json& metadata) {
    const auto offer = peer.offer();
    REQUIRE(offer);
    json start{{"id", "startRecording"},
               {"recordingSessionId", id},
               {"fileName", file},
               {"sdp", encode_sdp_envelope({"offer", *offer})}};
    if (!metadata.is_null()) start["metadata"] = metadata;
    REQUIRE(sfu.send(start.dump()) == 1);
    const json response = parse(sfu.next_with_id("startRecordingResponse", std::chrono::seconds(20)));
    INFO(response.dump());
    REQUIRE(response["status"] == "ok");
    CHECK(response["recordingSessionId"] == id);
    if (!metadata.is_null()) CHECK(response["metadata"] == metadata);
    auto answer = decode_sdp_envelope(response["sdp"].get<std::string>());
    REQUIRE(answer);
    CHECK(answer->type == "answer");
    REQUIRE(peer.apply_answer(answer->sdp));
    json flowing = parse(sfu.next_with_id("recordingRtpStatusChanged", std::chrono::seconds(20)));
    REQUIRE(flowing["status"] == "flowing");
    CHECK(flowing["recordingSessionId"] == id);
    return {answer->sdp, std::move(flowing)};
}

namespace {

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

} // namespace

// Segment 0x18538067, Cues 0x1C53BB6B; EBML variable-size integers (RFC 8794 section 4). A
// byte search is not enough: the SeekHead written at the start already names the Cues ID.
bool has_cues(const fs::path& webm) {
    const std::string b = read_all(webm);
    std::size_t at = 0;
    auto vint = [&](bool keep_marker, std::uint64_t& value, bool& unknown) {
        if (at >= b.size()) return false;
        const auto first = static_cast<std::uint8_t>(b[at]);
        int length = 1;
        while (length <= 8 && !(first & (0x80 >> (length - 1)))) ++length;
        if (length > 8 || at + length > b.size()) return false;
        value = keep_marker ? first : (first & (0xff >> length));
        bool all_ones = value == (0xffu >> length);
        for (int i = 1; i < length; ++i) {
            const auto byte = static_cast<std::uint8_t>(b[at + i]);
            value = (value << 8) | byte;
            all_ones = all_ones && byte == 0xff;
        }
        unknown = !keep_marker && all_ones;
        at += length;
        return true;
    };
    std::uint64_t id = 0, size = 0;
    bool unknown = false;
    // EBML header, then the Segment, whose children are walked.
    if (!vint(true, id, unknown) || !vint(false, size, unknown) || unknown) return false;
    at += size;
    if (!vint(true, id, unknown) || id != 0x18538067 || !vint(false, size, unknown)) return false;
    while (at < b.size()) {
        if (!vint(true, id, unknown) || !vint(false, size, unknown)) return false;
        if (id == 0x1C53BB6B) return true;
        if (unknown) return false; // a live Cluster of unknown size: nothing after it is known
        at += size;
    }
    return false;
}

json probe(const fs::path& webm) {
    const json out = json::parse(
        run(fmt::format(
            "ffprobe -v error -show_entries format=duration,format_name:stream=codec_name,width -of json '{}'",
            webm.string())),
        nullptr, false);
    INFO(out.dump());
    REQUIRE(out.contains("format"));
    REQUIRE(out.contains("streams"));
    return out;
}

// The frames keep the WebM's millisecond times (-enc_time_base -1): at the CLI's default
// 1/frame rate two frames closer than a frame interval would round to one tick, and its null
// muxer reports that as an error although nothing failed to decode.
std::string decode_errors(const fs::path& webm) {
    return run(fmt::format("ffmpeg -nostdin -v error -i '{}' -enc_time_base -1 -f null - 2>&1", webm.string()));
}

FinalisedWebm check_finalised_webm(const fs::path& webm) {
    FinalisedWebm out;
    out.probed = probe(webm);
    INFO(out.probed.dump());
    CHECK(out.probed["format"]["format_name"].get<std::string>().find("webm") != std::string::npos);
    REQUIRE(out.probed["format"].contains("duration"));
    out.duration_s = std::stod(out.probed["format"]["duration"].get<std::string>());
    CHECK(has_cues(webm));
    CHECK(mode_of(webm) == 0600);
    const std::string errors = decode_errors(webm);
    INFO(errors);
    CHECK(errors.empty());
    return out;
}

CaptureSummary check_closed_capture(const fs::path& webm) {
    const fs::path capture = capture_path_for(webm);
    REQUIRE(fs::exists(capture));
    CHECK_FALSE(fs::exists(fs::path(capture.string() + ".tmp")));
    CHECK(mode_of(capture) == 0600);
    return summarise_capture(capture);
}

// RTCP is told from RTP by the second byte (RFC 5761 section 4: 192..223) and walked
// through each compound packet (RFC 3550 section 6.1).
CaptureSummary summarise_capture(const fs::path& capture) {
    CaptureSummary out;
    auto reader = ingest::CaptureFile::open(capture);
    REQUIRE(reader);
    for (;;) {
        auto d = reader->next();
        REQUIRE(d);
        if (!*d) break;
        const auto& p = (*d)->payload;
        if (p.size() < 4) continue;
        const bool sent = (*d)->source.ipv4 == std::array<std::uint8_t, 4>{127, 0, 0, 1};
        const bool rtcp = p[1] >= 192 && p[1] <= 223;
        if (!sent && !rtcp) {
            ++out.rtp;
            if ((p[1] & 0x7f) == 96) out.vp8_seqs.insert(static_cast<std::uint16_t>(p[2] << 8 | p[3]));
        }
        if (!sent && p[1] == 200) ++out.sender_reports;
        if (!sent || !rtcp) continue;
        for (std::size_t at = 0; at + 4 <= p.size();) {
            const int fmt = p[at] & 0x1f;
            const int type = p[at + 1];
            if (type == 205 && fmt == 1) ++out.nacks;
            if (type == 206 && fmt == 1) out.pli_ns.push_back((*d)->wall_ns);
            at += (static_cast<std::size_t>(p[at + 2] << 8 | p[at + 3]) + 1) * 4;
        }
    }
    return out;
}

Rendered import_and_render(const fs::path& capture, const fs::path& work, std::size_t tracks) {
    auto imported = ingest::import_capture(capture, work / "raw", {});
    REQUIRE(imported);
    REQUIRE(imported->info.tracks.size() == tracks);
    transcode::RenderOptions render;
    render.output.width = 320;
    render.output.height = 180;
    render.output.frame_rate = Rational{5, 1};
    render.output.threads = 1;
    render.output.mp4 = false;
    render.output.audio_only = false;
    auto rendered = transcode::render_recording(imported->recording_dir, work / "out", render, {});
    REQUIRE(rendered);
    return {imported->info, *rendered};
}

} // namespace tafel::bbb::test
