#include "transcode/av_handles.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/frame.h>
#include <libswresample/swresample.h>
}

#include <fmt/format.h>

namespace tafel::transcode {

void CodecContextDeleter::operator()(AVCodecContext* context) const noexcept {
    avcodec_free_context(&context);
}

Result<CodecContextPtr> make_codec_context(const AVCodec& codec) {
    CodecContextPtr context{avcodec_alloc_context3(&codec)};
    if (!context) return fail(Errc::internal, fmt::format("avcodec_alloc_context3 {}: out of memory", codec.name));
    return context;
}

void FrameDeleter::operator()(AVFrame* frame) const noexcept { av_frame_free(&frame); }

Result<FramePtr> make_frame() {
    FramePtr frame{av_frame_alloc()};
    if (!frame) return fail(Errc::internal, "av_frame_alloc: out of memory");
    return frame;
}

void SwrDeleter::operator()(SwrContext* context) const noexcept { swr_free(&context); }

void AudioFifoDeleter::operator()(AVAudioFifo* fifo) const noexcept {
    if (fifo != nullptr) av_audio_fifo_free(fifo);
}

void InputFormatDeleter::operator()(AVFormatContext* context) const noexcept {
    if (context != nullptr) avformat_close_input(&context);
}

} // namespace tafel::transcode
