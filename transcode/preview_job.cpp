#include "transcode/preview_job.hpp"

#include "core/log.hpp"
#include "mux/container_writer.hpp"
#include "mux/output_directory.hpp"
#include "storage/checksums.hpp"
#include "transcode/audio_encoder.hpp"
#include "transcode/av_error.hpp"
#include "transcode/lesson_input.hpp"

extern "C" {
#include <libavcodec/packet.h>
}

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <memory>

namespace tafel::transcode {

namespace {

namespace fs = std::filesystem;

// The HLS stream's muxer options (FFmpeg 5.1 hls muxer): fMP4 segments of 6 s (RFC 8216
// §4.3.3.1's target duration; what the field uses), an EVENT playlist that only grows
// (§4.3.3.5: a player may start at once and follow it) and keeps every segment.
std::vector<std::pair<std::string, std::string>> stream_options() {
    return {
        {"hls_segment_type", "fmp4"}, {"hls_playlist_type", "event"},         {"hls_time", "6"},
        {"hls_list_size", "0"},       {"hls_fmp4_init_filename", "init.mp4"}, {"hls_segment_filename", "seg-%05d.m4s"}};
}

// One encoder and what its packets go to, fed on the calling thread: the audio-only file in
// the private work folder and, for AAC, the HLS stream in the folder to publish.
struct AudioOutput {
    AudioEncoder encoder;
    std::unique_ptr<mux::ContainerWriter> file;
    std::unique_ptr<mux::ContainerWriter> stream;
    mux::PacketPtr copy; // the stream's reference to a packet the file also takes
    PacketSink sink;

    static Result<std::unique_ptr<AudioOutput>> create(const fs::path& dir, bool webm, bool write_file,
                                                       std::shared_ptr<mux::OutputDirectory> stream_dir,
                                                       const OutputOptions& options) {
        const auto path = dir / (webm ? "lesson.opus.webm" : "lesson.m4a");
        // As in OutputSet: chapters in both (Matroska Chapters; MP4 chpl + chapter track), MP4
        // with moov first (faststart).
        std::unique_ptr<mux::ContainerWriter> file;
        if (write_file) {
            auto created =
                mux::ContainerWriter::create(path, {webm ? "webm" : "mp4", options.title, !webm, options.chapters});
            if (!created) return std::unexpected(created.error());
            file = std::move(*created);
        }
        std::unique_ptr<mux::ContainerWriter> stream;
        if (stream_dir) {
            auto created = mux::ContainerWriter::create(
                "index.m3u8", {.format = "hls", .muxer_options = stream_options(), .directory = std::move(stream_dir)});
            if (!created) return std::unexpected(created.error());
            stream = std::move(*created);
        }
        // MP4 and fMP4 both carry the AAC decoder configuration in extradata (the esds box).
        auto encoder = AudioEncoder::create({.codec = webm ? AudioCodec::opus : AudioCodec::aac,
                                             .input_sample_rate = options.audio_sample_rate,
                                             .bit_rate = webm ? options.opus_bit_rate : options.aac_bit_rate,
                                             .global_header = file ? file->needs_global_header() : true});
        if (!encoder) {
            Error e = encoder.error();
            e.message = fmt::format("{}: {}", path.string(), e.message);
            return std::unexpected(e);
        }
        int file_stream = -1, stream_stream = -1;
        for (auto* w : {file.get(), stream.get()}) {
            if (w == nullptr) continue;
            auto s = w->add_stream(encoder->parameters(), encoder->time_base());
            if (!s) return std::unexpected(s.error());
            (w == file.get() ? file_stream : stream_stream) = *s;
            if (auto header = w->write_header(); !header) return std::unexpected(header.error());
        }
        auto copy = mux::make_packet();
        if (!copy) return std::unexpected(copy.error());
        auto out = std::unique_ptr<AudioOutput>(
            new AudioOutput{std::move(*encoder), std::move(file), std::move(stream), std::move(*copy), {}});
        // The same encoded packets for both: one encode, no second pass.
        out->sink = [o = out.get(), file_stream, stream_stream](AVPacket& p) -> Result<void> {
            if (o->stream) {
                const int ret = av_packet_ref(o->copy.get(), &p);
                if (ret < 0) return av_fail(ret, "audio packet copy for the HLS stream");
                if (auto w = o->stream->write(*o->copy, stream_stream); !w) return w;
            }
            if (o->file) return o->file->write(p, file_stream);
            av_packet_unref(&p);
            return {};
        };
        return out;
    }
};

} // namespace

Result<PreviewSummary> render_preview(const fs::path& raw_dir, const fs::path& work_dir, const fs::path& publish_dir,
                                      const RenderOptions& options, std::function<bool(int permille)> progress,
                                      const PreviewPublisher& publisher) {
    if (!options.output.webm && !options.output.mp4) {
        return fail(Errc::invalid_argument,
                    fmt::format("preview of {}: neither webm nor mp4 requested", raw_dir.filename().string()));
    }
    // The render job's input and time mapping: paused spans cut sample-exactly, chapters and
    // chat in output time.
    auto input = read_lesson_input(raw_dir, work_dir, options);
    if (!input) return std::unexpected(input.error());
    const LessonInput& in = **input;
    auto audio = LessonAudio::open(raw_dir, in);
    if (!audio) return std::unexpected(audio.error());

    // The folder to publish, reached through descriptors from here on: once published (and
    // perhaps replaced by the full render) its path names something else.
    std::error_code ec;
    fs::create_directories(publish_dir / k_audio_stream_dir, ec);
    if (ec)
        return fail(Errc::io, fmt::format("create {}: {}", (publish_dir / k_audio_stream_dir).string(), ec.message()));
    auto root = mux::OutputDirectory::open(publish_dir);
    if (!root) return std::unexpected(root.error());
    auto stream_dir = mux::OutputDirectory::open(publish_dir / k_audio_stream_dir);
    if (!stream_dir) return std::unexpected(stream_dir.error());
    bool published = false;
    bool listed = false;
    PreviewSummary summary;
    (*stream_dir)->set_guard([&] { return !published || publisher.still_ours(); });
    (*stream_dir)->on_placed([&](const std::string& name) {
        if (name == "index.m3u8") listed = true; // rewritten after each segment is in place
        if (name.ends_with(".m4s")) ++summary.stream_segments;
    });

    std::vector<fs::path> first_files;
    if (auto w = write_chat_and_chapters(publish_dir, in, first_files); !w) return std::unexpected(w.error());
    LessonManifest first;
    first.parts = {"audio"}; // no layout: there is no picture
    first.audio_stream = k_audio_stream_playlist;
    if (auto w = write_lesson_manifest(publish_dir, in, first, first_files); !w) return std::unexpected(w.error());

    std::vector<std::unique_ptr<AudioOutput>> outputs;
    for (const bool webm : {true, false}) {
        if (webm && !in.output.webm) continue;
        auto created =
            AudioOutput::create(work_dir, webm, webm || in.output.mp4, webm ? nullptr : *stream_dir, in.output);
        if (!created) return std::unexpected(created.error());
        outputs.push_back(std::move(*created));
    }

    summary.duration_ms = in.output_ms;
    summary.audio_tracks = (*audio)->tracks();
    // A write refused by the guard, or a folder that stopped being ours: superseded, not failed.
    const auto superseded = [&]() -> Result<PreviewSummary> {
        log::get("transcode")
            ->info("recording {}: the audio-only preview is superseded after {} segments", in.info.id,
                   summary.stream_segments);
        summary.superseded = true;
        return summary;
    };
    const auto publish_once = [&]() -> Result<bool> {
        auto placed = publisher.publish(publish_dir);
        if (placed && *placed) published = true;
        return placed;
    };
    const std::int64_t total_samples = in.sample_pauses.output_duration();

    std::int64_t samples_out = 0;
    int last_permille = -1;
    while (samples_out < total_samples) {
        // One second at a time: bounded memory, and progress (heartbeats) every second of audio.
        auto mixed = (*audio)->next(std::min<std::int64_t>(k_mix_sample_rate, total_samples - samples_out));
        if (!mixed) return std::unexpected(mixed.error());
        if (mixed->empty()) break;
        for (auto& o : outputs) {
            if (auto encoded = o->encoder.encode(*mixed, o->sink); !encoded) {
                if ((*stream_dir)->refused()) return superseded();
                return std::unexpected(encoded.error());
            }
        }
        samples_out += static_cast<std::int64_t>(mixed->size() / 2);
        if (!published && listed) {
            // The playlist lists its first segment: publish now, keep encoding into it.
            auto placed = publish_once();
            if (!placed) return std::unexpected(placed.error());
            if (!*placed) return superseded();
        } else if (published && !publisher.still_ours()) {
            return superseded(); // a stat a second of audio: cheap
        }
        const int permille = static_cast<int>(samples_out * 1000 / total_samples);
        if (permille != last_permille) {
            last_permille = permille;
            if (progress && !progress(std::min(permille, 999))) {
                return fail(Errc::cancelled, fmt::format("preview of {} cancelled at sample {} of {}", in.info.id,
                                                         samples_out, total_samples));
            }
        }
    }
    for (auto& o : outputs) {
        if (auto flushed = o->encoder.flush(o->sink); !flushed) {
            if ((*stream_dir)->refused()) return superseded();
            return std::unexpected(flushed.error());
        }
        for (auto* w : {o->file.get(), o->stream.get()}) {
            if (w == nullptr) continue;
            if (auto finished = w->finish(); !finished) {
                if ((*stream_dir)->refused()) return superseded();
                return std::unexpected(finished.error());
            }
        }
    }
    summary.audio_samples = samples_out;
    if (!published) { // shorter than a segment: the playlist appeared with the trailer
        auto placed = publish_once();
        if (!placed) return std::unexpected(placed.error());
        if (!*placed) return superseded();
    }
    if (!publisher.still_ours()) return superseded();

    // The whole files join the stream in the published folder, then the manifest lists them.
    std::vector<fs::path> files;
    for (auto& o : outputs) {
        if (!o->file) continue;
        const auto name = o->file->path().filename();
        if (auto moved = (*root)->move_in(o->file->path(), name); !moved) return std::unexpected(moved.error());
        files.push_back((*root)->path() / name);
    }
    files.push_back((*root)->path() / "chat.json");
    files.push_back((*root)->path() / "chapters.vtt");
    summary.chat_lines = static_cast<int>(in.chat.size());
    summary.chapters = static_cast<int>(in.cues.size());
    LessonManifest manifest;
    manifest.parts = {"audio"};
    manifest.audio_stream = k_audio_stream_playlist;
    // Composed in the private folder, renamed into the published one with its checksums.
    if (auto w = write_lesson_manifest(work_dir, in, std::move(manifest), files); !w) return std::unexpected(w.error());
    if (auto w = storage::add_checksums((*root)->path(), work_dir / "manifest.json"); !w)
        return std::unexpected(w.error());
    for (const auto& f : files) summary.files.push_back(f.filename());
    if (progress) progress(1000);
    log::get("transcode")
        ->info("recording {}: audio-only preview of {} ms, {} audio tracks, {} chapters, {} chat lines, {} stream "
               "segments",
               in.info.id, summary.duration_ms, summary.audio_tracks, summary.chapters, summary.chat_lines,
               summary.stream_segments);
    return summary;
}

bool is_unfinished_preview(const fs::path& published_dir) {
    std::ifstream in(published_dir / "manifest.json");
    if (!in) return false;
    const auto manifest = nlohmann::json::parse(in, nullptr, false);
    if (!manifest.is_object() || !manifest.contains("audio_stream")) return false;
    const auto files = manifest.find("files");
    if (files == manifest.end() || !files->is_array()) return false;
    for (const auto& f : *files) {
        const auto name = f.is_object() ? f.value("name", std::string()) : std::string();
        if (name.starts_with("lesson.")) return false; // the final manifest: complete
    }
    return true;
}

} // namespace tafel::transcode
