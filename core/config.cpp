#include "core/config.hpp"

#include "core/retention_rule.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <charconv>
#include <fstream>
#include <limits>

namespace tafel {

namespace {

template <typename Int>
Result<Int> parse_int(const std::string& key, const std::string& value, const std::string& source,
                      std::int64_t min, std::int64_t max) {
    std::int64_t parsed = 0;
    const auto* end = value.data() + value.size();
    auto [ptr, ec] = std::from_chars(value.data(), end, parsed);
    if (ec != std::errc{} || ptr != end || parsed < min || parsed > max) {
        return fail(Errc::invalid_argument,
                    fmt::format("{}: '{}' must be a whole number from {} to {} (got '{}')", source,
                                key, min, max, value));
    }
    return static_cast<Int>(parsed);
}

// "HH:MM-HH:MM" with hours 0..23 and minutes 0..59.
bool valid_window(const std::string& v) {
    if (v.size() != 11 || v[2] != ':' || v[5] != '-' || v[8] != ':') return false;
    auto two = [&](std::size_t at, int max) {
        if (!std::isdigit(static_cast<unsigned char>(v[at])) || !std::isdigit(static_cast<unsigned char>(v[at + 1]))) {
            return false;
        }
        return (v[at] - '0') * 10 + (v[at + 1] - '0') <= max;
    };
    return two(0, 23) && two(3, 59) && two(6, 23) && two(9, 59);
}

constexpr const char* k_keys[] = {"data_dir",     "database_url", "listen_address", "player_port",
                                  "control_port", "rtp_port_min", "rtp_port_max",   "public_url",
                                  "secret",       "workers",      "encoder_threads", "log_level",
                                  "sync_interval_ms", "worker_nice", "job_lease_s", "job_poll_ms",
                                  "processing_window", "retention_default", "retention_contexts", "keep_raw",
                                  "gc_interval_s", "disk_floor_mb", "recorder_threads", "consent_policy",
                                  "consent_policy_contexts"};

} // namespace

Result<void> Config::set(const std::string& key, const std::string& value, const std::string& source) {
    // Listening ports may be 0 ("any free port", printed at start-up); RTP ports may not.
    auto assign_port = [&](std::uint16_t& field, std::int64_t min = 1) -> Result<void> {
        auto v = parse_int<std::uint16_t>(key, value, source, min, 65535);
        if (!v) return std::unexpected(v.error());
        field = *v;
        return {};
    };
    if (key == "data_dir") {
        if (value.empty()) return fail(Errc::invalid_argument, source + ": 'data_dir' is empty");
        data_dir = value;
    } else if (key == "database_url") {
        if (!value.empty() && !value.starts_with("sqlite:") && !value.starts_with("postgresql:") &&
            !value.starts_with("postgres:")) {
            return fail(Errc::invalid_argument,
                        fmt::format("{}: 'database_url' must start with sqlite: or postgresql: (got '{}')",
                                    source, value));
        }
        database_url = value;
    } else if (key == "listen_address") {
        listen_address = value;
    } else if (key == "player_port") {
        return assign_port(player_port, 0);
    } else if (key == "control_port") {
        return assign_port(control_port, 0);
    } else if (key == "rtp_port_min") {
        return assign_port(rtp_port_min);
    } else if (key == "rtp_port_max") {
        return assign_port(rtp_port_max);
    } else if (key == "public_url") {
        public_url = value;
    } else if (key == "secret") {
        secret = value;
    } else if (key == "workers") {
        auto v = parse_int<int>(key, value, source, 1, 256);
        if (!v) return std::unexpected(v.error());
        workers = *v;
    } else if (key == "sync_interval_ms") {
        auto v = parse_int<int>(key, value, source, 1, 60'000);
        if (!v) return std::unexpected(v.error());
        sync_interval_ms = *v;
    } else if (key == "worker_nice") {
        auto v = parse_int<int>(key, value, source, 0, 19);
        if (!v) return std::unexpected(v.error());
        worker_nice = *v;
    } else if (key == "job_lease_s") {
        auto v = parse_int<int>(key, value, source, 2, 3600);
        if (!v) return std::unexpected(v.error());
        job_lease_s = *v;
    } else if (key == "job_poll_ms") {
        auto v = parse_int<int>(key, value, source, 10, 60'000);
        if (!v) return std::unexpected(v.error());
        job_poll_ms = *v;
    } else if (key == "processing_window") {
        // Checked here so that a typo is a start-up error; parsed again by the worker.
        if (!value.empty() && !valid_window(value)) {
            return fail(Errc::invalid_argument,
                        fmt::format("{}: 'processing_window' must look like 22:00-06:00 (got '{}')", source, value));
        }
        processing_window = value;
    } else if (key == "retention_default") {
        if (auto rule = RetentionRule::parse(value); !rule)
            return fail(Errc::invalid_argument, fmt::format("{}: 'retention_default': {}", source, rule.error().message));
        retention_default = value;
    } else if (key == "retention_contexts") {
        if (auto rules = parse_retention_contexts(value); !rules)
            return fail(Errc::invalid_argument, fmt::format("{}: 'retention_contexts': {}", source, rules.error().message));
        retention_contexts = value;
    } else if (key == "consent_policy") {
        if (auto p = consent_policy_from(value); !p)
            return fail(Errc::invalid_argument, fmt::format("{}: 'consent_policy': {}", source, p.error().message));
        consent_policy = value;
    } else if (key == "consent_policy_contexts") {
        if (auto p = ConsentPolicies::parse("consenting", value); !p)
            return fail(Errc::invalid_argument,
                        fmt::format("{}: 'consent_policy_contexts': {}", source, p.error().message));
        consent_policy_contexts = value;
    } else if (key == "keep_raw") {
        if (value != "true" && value != "false" && value != "1" && value != "0")
            return fail(Errc::invalid_argument, fmt::format("{}: 'keep_raw' must be true or false (got '{}')", source, value));
        keep_raw = value == "true" || value == "1";
    } else if (key == "disk_floor_mb") {
        auto v = parse_int<int>(key, value, source, 0, 1'000'000);
        if (!v) return std::unexpected(v.error());
        disk_floor_mb = *v;
    } else if (key == "recorder_threads") {
        auto v = parse_int<int>(key, value, source, 1, 64);
        if (!v) return std::unexpected(v.error());
        recorder_threads = *v;
    } else if (key == "gc_interval_s") {
        auto v = parse_int<int>(key, value, source, 1, 86'400);
        if (!v) return std::unexpected(v.error());
        gc_interval_s = *v;
    } else if (key == "encoder_threads") {
        auto v = parse_int<int>(key, value, source, 0, 64);
        if (!v) return std::unexpected(v.error());
        encoder_threads = *v;
    } else if (key == "log_level") {
        static const char* levels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
        bool known = false;
        for (const char* l : levels) known = known || value == l;
        if (!known) {
            return fail(Errc::invalid_argument,
                        fmt::format("{}: 'log_level' must be one of trace, debug, info, warn, error, "
                                    "critical, off (got '{}')", source, value));
        }
        log_level = value;
    } else {
        return fail(Errc::invalid_argument, fmt::format("{}: unknown setting '{}'", source, key));
    }
    return {};
}

Result<Config> Config::load(const std::optional<std::filesystem::path>& file,
                            const std::function<const char*(const char*)>& getenv) {
    Config config;
    if (file) {
        std::ifstream in(*file);
        if (!in) return fail(Errc::not_found, fmt::format("config file {} cannot be opened", file->string()));
        nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
        if (doc.is_discarded() || !doc.is_object()) {
            return fail(Errc::malformed_input,
                        fmt::format("config file {} is not a JSON object", file->string()));
        }
        for (const auto& [key, value] : doc.items()) {
            const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
            if (auto r = config.set(key, text, "config file " + file->string()); !r) {
                return std::unexpected(r.error());
            }
        }
    }
    for (const char* key : k_keys) {
        std::string env_name = "TAFEL_";
        for (const char* c = key; *c; ++c) env_name += static_cast<char>(std::toupper(*c));
        if (const char* value = getenv(env_name.c_str())) {
            if (auto r = config.set(key, value, "environment " + env_name); !r) {
                return std::unexpected(r.error());
            }
        }
    }
    return config;
}

Result<void> Config::validate() const {
    if (rtp_port_min > rtp_port_max) {
        return fail(Errc::invalid_argument,
                    fmt::format("'rtp_port_min' ({}) is above 'rtp_port_max' ({})", rtp_port_min,
                                rtp_port_max));
    }
    return {};
}

std::string Config::effective_database_url() const {
    if (!database_url.empty()) return database_url;
    return "sqlite:" + (data_dir / "tafel.db").string();
}

Result<ConsentPolicies> Config::consent_policies() const {
    auto p = ConsentPolicies::parse(consent_policy, consent_policy_contexts);
    if (!p)
        return fail(Errc::invalid_argument,
                    fmt::format("'consent_policy' / 'consent_policy_contexts': {}", p.error().message));
    return p;
}

std::string Config::effective_public_url() const {
    if (!public_url.empty()) return public_url;
    return fmt::format("http://{}:{}", listen_address, player_port);
}

} // namespace tafel
