#pragma once
// One output container file (WebM, MP4, …) written with libavformat: open, add streams from
// encoder parameters, write the header, write packets (timestamps rescaled from each stream's
// encoder timebase to the muxer's), finish with the trailer. Not thread-safe: one writer is
// fed by one thread.
#include "core/error.hpp"
#include "core/rational.hpp"
#include "mux/av_handles.hpp"

#include <filesystem>
#include <memory>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

struct AVCodecParameters;
struct AVPacket;

namespace tafel::mux {

class OutputDirectory;

// A chapter of the file (Matroska Chapters; MP4 Nero "chpl" + QuickTime chapter track).
struct ContainerChapter {
    std::int64_t start_ms = 0;
    std::int64_t end_ms = 0;
    std::string title;
};

struct ContainerOptions {
    std::string format;       // libavformat muxer name: "webm", "mp4", "matroska", …
    std::string title;        // container metadata "title" (empty: none)
    bool faststart = false;   // mp4/mov: moov before mdat (the file is rewritten in finish())
    std::vector<ContainerChapter> chapters; // written with the header
    // Private options of the muxer, given to avformat_write_header ("hls_time" = "6", …).
    std::vector<std::pair<std::string, std::string>> muxer_options;
    // A muxer that writes files of its own (AVFMT_NOFILE: hls, dash, segment) writes them into
    // this folder through its descriptor, each atomically (mux/output_directory.hpp); the
    // path given to create() is then only the name of its main file inside it.
    std::shared_ptr<OutputDirectory> directory;
};

class ContainerWriter {
public:
    // Creates (truncates) `path`. Errors name the path.
    static Result<std::unique_ptr<ContainerWriter>> create(const std::filesystem::path& path,
                                                           const ContainerOptions& options);
    ~ContainerWriter();
    ContainerWriter(const ContainerWriter&) = delete;
    ContainerWriter& operator=(const ContainerWriter&) = delete;

    // True when the format wants codec headers in extradata (AVFMT_GLOBALHEADER): encoders
    // must then be opened with AV_CODEC_FLAG_GLOBAL_HEADER.
    bool needs_global_header() const;

    // Adds a stream before write_header(); returns its index. Packets for it will carry
    // timestamps in `time_base`. `frame_rate` (video, optional) becomes the stream's rate.
    Result<int> add_stream(const AVCodecParameters& params, Rational time_base,
                           Rational frame_rate = {0, 1});

    Result<void> write_header();

    // Writes one packet of `stream` (timestamps in that stream's time_base) through the
    // interleaver. The packet's payload is taken over: on return it is blank.
    Result<void> write(AVPacket& packet, int stream);

    // Writes the trailer (duration, cues, index; mp4 faststart moves moov to the front) and
    // closes the file. Without finish() the file is closed incomplete.
    Result<void> finish();

    const std::filesystem::path& path() const { return path_; }

private:
    ContainerWriter(std::filesystem::path path, OutputFormatPtr context, const ContainerOptions& options);

    std::filesystem::path path_;
    std::shared_ptr<OutputDirectory> directory_; // declared before context_: outlives it
    OutputFormatPtr context_;
    bool faststart_ = false;
    std::vector<std::pair<std::string, std::string>> muxer_options_;
    bool header_written_ = false;
    bool finished_ = false;
    std::vector<Rational> packet_time_bases_;   // per stream, as given to add_stream
};

} // namespace tafel::mux
