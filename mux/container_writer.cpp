#include "mux/container_writer.hpp"

#include "core/log.hpp"
#include "mux/av_error.hpp"
#include "mux/output_directory.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/mem.h>
}

#include <fmt/format.h>
#include <algorithm>
#include <fmt/std.h>

namespace tafel::mux {

namespace {

// Owner of an AVDictionary of muxer options.
struct DictionaryDeleter {
    void operator()(AVDictionary* dict) const noexcept { av_dict_free(&dict); }
};

Rational to_rational(AVRational r) { return Rational{r.num, r.den}; }

std::int64_t rescale_ts(std::int64_t ticks, Rational from, Rational to) {
    if (ticks == AV_NOPTS_VALUE) return AV_NOPTS_VALUE;
    return rescale(ticks, from, to);
}

} // namespace

ContainerWriter::ContainerWriter(std::filesystem::path path, OutputFormatPtr context, const ContainerOptions& options)
    : path_(std::move(path)), directory_(options.directory), context_(std::move(context)),
      faststart_(options.faststart), muxer_options_(options.muxer_options) {}

ContainerWriter::~ContainerWriter() {
    // A stream given up midway (superseded, cancelled): FFmpeg 5.1's hls muxer frees the
    // buffer of the segment in progress only in its trailer, so it gets one — with every file
    // it would write refused, so that nothing more reaches the folder.
    if (directory_ && header_written_ && !finished_) {
        directory_->set_guard([] { return false; });
        (void)av_write_trailer(context_.get());
    }
}

Result<std::unique_ptr<ContainerWriter>> ContainerWriter::create(const std::filesystem::path& path,
                                                                  const ContainerOptions& options) {
    // In a folder, the URL is the file's name behind a protocol libavformat does not know
    // (OutputDirectory::io_open says why); every file is opened through the folder.
    const std::string url = options.directory ? "tafel:" + path.filename().string() : path.string();
    // libavformat answers EINVAL for an unknown muxer name; ask first to say what it is.
    if (av_guess_format(options.format.c_str(), nullptr, nullptr) == nullptr) {
        return av_fail(AVERROR_MUXER_NOT_FOUND, fmt::format("container format '{}' for {}", options.format, url));
    }
    AVFormatContext* raw = nullptr;
    int ret = avformat_alloc_output_context2(&raw, nullptr, options.format.c_str(), url.c_str());
    OutputFormatPtr context{raw};
    if (ret < 0 || !context) {
        return av_fail(ret < 0 ? ret : AVERROR_MUXER_NOT_FOUND,
                       fmt::format("container format '{}' for {}", options.format, url));
    }
    if (options.directory) {
        if ((context->oformat->flags & AVFMT_NOFILE) == 0)
            return fail(Errc::unsupported, fmt::format("container format '{}' for {}: only a muxer that opens its own "
                                                       "files (hls, dash, segment) writes into a folder",
                                                       options.format, url));
        options.directory->attach(*context);
    } else if ((context->oformat->flags & AVFMT_NOFILE) == 0) {
        ret = avio_open(&context->pb, url.c_str(), AVIO_FLAG_WRITE);
        if (ret < 0) return av_fail(ret, fmt::format("open {}", url));
    }
    const std::string_view muxer = context->oformat->name;
    if (muxer == "webm" || muxer == "matroska") {
        // Opus's pre-skip makes its first packet start before 0. Matroska carries that as the
        // track's CodecDelay (Matroska spec, "CodecDelay"; RFC 7845 §4.2), which FFmpeg's
        // muxer already writes; letting libavformat shift every stream to non-negative
        // timestamps as well would start the video late by the pre-skip (~7 ms).
        context->avoid_negative_ts = AVFMT_AVOID_NEG_TS_DISABLED;
    }
    if (!options.title.empty()) {
        ret = av_dict_set(&context->metadata, "title", options.title.c_str(), 0);
        if (ret < 0) return av_fail(ret, fmt::format("set title of {}", url));
    }
    // Chapters go into the context before the header (what FFmpeg's own chapter copying
    // does); avformat_free_context releases them with their metadata.
    for (const auto& c : options.chapters) {
        auto* chapter = static_cast<AVChapter*>(av_mallocz(sizeof(AVChapter)));
        if (chapter == nullptr) return fail(Errc::internal, fmt::format("chapter of {}: out of memory", url));
        auto** grown = static_cast<AVChapter**>(
            av_realloc_array(context->chapters, context->nb_chapters + 1, sizeof(AVChapter*)));
        if (grown == nullptr) {
            av_free(chapter);
            return fail(Errc::internal, fmt::format("chapter of {}: out of memory", url));
        }
        context->chapters = grown;
        context->chapters[context->nb_chapters++] = chapter;
        chapter->id = context->nb_chapters;
        chapter->time_base = AVRational{1, 1000};
        chapter->start = c.start_ms;
        chapter->end = std::max(c.start_ms, c.end_ms);
        ret = av_dict_set(&chapter->metadata, "title", c.title.c_str(), 0);
        if (ret < 0) return av_fail(ret, fmt::format("chapter title of {}", url));
    }
    return std::unique_ptr<ContainerWriter>(new ContainerWriter(path, std::move(context), options));
}

bool ContainerWriter::needs_global_header() const {
    return (context_->oformat->flags & AVFMT_GLOBALHEADER) != 0;
}

Result<int> ContainerWriter::add_stream(const AVCodecParameters& params, Rational time_base,
                                        Rational frame_rate) {
    if (header_written_) {
        return fail(Errc::invalid_argument, fmt::format("{}: stream added after the header", path_));
    }
    if (!time_base.valid()) {
        return fail(Errc::invalid_argument,
                    fmt::format("{}: stream time base {}/{} is not positive", path_, time_base.num, time_base.den));
    }
    AVStream* stream = avformat_new_stream(context_.get(), nullptr);
    if (stream == nullptr) return av_fail(AVERROR(ENOMEM), fmt::format("add stream to {}", path_));
    int ret = avcodec_parameters_copy(stream->codecpar, &params);
    if (ret < 0) return av_fail(ret, fmt::format("copy stream parameters for {}", path_));
    stream->codecpar->codec_tag = 0;   // let the muxer choose its own tag (mp4 'avc1', …)
    // A hint only: the muxer may pick another timebase in write_header (mp4 a multiple of it,
    // Matroska always 1/1000); write() rescales to whatever it chose.
    stream->time_base = AVRational{static_cast<int>(time_base.num), static_cast<int>(time_base.den)};
    if (frame_rate.valid()) {
        stream->avg_frame_rate = AVRational{static_cast<int>(frame_rate.num), static_cast<int>(frame_rate.den)};
        stream->r_frame_rate = stream->avg_frame_rate;
    }
    packet_time_bases_.push_back(time_base);
    return stream->index;
}

Result<void> ContainerWriter::write_header() {
    if (header_written_) return {};
    AVDictionary* raw_options = nullptr;
    if (faststart_) av_dict_set(&raw_options, "movflags", "+faststart", 0);
    for (const auto& [key, value] : muxer_options_) av_dict_set(&raw_options, key.c_str(), value.c_str(), 0);
    int ret = avformat_write_header(context_.get(), &raw_options);
    std::unique_ptr<AVDictionary, DictionaryDeleter> left_over{raw_options};
    if (ret < 0) return av_fail(ret, fmt::format("write header of {}", path_));
    if (av_dict_count(left_over.get()) > 0) {
        // The muxer ignored an option (faststart on a format without moov): say so once.
        log::get("mux")->warn("{}: muxer '{}' ignored its options", path_, context_->oformat->name);
    }
    header_written_ = true;
    return {};
}

Result<void> ContainerWriter::write(AVPacket& packet, int stream) {
    if (!header_written_ || finished_) {
        av_packet_unref(&packet);
        return fail(Errc::invalid_argument, fmt::format("{}: packet written outside header..trailer", path_));
    }
    if (stream < 0 || static_cast<std::size_t>(stream) >= packet_time_bases_.size()) {
        av_packet_unref(&packet);
        return fail(Errc::invalid_argument, fmt::format("{}: no stream {}", path_, stream));
    }
    const Rational from = packet_time_bases_[static_cast<std::size_t>(stream)];
    const Rational to = to_rational(context_->streams[stream]->time_base);
    packet.pts = rescale_ts(packet.pts, from, to);
    packet.dts = rescale_ts(packet.dts, from, to);
    packet.duration = packet.duration > 0 ? rescale(packet.duration, from, to) : 0;
    packet.stream_index = stream;
    const int ret = av_interleaved_write_frame(context_.get(), &packet);
    if (ret < 0) return av_fail(ret, fmt::format("write packet of stream {} to {}", stream, path_));
    return {};
}

Result<void> ContainerWriter::finish() {
    if (finished_) return {};
    if (!header_written_) {
        if (auto header = write_header(); !header) return header;
    }
    finished_ = true;
    int ret = av_write_trailer(context_.get());
    if (ret < 0) return av_fail(ret, fmt::format("write trailer of {}", path_));
    if ((context_->oformat->flags & AVFMT_NOFILE) == 0) {
        ret = avio_closep(&context_->pb);
        if (ret < 0) return av_fail(ret, fmt::format("close {}", path_));
    }
    return {};
}

} // namespace tafel::mux
