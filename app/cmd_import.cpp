// tafel import: a packet capture of RTP (pcap/pcapng) or Janus .mjr files → a raw recording folder that
// `tafel process` (or the worker) renders like a live one.
#include "app/commands.hpp"

#include "ingest/capture_import.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>

namespace tafel::app {

namespace {

struct ImportFlags {
    std::vector<std::string> captures;
    std::string raw_root;
    std::string sdp;
    std::vector<std::string> streams;
    std::string name;
};

ingest::ImportOptions import_options(const ImportFlags& f) {
    ingest::ImportOptions o;
    o.meeting_name = f.name;
    for (const auto& s : f.streams) {
        auto d = ingest::parse_stream_description(s);
        if (!d) throw std::runtime_error("--stream: " + d.error().message);
        o.streams.push_back(*d);
    }
    if (!f.sdp.empty()) {
        std::ifstream in(f.sdp);
        if (!in) throw std::runtime_error("--sdp: cannot read " + f.sdp);
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto d = ingest::parse_sdp(text);
        if (!d) throw std::runtime_error(fmt::format("--sdp {}: {}", f.sdp, d.error().message));
        o.streams.insert(o.streams.end(), d->begin(), d->end());
    }
    return o;
}

} // namespace

void add_import_command(CLI::App& app, Action& chosen) {
    auto* cmd = app.add_subcommand(
        "import",
        "Turn a pcap/pcapng capture of RTP, or the Janus recordings (.mjr) of one session, into a raw recording "
        "folder under RAW_ROOT (render it with `tafel process`). Streams are detected unless described with "
        "--stream or --sdp (an .mjr names its own codec).");
    auto flags = std::make_shared<ImportFlags>();
    // One vector takes every positional: CLI11 would otherwise give RAW_ROOT to CAPTURE too.
    cmd->add_option("CAPTURE... RAW_ROOT", flags->captures,
                    "a pcap or pcapng file, or one or more .mjr files; then the folder that receives "
                    "<recording id>/ (created)")
        ->required()
        ->expected(2, -1);
    cmd->add_option("--stream", flags->streams, "PORT=CODEC/CLOCK[/CHANNELS][:PT], e.g. 5004=VP8/90000 (repeatable)");
    cmd->add_option("--sdp", flags->sdp, "an SDP file describing the streams (m= port + a=rtpmap)")->check(CLI::ExistingFile);
    cmd->add_option("--name", flags->name, "the lesson's title (default: the capture's file name)");
    cmd->callback([&chosen, flags] {
        chosen = [flags] {
            flags->raw_root = flags->captures.back();
            flags->captures.pop_back();
            for (const auto& c : flags->captures) {
                if (!std::filesystem::is_regular_file(c)) throw std::runtime_error("CAPTURE: no such file: " + c);
            }
            const auto options = import_options(*flags);
            const std::vector<std::filesystem::path> captures(flags->captures.begin(), flags->captures.end());
            auto summary = ingest::import_captures(captures, flags->raw_root, options);
            if (!summary) {
                fmt::print(stderr, "tafel import: {}\n", summary.error().describe());
                return 1;
            }
            for (const auto& t : summary->info.tracks) {
                fmt::print("import: track {} {} {}/{} (payload type {}, port {}) → {}\n", t.id, ingest::to_string(t.kind),
                           t.codec, t.clock_rate, t.payload_type, t.port, t.participant);
            }
            fmt::print("import: {} datagrams ({} not imported) → {}\n", summary->datagrams, summary->ignored,
                       summary->recording_dir.string());
            return 0;
        };
    });
}

} // namespace tafel::app
