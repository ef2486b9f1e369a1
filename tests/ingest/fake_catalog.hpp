#pragma once
// An in-memory storage::Catalog that records what the recorder asked of it.
#include "storage/catalog.hpp"

#include <map>
#include <mutex>

namespace tafel::ingest::test {

class FakeCatalog final : public storage::Catalog {
public:
    Result<void> put_recording(const storage::RecordingRow& row) override {
        std::lock_guard lock(mutex_);
        rows_[row.id] = row;
        return {};
    }
    Result<std::optional<storage::RecordingRow>> recording(const std::string& id) override {
        std::lock_guard lock(mutex_);
        const auto it = rows_.find(id);
        if (it == rows_.end()) return std::optional<storage::RecordingRow>{};
        return std::optional<storage::RecordingRow>{it->second};
    }
    Result<std::vector<storage::RecordingRow>> list_recordings(const std::string&) override {
        std::lock_guard lock(mutex_);
        std::vector<storage::RecordingRow> out;
        for (const auto& [id, row] : rows_) out.push_back(row);
        return out;
    }
    Result<void> set_recording_state(const std::string& id, storage::RecordingState state, const std::string&,
                                     std::optional<std::int64_t>) override {
        std::lock_guard lock(mutex_);
        const auto it = rows_.find(id);
        if (it == rows_.end()) return tafel::fail(Errc::not_found, "recording " + id);
        it->second.state = state;
        return {};
    }
    Result<std::int64_t> enqueue(const std::string& recording_id, const std::string& kind, int priority) override {
        std::lock_guard lock(mutex_);
        storage::Job job;
        job.id = static_cast<std::int64_t>(jobs_.size()) + 1;
        job.recording_id = recording_id;
        job.kind = kind;
        job.priority = priority;
        jobs_.push_back(job);
        return job.id;
    }
    Result<std::optional<storage::Job>> claim(const std::string&, std::chrono::milliseconds) override {
        return std::optional<storage::Job>{};
    }
    Result<void> heartbeat(std::int64_t, const std::string&, std::chrono::milliseconds, int) override { return {}; }
    Result<void> succeed(std::int64_t, const std::string&) override { return {}; }
    Result<void> fail(std::int64_t, const std::string&, const std::string&) override { return {}; }
    Result<std::optional<storage::Job>> job(std::int64_t) override { return std::optional<storage::Job>{}; }
    Result<std::vector<storage::Job>> jobs_of(const std::string& recording_id) override {
        std::lock_guard lock(mutex_);
        std::vector<storage::Job> out;
        for (const auto& j : jobs_) {
            if (j.recording_id == recording_id) out.push_back(j);
        }
        return out;
    }

private:
    std::mutex mutex_;
    std::map<std::string, storage::RecordingRow> rows_;
    std::vector<storage::Job> jobs_;
};

} // namespace tafel::ingest::test
