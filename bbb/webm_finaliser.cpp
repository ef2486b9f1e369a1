#include "bbb/webm_finaliser.hpp"

#include "core/log.hpp"
#include "core/unique_fd.hpp"
#include "mux/av_error.hpp"
#include "mux/av_handles.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/mathematics.h>
}

namespace tafel::bbb {

namespace fs = std::filesystem;

namespace {

// Input contexts are released by avformat_close_input (mux/av_handles.hpp owns outputs only).
struct InputDeleter {
    void operator()(AVFormatContext* context) const noexcept { avformat_close_input(&context); }
};
using InputPtr = std::unique_ptr<AVFormatContext, InputDeleter>;

Result<void> fsync_path(const fs::path& path, int flags) {
    UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
    if (!fd || ::fsync(fd.get()) != 0)
        return fail(Errc::io, fmt::format("fsync {}: {}", path.string(), std::strerror(errno)));
    return {};
}

} // namespace

Result<FinalisedWebm> finalise_webm(const fs::path& webm) {
    AVFormatContext* raw_in = nullptr;
    if (const int e = avformat_open_input(&raw_in, webm.c_str(), nullptr, nullptr); e < 0)
        return std::unexpected(Error{Errc::malformed_input, mux::av_error(e, "open " + webm.string()).message});
    InputPtr in(raw_in);
    if (const int e = avformat_find_stream_info(in.get(), nullptr); e < 0)
        return std::unexpected(Error{Errc::malformed_input, mux::av_error(e, "read " + webm.string()).message});

    // Written beside the original, 0600 like it (pupils' faces and voices), then renamed.
    fs::path part = webm;
    part += ".part";
    {
        UniqueFd fd(::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (!fd) return fail(Errc::io, fmt::format("create {}: {}", part.string(), std::strerror(errno)));
    }
    AVFormatContext* raw_out = nullptr;
    if (const int e = avformat_alloc_output_context2(&raw_out, nullptr, "webm", part.c_str()); e < 0)
        return mux::av_fail(e, "webm muxer for " + part.string());
    mux::OutputFormatPtr out(raw_out);
    std::vector<int> map(in->nb_streams, -1);
    for (unsigned i = 0; i < in->nb_streams; ++i) {
        const AVCodecParameters* par = in->streams[i]->codecpar;
        if (par->codec_type != AVMEDIA_TYPE_VIDEO && par->codec_type != AVMEDIA_TYPE_AUDIO) continue;
        AVStream* stream = avformat_new_stream(out.get(), nullptr);
        if (!stream) return fail(Errc::internal, "avformat_new_stream: out of memory");
        if (const int e = avcodec_parameters_copy(stream->codecpar, par); e < 0)
            return mux::av_fail(e, "copy stream parameters of " + webm.string());
        stream->codecpar->codec_tag = 0;
        stream->time_base = in->streams[i]->time_base;
        map[i] = stream->index;
    }
    if (out->nb_streams == 0) {
        fs::remove(part);
        return fail(Errc::malformed_input, fmt::format("{} holds no audio or video stream", webm.string()));
    }
    if (const int e = avio_open(&out->pb, part.c_str(), AVIO_FLAG_WRITE); e < 0)
        return mux::av_fail(e, "open " + part.string());
    if (const int e = avformat_write_header(out.get(), nullptr); e < 0)
        return mux::av_fail(e, "write header of " + part.string());

    auto packet = mux::make_packet();
    if (!packet) return std::unexpected(packet.error());
    FinalisedWebm result;
    std::vector<std::int64_t> last_dts(out->nb_streams, AV_NOPTS_VALUE);
    std::int64_t first_ms = -1;
    std::int64_t last_ms = 0;
    // Until the first error: the torn tail of the last cluster is where the writer died.
    while (av_read_frame(in.get(), packet->get()) >= 0) {
        AVPacket* p = packet->get();
        const int index = p->stream_index < static_cast<int>(map.size()) ? map[p->stream_index] : -1;
        if (index < 0 || p->pts == AV_NOPTS_VALUE) {
            av_packet_unref(p);
            continue;
        }
        // The muxer takes only increasing decode times per stream; what the torn tail of the
        // last cluster yields out of order is dropped with it.
        if (p->dts == AV_NOPTS_VALUE) p->dts = p->pts;
        if (last_dts[index] != AV_NOPTS_VALUE && p->dts <= last_dts[index]) {
            av_packet_unref(p);
            continue;
        }
        last_dts[index] = p->dts;
        const AVRational from = in->streams[p->stream_index]->time_base;
        const std::int64_t ms = av_rescale_q(p->pts, from, AVRational{1, 1000});
        const std::int64_t end_ms = ms + av_rescale_q(p->duration, from, AVRational{1, 1000});
        av_packet_rescale_ts(p, from, out->streams[index]->time_base);
        p->stream_index = index;
        p->pos = -1;
        if (const int e = av_interleaved_write_frame(out.get(), p); e < 0) {
            // A packet the muxer refuses ends the copy (the torn tail is where the writer
            // died): what came before is kept and finalised.
            log::get("bbb")->warn("{}: the copy ends at packet {}: {}", webm.string(), result.packets,
                                  mux::av_error(e, "write " + part.string()).message);
            break;
        }
        ++result.packets;
        if (first_ms < 0 || ms < first_ms) first_ms = ms;
        last_ms = std::max({last_ms, ms, end_ms});
    }
    if (result.packets == 0) {
        out.reset();
        fs::remove(part);
        return fail(Errc::malformed_input, fmt::format("{}: no packet could be copied", webm.string()));
    }
    if (const int e = av_write_trailer(out.get()); e < 0) return mux::av_fail(e, "write trailer of " + part.string());
    out.reset();
    in.reset();
    if (auto r = fsync_path(part, O_RDONLY); !r) return std::unexpected(r.error());
    std::error_code ec;
    fs::rename(part, webm, ec);
    if (ec) return fail(Errc::io, fmt::format("rename {} to {}: {}", part.string(), webm.string(), ec.message()));
    if (auto r = fsync_path(webm.parent_path(), O_RDONLY | O_DIRECTORY); !r) return std::unexpected(r.error());
    result.duration_ms = first_ms < 0 ? 0 : last_ms - first_ms;
    return result;
}

} // namespace tafel::bbb
