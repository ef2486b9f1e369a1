#include "transcode/preview_job.hpp"

#include "core/log.hpp"
#include "mux/container_writer.hpp"
#include "transcode/audio_encoder.hpp"
#include "transcode/lesson_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

namespace tafel::transcode {

namespace {

// One audio-only file: its encoder and its muxer, fed on the calling thread.
struct AudioOutput {
    std::unique_ptr<mux::ContainerWriter> writer;
    AudioEncoder encoder;
    PacketSink sink;

    static Result<std::unique_ptr<AudioOutput>> create(const std::filesystem::path& dir, bool webm,
                                                       const OutputOptions& options) {
        const auto path = dir / (webm ? "lesson.opus.webm" : "lesson.m4a");
        // As in OutputSet: chapters in both (Matroska Chapters; MP4 chpl + chapter track), MP4
        // with moov first (faststart).
        auto writer =
            mux::ContainerWriter::create(path, {webm ? "webm" : "mp4", options.title, !webm, options.chapters});
        if (!writer) return std::unexpected(writer.error());
        auto encoder = AudioEncoder::create({.codec = webm ? AudioCodec::opus : AudioCodec::aac,
                                             .input_sample_rate = options.audio_sample_rate,
                                             .bit_rate = webm ? options.opus_bit_rate : options.aac_bit_rate,
                                             .global_header = (*writer)->needs_global_header()});
        if (!encoder) {
            Error e = encoder.error();
            e.message = fmt::format("{}: {}", path.string(), e.message);
            return std::unexpected(e);
        }
        auto stream = (*writer)->add_stream(encoder->parameters(), encoder->time_base());
        if (!stream) return std::unexpected(stream.error());
        if (auto header = (*writer)->write_header(); !header) return std::unexpected(header.error());
        auto out = std::make_unique<AudioOutput>(std::move(*writer), std::move(*encoder), PacketSink{});
        out->sink = [w = out->writer.get(), s = *stream](AVPacket& p) { return w->write(p, s); };
        return out;
    }
};

} // namespace

Result<PreviewSummary> render_preview(const std::filesystem::path& raw_dir, const std::filesystem::path& out_dir,
                                      const RenderOptions& options, std::function<bool(int permille)> progress) {
    if (!options.output.webm && !options.output.mp4) {
        return fail(Errc::invalid_argument,
                    fmt::format("preview of {}: neither webm nor mp4 requested", raw_dir.filename().string()));
    }
    // The render job's input and time mapping: paused spans cut sample-exactly, chapters and
    // chat in output time.
    auto input = read_lesson_input(raw_dir, out_dir, options);
    if (!input) return std::unexpected(input.error());
    const LessonInput& in = **input;
    auto audio = LessonAudio::open(raw_dir, in);
    if (!audio) return std::unexpected(audio.error());

    std::vector<std::unique_ptr<AudioOutput>> outputs;
    for (const bool webm : {true, false}) {
        if (webm ? !in.output.webm : !in.output.mp4) continue;
        auto created = AudioOutput::create(out_dir, webm, in.output);
        if (!created) return std::unexpected(created.error());
        outputs.push_back(std::move(*created));
    }

    PreviewSummary summary;
    summary.duration_ms = in.output_ms;
    summary.audio_tracks = (*audio)->tracks();
    const std::int64_t total_samples = in.sample_pauses.output_duration();

    std::int64_t samples_out = 0;
    int last_permille = -1;
    while (samples_out < total_samples) {
        // One second at a time: bounded memory, and progress (heartbeats) every second of audio.
        auto mixed = (*audio)->next(std::min<std::int64_t>(k_mix_sample_rate, total_samples - samples_out));
        if (!mixed) return std::unexpected(mixed.error());
        if (mixed->empty()) break;
        for (auto& o : outputs) {
            if (auto encoded = o->encoder.encode(*mixed, o->sink); !encoded) return std::unexpected(encoded.error());
        }
        samples_out += static_cast<std::int64_t>(mixed->size() / 2);
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
        if (auto flushed = o->encoder.flush(o->sink); !flushed) return std::unexpected(flushed.error());
        if (auto finished = o->writer->finish(); !finished) return std::unexpected(finished.error());
        summary.files.push_back(o->writer->path());
    }
    summary.audio_samples = samples_out;

    summary.chat_lines = static_cast<int>(in.chat.size());
    summary.chapters = static_cast<int>(in.cues.size());
    if (auto w = write_chat_and_chapters(out_dir, in, summary.files); !w) return std::unexpected(w.error());
    LessonManifest manifest;
    manifest.parts = {"audio"}; // no layout: there is no picture
    if (auto w = write_lesson_manifest(out_dir, in, std::move(manifest), summary.files); !w)
        return std::unexpected(w.error());
    if (progress) progress(1000);
    log::get("transcode")
        ->info("recording {}: audio-only preview of {} ms, {} audio tracks, {} chapters, {} chat lines", in.info.id,
               summary.duration_ms, summary.audio_tracks, summary.chapters, summary.chat_lines);
    return summary;
}

} // namespace tafel::transcode
