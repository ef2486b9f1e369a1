#pragma once
// Owners of libav handles (STYLE.md "C libraries": unique_ptr with stateless deleters; the
// input and output AVFormatContext are different types). Deleters are defined out of line in
// av_handles.cpp, so this header has no libav include and may appear in public headers.
#include "core/error.hpp"
#include "mux/av_handles.hpp"

#include <memory>

struct AVCodecContext;
struct AVCodec;
struct AVFrame;
struct SwrContext;
struct AVAudioFifo;

namespace tafel::transcode {

using mux::CodecParametersPtr;
using mux::make_codec_parameters;
using mux::make_packet;
using mux::OutputFormatPtr;
using mux::PacketPtr;

struct CodecContextDeleter {
    void operator()(AVCodecContext* context) const noexcept;   // avcodec_free_context
};
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
Result<CodecContextPtr> make_codec_context(const AVCodec& codec);

struct FrameDeleter {
    void operator()(AVFrame* frame) const noexcept;            // av_frame_free
};
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
Result<FramePtr> make_frame();

struct SwrDeleter {
    void operator()(SwrContext* context) const noexcept;       // swr_free
};
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;

struct AudioFifoDeleter {
    void operator()(AVAudioFifo* fifo) const noexcept;         // av_audio_fifo_free
};
using AudioFifoPtr = std::unique_ptr<AVAudioFifo, AudioFifoDeleter>;

// An input AVFormatContext (demuxer): released by avformat_close_input, which also closes its
// AVIOContext. Output contexts are mux::OutputFormatPtr.
struct InputFormatDeleter {
    void operator()(AVFormatContext* context) const noexcept;
};
using InputFormatPtr = std::unique_ptr<AVFormatContext, InputFormatDeleter>;

} // namespace tafel::transcode
