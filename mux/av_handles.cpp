#include "mux/av_handles.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

namespace tafel::mux {

void PacketDeleter::operator()(AVPacket* packet) const noexcept { av_packet_free(&packet); }

Result<PacketPtr> make_packet() {
    PacketPtr packet{av_packet_alloc()};
    if (!packet) return fail(Errc::internal, "av_packet_alloc: out of memory");
    return packet;
}

void CodecParametersDeleter::operator()(AVCodecParameters* params) const noexcept {
    avcodec_parameters_free(&params);
}

Result<CodecParametersPtr> make_codec_parameters() {
    CodecParametersPtr params{avcodec_parameters_alloc()};
    if (!params) return fail(Errc::internal, "avcodec_parameters_alloc: out of memory");
    return params;
}

void OutputFormatDeleter::operator()(AVFormatContext* context) const noexcept {
    if (context == nullptr) return;
    if (context->oformat != nullptr && (context->oformat->flags & AVFMT_NOFILE) == 0) {
        avio_closep(&context->pb);
    }
    avformat_free_context(context);
}

} // namespace tafel::mux
