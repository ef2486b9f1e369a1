#pragma once
// Owners of the libav handles that containers need. The deleters are defined out of line, so
// this header carries no libav include and may appear in any header of mux/ or transcode/.
// transcode/av_handles.hpp adds the codec-side handles.
#include "core/error.hpp"

#include <memory>

struct AVPacket;
struct AVCodecParameters;
struct AVFormatContext;

namespace tafel::mux {

struct PacketDeleter {
    void operator()(AVPacket* packet) const noexcept;         // av_packet_free
};
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
Result<PacketPtr> make_packet();

struct CodecParametersDeleter {
    void operator()(AVCodecParameters* params) const noexcept; // avcodec_parameters_free
};
using CodecParametersPtr = std::unique_ptr<AVCodecParameters, CodecParametersDeleter>;
Result<CodecParametersPtr> make_codec_parameters();

// An output AVFormatContext: closes the AVIOContext it opened (no trailer is written; that is
// ContainerWriter::finish's job) and frees the context. Input contexts have their own type
// (transcode::InputFormatPtr) because they are released by avformat_close_input instead.
struct OutputFormatDeleter {
    void operator()(AVFormatContext* context) const noexcept;
};
using OutputFormatPtr = std::unique_ptr<AVFormatContext, OutputFormatDeleter>;

} // namespace tafel::mux
