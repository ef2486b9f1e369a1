#include "transcode/render_job.hpp"

#include "core/log.hpp"
#include "transcode/audio_decoder.hpp"
#include "transcode/audio_mixer.hpp"
#include "transcode/compositor.hpp"
#include "transcode/file_track.hpp"
#include "transcode/lesson_layout.hpp"
#include "transcode/lesson_manifest.hpp"
#include "transcode/lesson_timeline.hpp"
#include "transcode/pause_map.hpp"
#include "transcode/slide_renderer.hpp"
#include "transcode/video_decoder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <strings.h>

namespace tafel::transcode {

namespace {

bool iequals(const std::string& a, const char* b) { return strcasecmp(a.c_str(), b) == 0; }

// The moderator's camera, decoded just far enough to know the picture at time t.
struct WebcamFeed {
    TimedTrack track;
    VideoDecoder decoder;
    I420Frame picture;
    bool has_picture = false;

    // Decodes every frame presented at or before `lesson_us`; true if the picture changed.
    Result<bool> advance_to(std::int64_t lesson_us) {
        bool changed = false;
        for (;;) {
            auto next = track.peek();
            if (!next) return std::unexpected(next.error());
            if (*next == nullptr || (*next)->lesson_us > lesson_us) break;
            auto got = decoder.decode((*next)->frame.data, picture);
            if (!got) return std::unexpected(got.error());
            track.pop();
            if (*got) {
                has_picture = true;
                changed = true;
            }
        }
        return changed;
    }
};

// One participant's microphone, decoded packet by packet into the mixer.
struct AudioFeed {
    TimedTrack track;
    AudioDecoder decoder;
    std::vector<float> samples;

    // Decodes and mixes every packet that starts before `end_sample`.
    Result<void> feed(std::int64_t end_sample, AudioMixer& mixer) {
        for (;;) {
            auto next = track.peek();
            if (!next) return std::unexpected(next.error());
            if (*next == nullptr || (*next)->lesson_samples >= end_sample) return {};
            samples.clear();
            auto decoded = decoder.decode((*next)->frame.data, samples);
            if (!decoded) return std::unexpected(decoded.error());
            mixer.add((*next)->lesson_samples, samples);
            track.pop();
        }
    }
};

Result<std::optional<WebcamFeed>> open_webcam(const std::filesystem::path& raw_dir, const ingest::RecordingInfo& info,
                                              const RenderOptions& options, const TrackOpener& opener) {
    for (const auto& t : info.tracks) {
        const ingest::Participant* p = info.participant(t.participant);
        if (t.kind != ingest::MediaKind::video || p == nullptr || p->role != ingest::Role::moderator) continue;
        if (!iequals(t.codec, "VP8")) {
            log::get("transcode")->warn("recording {}: webcam track {} has codec {} (only VP8 is decoded)", info.id,
                                        t.id, t.codec);
            continue;
        }
        auto track = TimedTrack::open(raw_dir, t, info, opener);
        if (!track) return std::unexpected(track.error());
        auto decoder = VideoDecoder::create(options.decoder_threads);
        if (!decoder) return std::unexpected(decoder.error());
        return std::optional<WebcamFeed>(WebcamFeed{std::move(*track), std::move(*decoder), {}, false});
    }
    return std::optional<WebcamFeed>();
}

Result<std::vector<AudioFeed>> open_audio(const std::filesystem::path& raw_dir, const ingest::RecordingInfo& info,
                                          const TrackOpener& opener) {
    std::vector<AudioFeed> feeds;
    for (const auto& t : info.tracks) {
        if (t.kind != ingest::MediaKind::audio) continue;
        const ingest::Participant* p = info.participant(t.participant);
        // Privacy by design: media of a participant who may not be recorded is never used.
        if (p == nullptr || !p->recordable()) continue;
        if (!iequals(t.codec, "opus")) {
            log::get("transcode")->warn("recording {}: audio track {} has codec {} (only Opus is decoded)", info.id,
                                        t.id, t.codec);
            continue;
        }
        auto track = TimedTrack::open(raw_dir, t, info, opener);
        if (!track) return std::unexpected(track.error());
        auto decoder = AudioDecoder::create(t.channels);
        if (!decoder) return std::unexpected(decoder.error());
        feeds.push_back(AudioFeed{std::move(*track), std::move(*decoder), {}});
    }
    return feeds;
}

I420View view_of(const I420Frame& f) {
    return I420View{f.y.data(), f.u.data(), f.v.data(), f.stride_y, f.stride_uv, f.stride_uv};
}

Result<std::uint64_t> size_of(const std::filesystem::path& file) {
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(file, ec);
    if (ec) return fail(Errc::io, fmt::format("size of {}: {}", file.string(), ec.message()));
    return static_cast<std::uint64_t>(bytes);
}

} // namespace

Result<RenderSummary> render_recording(const std::filesystem::path& raw_dir, const std::filesystem::path& out_dir,
                                       const RenderOptions& options, std::function<bool(int permille)> progress) {
    auto logger = log::get("transcode");
    auto info = ingest::read_recording_info(raw_dir);
    if (!info) return std::unexpected(info.error());
    if (!info->stopped) {
        return fail(Errc::invalid_argument,
                    fmt::format("recording {}: recording.json has no stopped_utc_us (still recording?)", info->id));
    }
    const std::int64_t duration_us = info->stopped->utc_us - info->started.utc_us;
    if (duration_us <= 0) {
        return fail(Errc::malformed_input, fmt::format("recording {}: stopped_utc_us is not after started_utc_us",
                                                       info->id));
    }
    const OutputOptions& out = options.output;
    if (!out.frame_rate.valid()) {
        return fail(Errc::invalid_argument, fmt::format("frame rate {}/{} is not positive", out.frame_rate.num,
                                                        out.frame_rate.den));
    }
    if (out.audio_sample_rate != k_mix_sample_rate) {
        return fail(Errc::unsupported, fmt::format("audio sample rate {} (the mix runs at 48000)", out.audio_sample_rate));
    }
    auto events = ingest::read_events(raw_dir);
    if (!events) return std::unexpected(events.error());

    const TrackOpener opener = options.open_track ? options.open_track : TrackOpener(&open_recorded_track);
    const LessonTimeline timeline = LessonTimeline::build(raw_dir, *info, *events);
    const LessonLayout layout = LessonLayout::for_size(out.width, out.height);
    auto compositor = Compositor::create(layout);
    if (!compositor) return std::unexpected(compositor.error());
    auto webcam = open_webcam(raw_dir, *info, options, opener);
    if (!webcam) return std::unexpected(webcam.error());
    auto audio = open_audio(raw_dir, *info, opener);
    if (!audio) return std::unexpected(audio.error());

    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec) return fail(Errc::io, fmt::format("create {}: {}", out_dir.string(), ec.message()));
    OutputOptions output_options = out;
    if (output_options.title.empty()) output_options.title = info->meeting.name;
    auto output = OutputSet::create(out_dir, output_options);
    if (!output) return std::unexpected(output.error());

    // Paused spans are cut from every output: output frame i shows lesson time
    // pauses.to_lesson(i / frame_rate), and the audio skips the same spans sample-exactly.
    const PauseMap pauses = PauseMap::from_events(*info, *events, duration_us);
    const PauseMap sample_pauses = pauses.rescaled(k_timebase_us, k_timebase_48khz);
    const std::int64_t output_us = pauses.output_duration();
    // Frame i is presented at i / frame_rate; the last frame starts before the end.
    const Rational frame_tb{out.frame_rate.den, out.frame_rate.num};
    const std::int64_t frame_count = rescale(output_us, k_timebase_us, frame_tb, Rounding::up);
    const std::int64_t total_samples = sample_pauses.output_duration();

    RenderSummary summary;
    summary.duration_ms = output_us / 1000;
    summary.paused_ms = pauses.paused() / 1000;
    summary.webcam = webcam->has_value();
    summary.audio_tracks = static_cast<int>(audio->size());
    summary.chat_lines = static_cast<int>(timeline.chat().size());
    // Chat times as the viewer sees them (output time); a line sent during a pause counts
    // from the resume.
    std::vector<ChatLine> chat = timeline.chat();
    for (auto& line : chat) line.t_ms = pauses.to_output(line.t_ms * 1000) / 1000;

    SlideRenderer slides;
    AudioMixer mixer;
    const SlideChange* shown_slide = nullptr;
    std::size_t shown_chat = 0;
    bool chat_drawn = false;
    int last_permille = -1;
    std::int64_t samples_out = 0;

    // Mixes lesson audio up to `lesson_end` (48 kHz ticks): returned for output, or dropped
    // in steps of a second (a long pause costs no memory).
    const auto mix_to = [&](std::int64_t lesson_end, bool keep) -> Result<std::vector<float>> {
        std::vector<float> kept;
        while (mixer.position() < lesson_end) {
            const std::int64_t step = keep ? lesson_end : std::min(lesson_end, mixer.position() + k_mix_sample_rate);
            for (auto& feed : *audio) {
                if (auto fed = feed.feed(step, mixer); !fed) return std::unexpected(fed.error());
            }
            auto mixed = mixer.take(step);
            if (keep) kept = std::move(mixed);
        }
        return kept;
    };

    for (std::int64_t i = 0; i < frame_count; ++i) {
        const std::int64_t t_us = pauses.to_lesson(rescale(i, frame_tb, k_timebase_us, Rounding::up));

        bool slide_changed = false;
        if (const SlideChange* s = timeline.slide_at(t_us); s != shown_slide) {
            shown_slide = s;
            slide_changed = true;
            ++summary.slide_changes;
            if (s == nullptr) {
                compositor->set_slide(nullptr);
            } else if (auto image = slides.render(s->pdf, s->page, layout.slide.w, layout.slide.h); image) {
                compositor->set_slide(*image);
            } else {
                logger->warn("recording {}: slide {} page {} at {} ms not shown: {}", info->id, s->deck, s->page,
                             s->lesson_us / 1000, image.error().describe());
                compositor->set_slide(nullptr);
            }
        }
        if (const std::size_t n = timeline.chat_count_at(t_us); n != shown_chat || !chat_drawn) {
            shown_chat = n;
            chat_drawn = true;
            auto lines = std::span<const ChatLine>(chat).first(n);
            compositor->set_chat(std::make_shared<const ArgbImage>(
                render_chat_panel(lines, layout.chat.w, layout.chat.h)));
        }
        if (*webcam) {
            auto changed = (*webcam)->advance_to(t_us);
            if (!changed) return std::unexpected(changed.error());
            if (*changed) compositor->set_webcam((*webcam)->picture);
        }
        auto frame = compositor->frame();
        if (!frame) return std::unexpected(frame.error());
        if (auto written = (*output)->write_video(view_of(**frame), i, slide_changed && i > 0); !written) {
            return std::unexpected(written.error());
        }
        ++summary.frames;

        const std::int64_t end_out = std::min(total_samples, rescale(i + 1, frame_tb, k_timebase_48khz));
        while (samples_out < end_out) {
            const std::int64_t at = mixer.position();
            if (auto pause = sample_pauses.pause_at(at)) {
                if (auto dropped = mix_to(pause->to, false); !dropped) return std::unexpected(dropped.error());
                continue;
            }
            const std::int64_t lesson_end = std::min(at + (end_out - samples_out), sample_pauses.next_pause_after(at));
            auto mixed = mix_to(lesson_end, true);
            if (!mixed) return std::unexpected(mixed.error());
            if (mixed->empty()) break;
            if (auto written = (*output)->write_audio(*mixed, samples_out); !written) {
                return std::unexpected(written.error());
            }
            samples_out += static_cast<std::int64_t>(mixed->size() / 2);
        }

        const int permille = static_cast<int>((i + 1) * 1000 / frame_count);
        if (permille != last_permille) {
            last_permille = permille;
            if (progress && !progress(std::min(permille, 999))) {
                return fail(Errc::cancelled, fmt::format("render of {} cancelled at frame {} of {}", info->id, i + 1,
                                                         frame_count));
            }
        }
    }
    if (auto finished = (*output)->finish(); !finished) return std::unexpected(finished.error());
    summary.audio_samples = samples_out;
    summary.compositions = compositor->compositions();
    if (*webcam) summary.webcam_pictures = (*webcam)->decoder.stats().pictures_out;
    if (mixer.late_samples() > 0) {
        logger->info("recording {}: {} audio samples overlapped already mixed audio and were dropped", info->id,
                     mixer.late_samples());
    }

    const auto chat_file = out_dir / "chat.json";
    if (auto w = write_chat_json(chat_file, chat); !w) return std::unexpected(w.error());
    summary.files = (*output)->files();
    summary.files.push_back(chat_file);

    LessonManifest manifest;
    manifest.id = info->id;
    manifest.title = info->meeting.name;
    manifest.context = info->meeting.context;
    manifest.duration_ms = summary.duration_ms;
    manifest.started_utc_us = info->started.utc_us;
    manifest.layout = layout;
    for (const auto& f : summary.files) {
        auto bytes = size_of(f);
        if (!bytes) return std::unexpected(bytes.error());
        manifest.files.push_back(PublishedFile{f.filename().string(), mime_for(f), *bytes});
    }
    const auto manifest_file = out_dir / "manifest.json";
    if (auto w = write_manifest_json(manifest_file, manifest); !w) return std::unexpected(w.error());
    summary.files.push_back(manifest_file);
    if (progress) progress(1000);
    logger->info("recording {}: rendered {} frames ({} redrawn), {} audio tracks, {} slide changes, {} chat lines",
                 info->id, summary.frames, summary.compositions, summary.audio_tracks, summary.slide_changes,
                 summary.chat_lines);
    return summary;
}

} // namespace tafel::transcode
