#pragma once
// One validated configuration per program, read in this order: built-in defaults, a JSON
// file, TAFEL_* environment variables, then command-line flags (applied by app/ through
// set()). Every error names the field and where its value came from.
#include "core/consent_policy.hpp"
#include "core/error.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace tafel {

struct Config {
    std::filesystem::path data_dir = "data";   // raw/, published/, tmp/, the SQLite file
    std::string database_url;                  // empty: sqlite:<data_dir>/tafel.db
    std::string listen_address = "127.0.0.1"; // player and recorder control
    std::uint16_t player_port = 8080;
    std::uint16_t control_port = 8090;
    std::uint16_t rtp_port_min = 40000;        // UDP ports handed out to streams
    std::uint16_t rtp_port_max = 40999;
    std::string public_url;                    // empty: http://<listen_address>:<player_port>
    std::string secret = "";                   // shared secret with the portal (HMAC)
    int workers = 1;                           // concurrent processing jobs
    int encoder_threads = 0;                   // 0: one per core
    std::string log_level = "info";
    int sync_interval_ms = 250;                // recorder: packets are fdatasynced this often
    int disk_floor_mb = 1024;                  // recorder: below this much free disk, no new sessions
    int recorder_threads = 1;                  // recorder: media threads owning the UDP sockets
    // Worker: the CPU budget beside live lessons on the same host, and the queue's timing.
    int worker_nice = 10;                      // nice level of the worker's threads (0..19)
    int job_lease_s = 30;                      // a job's lease; heartbeats renew it while it runs
    int job_poll_ms = 500;                     // an idle worker looks for work at least this often
    std::string processing_window;             // "HH:MM-HH:MM" local time for heavy jobs; empty: always
    // Retention (issue 9, docs/privacy.md): core/retention_rule.hpp's syntax.
    std::string retention_default = "365d";    // "30d", "2027-07-31" or yearly "07-31"
    std::string retention_contexts;            // per-context overrides: "klasse-7b=30d,abi=07-31"
    bool keep_raw = false;                     // keep raw captures once the lesson is published
    int gc_interval_s = 600;                   // retention sweep of `tafel up`/`serve`
    // Consent (issue 9 item 1, docs/privacy.md): core/consent_policy.hpp's names.
    std::string consent_policy = "consenting"; // "consenting" or "teacher_only"
    std::string consent_policy_contexts;       // per-context: "klasse-7b=teacher_only,ag=consenting"

    // Applies one "key=value" setting (flag or file or env), naming the source in errors.
    Result<void> set(const std::string& key, const std::string& value, const std::string& source);

    // Defaults, then `file` (if given; JSON object of the keys above), then the environment
    // (TAFEL_DATA_DIR, TAFEL_PLAYER_PORT, …, looked up through `getenv`).
    static Result<Config> load(const std::optional<std::filesystem::path>& file,
                               const std::function<const char*(const char*)>& getenv);

    // Cross-field checks (port range order, workers > 0); call after all set() calls.
    Result<void> validate() const;

    std::string effective_database_url() const;
    std::string effective_public_url() const;
    // consent_policy + consent_policy_contexts, parsed; invalid_argument naming the key.
    Result<ConsentPolicies> consent_policies() const;
};

} // namespace tafel
