#pragma once
// Reads a Janus recording (.mjr): one RTP stream per file, as Janus's recorder writes it
// (janus-gateway record.c; janus-pp-rec reads it). Two versions exist:
//  - v2, "MJR00002": a 16-bit big-endian length and a JSON object
//    {"t": "a"|"v"|"d", "c": codec, "s": created µs, "u": first frame µs, "f": fmtp?}, then
//    frames of "MEET", a 32-bit ms offset from the first frame, a 16-bit length, the packet;
//  - v1, "MEETECHO": a 16-bit length and "audio"/"video", then frames of "MEETECHO", a 16-bit
//    length and the packet, with no times at all.
// A torn last frame (Janus killed mid-write) ends the file, as a torn pcap record does.
#include "core/error.hpp"
#include "ingest/raw_recording.hpp"

#include <cstdint>
#include <filesystem>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tafel::ingest {

struct MjrInfo {
    int version = 2;
    MediaKind kind = MediaKind::video;
    std::string codec;             // as Janus names it: "vp8", "vp9", "h264", "opus", …
    std::string fmtp;              // v2 "f", when present
    std::int64_t created_us = 0;   // v2 "s": recorder created (UTC µs)
    std::int64_t first_frame_us = 0; // v2 "u": first frame written (UTC µs); 0 in v1
};

struct MjrPacket {
    std::optional<std::int64_t> offset_ms; // v2: ms after the first frame; v1: unknown
    std::vector<std::uint8_t> data;        // one RTP packet as received
};

class MjrReader {
public:
    // Errc::not_found, Errc::malformed_input (not an .mjr, bad header JSON) naming the file;
    // Errc::unsupported for data-channel recordings ("t": "d").
    static Result<MjrReader> open(const std::filesystem::path& path);
    // The same from any stream (tests, fuzzing); `name` appears in errors.
    static Result<MjrReader> read(std::unique_ptr<std::istream> in, std::string name);

    const MjrInfo& info() const { return info_; }
    // The next packet, std::nullopt at the end (or at a torn last frame: truncated_tail()).
    // A frame without its "MEET"/"MEETECHO" marker is Errc::malformed_input with its offset.
    Result<std::optional<MjrPacket>> next();
    bool truncated_tail() const { return truncated_tail_; }

    // True when `head` (the first 8 bytes of a file) starts a Janus recording.
    static bool looks_like_mjr(const std::uint8_t* head, std::size_t size);

private:
    MjrReader(std::unique_ptr<std::istream> in, std::string name, MjrInfo info, std::uint64_t offset)
        : in_(std::move(in)), name_(std::move(name)), info_(std::move(info)), offset_(offset) {}

    std::unique_ptr<std::istream> in_;
    std::string name_;
    MjrInfo info_;
    std::uint64_t offset_ = 0;
    bool truncated_tail_ = false;
};

} // namespace tafel::ingest
