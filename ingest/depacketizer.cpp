#include "ingest/depacketizer.hpp"

#include "ingest/h264_depacketizer.hpp"
#include "ingest/opus_depacketizer.hpp"
#include "ingest/vp8_depacketizer.hpp"
#include "ingest/vp9_depacketizer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace tafel::ingest {

Result<std::unique_ptr<Depacketizer>> Depacketizer::create(std::string_view codec) {
    std::string lower(codec);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "vp8") return std::make_unique<Vp8Depacketizer>();
    if (lower == "vp9") return std::make_unique<Vp9Depacketizer>();
    if (lower == "h264") return std::make_unique<H264Depacketizer>();
    if (lower == "opus") return std::make_unique<OpusDepacketizer>();
    return fail(Errc::unsupported, fmt::format("codec \"{}\" has no depacketizer (VP8, VP9, H264 and opus do)", codec));
}

} // namespace tafel::ingest
