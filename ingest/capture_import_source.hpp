#pragma once
// The importer's input as one time-ordered stream of UDP datagrams: a pcap/pcapng capture
// (CaptureFile), or one or more Janus recordings (.mjr, one RTP stream each) merged by time.
// An .mjr says its codec in its header, so its stream comes described; it carries no
// addresses, so each file gets a port of its own (40000, 40002, …) on 127.0.0.1.
#include "core/error.hpp"
#include "ingest/capture_file.hpp"
#include "ingest/mjr_reader.hpp"
#include "ingest/stream_description.hpp"

#include <filesystem>
#include <optional>
#include <vector>

namespace tafel::ingest {

class ImportSource {
public:
    // One pcap/pcapng, or any number of .mjr files (told apart by their first bytes).
    static Result<ImportSource> open(const std::vector<std::filesystem::path>& inputs);

    Result<std::optional<CapturedDatagram>> next();

    // The streams the inputs describe themselves (.mjr headers); empty for a capture.
    const std::vector<StreamDescription>& described() const { return described_; }

private:
    struct Mjr {
        MjrReader reader;
        std::uint16_t port = 0;
        int clock_rate = 90'000;
        std::optional<CapturedDatagram> head; // the next datagram of this file
        std::optional<std::uint32_t> first_rtp_ts; // v1: times come from RTP timestamps
        bool ended = false;
    };
    ImportSource() = default;
    Result<void> fill(Mjr& m);

    std::optional<CaptureFile> capture_;
    std::vector<Mjr> mjrs_;
    std::vector<StreamDescription> described_;
};

} // namespace tafel::ingest
