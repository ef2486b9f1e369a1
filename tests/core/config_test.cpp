#include "core/config.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace {
auto env_of(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const char* name) -> const char* {
        auto it = vars.find(name);
        return it == vars.end() ? nullptr : it->second.c_str();
    };
}
} // namespace

TEST_CASE("config reads file, then environment, then flags", "[unit][core]") {
    const auto dir = std::filesystem::temp_directory_path() / "tafel-config-test";
    std::filesystem::create_directories(dir);
    const auto file = dir / "tafel.json";
    std::ofstream(file) << R"({"player_port": 9000, "data_dir": "/srv/tafel", "workers": 2})";

    auto config = tafel::Config::load(file, env_of({{"TAFEL_PLAYER_PORT", "9100"}}));
    REQUIRE(config.has_value());
    CHECK(config->player_port == 9100); // environment beats the file
    CHECK(config->data_dir == "/srv/tafel");
    CHECK(config->workers == 2);
    REQUIRE(config->set("player_port", "9200", "flag --player-port"));
    CHECK(config->player_port == 9200); // a flag beats both
    CHECK(config->effective_database_url() == "sqlite:/srv/tafel/tafel.db");
    CHECK(config->effective_public_url() == "http://127.0.0.1:9200");
}

TEST_CASE("config errors name the field and the source", "[unit][core]") {
    auto config = tafel::Config::load(std::nullopt, env_of({{"TAFEL_WORKERS", "many"}}));
    REQUIRE_FALSE(config.has_value());
    CHECK(config.error().message.find("TAFEL_WORKERS") != std::string::npos);
    CHECK(config.error().message.find("'workers'") != std::string::npos);

    tafel::Config c;
    auto r = c.set("player_port", "70000", "flag --player-port");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("player_port") != std::string::npos);
    auto unknown = c.set("colour", "blue", "config file x.json");
    REQUIRE_FALSE(unknown.has_value());
    CHECK(unknown.error().message.find("unknown setting 'colour'") != std::string::npos);

    c.rtp_port_min = 5000;
    c.rtp_port_max = 4000;
    CHECK_FALSE(c.validate().has_value());
}

TEST_CASE("worker settings: nice level, lease, poll interval, processing window", "[unit][core]") {
    tafel::Config c;
    CHECK(c.worker_nice == 10);
    CHECK(c.processing_window.empty());
    REQUIRE(c.set("worker_nice", "19", "flag --worker-nice"));
    CHECK(c.worker_nice == 19);
    CHECK_FALSE(c.set("worker_nice", "-5", "flag --worker-nice").has_value()); // only lowering priority
    REQUIRE(c.set("job_lease_s", "5", "flag --job-lease-s"));
    CHECK(c.job_lease_s == 5);
    CHECK_FALSE(c.set("job_lease_s", "1", "flag --job-lease-s").has_value());
    REQUIRE(c.set("processing_window", "22:00-06:30", "config file t.json"));
    CHECK(c.processing_window == "22:00-06:30");
    for (const char* bad : {"22-06", "24:00-06:00", "22:00-06:60", "22:00 06:00", "ab:cd-ef:gh"}) {
        auto r = c.set("processing_window", bad, "config file t.json");
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().message.find("processing_window") != std::string::npos);
    }
    REQUIRE(c.set("processing_window", "", "flag --processing-window")); // back to "always"
    CHECK(c.processing_window.empty());
}

TEST_CASE("consent policy: a default and per-context overrides, errors name the key and the item", "[unit][core]") {
    auto config = tafel::Config::load(
        std::nullopt, env_of({{"TAFEL_CONSENT_POLICY_CONTEXTS", "klasse-5a=teacher_only, ag-robotik = consenting"}}));
    REQUIRE(config.has_value());
    auto policies = config->consent_policies();
    REQUIRE(policies.has_value());
    CHECK(policies->for_context("klasse-5a") == tafel::ConsentPolicy::teacher_only);
    CHECK(policies->for_context("ag-robotik") == tafel::ConsentPolicy::consenting);
    CHECK(policies->for_context("klasse-9c") == tafel::ConsentPolicy::consenting); // the default default
    REQUIRE(config->set("consent_policy", "teacher_only", "flag --consent-policy"));
    CHECK(config->consent_policies()->for_context("klasse-9c") == tafel::ConsentPolicy::teacher_only);
    CHECK(config->consent_policies()->for_context("ag-robotik") == tafel::ConsentPolicy::consenting);

    auto bad = config->set("consent_policy", "pupils_too", "config file x.json");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().message.find("x.json") != std::string::npos);
    CHECK(bad.error().message.find("'consent_policy'") != std::string::npos);
    CHECK(bad.error().message.find("pupils_too") != std::string::npos);
    auto bad_item = config->set("consent_policy_contexts", "klasse-5a", "environment TAFEL_CONSENT_POLICY_CONTEXTS");
    REQUIRE_FALSE(bad_item.has_value());
    CHECK(bad_item.error().message.find("klasse-5a") != std::string::npos);
    auto bad_policy = config->set("consent_policy_contexts", "klasse-5a=nobody", "flag");
    REQUIRE_FALSE(bad_policy.has_value());
    CHECK(bad_policy.error().message.find("context \"klasse-5a\"") != std::string::npos);
}
