#include "test_database.hpp"

#include "core/ids.hpp"
#include "storage/pg_db.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace tafel::storage::test {

namespace {

std::string read_first_line(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    return line;
}

std::string run_script(const std::string& action, const std::filesystem::path& dir) {
    const std::string command = fmt::format("bash '{}/scripts/pg-test-server.sh' {} '{}'", TAFEL_SOURCE_DIR,
                                            action, dir.string());
    // The script also prints the URL; the url file is what counts.
    if (std::system((command + " >/dev/null").c_str()) != 0)
        throw std::runtime_error(fmt::format("\"{}\" failed (is Debian's postgresql installed?)", command));
    return read_first_line(dir / "url");
}

// A server owned by this test process, for runs outside CTest's fixture.
class OwnServer {
public:
    OwnServer() : dir_(std::filesystem::temp_directory_path() / ("tafel-pg-own-" + random_hex_id(8))) {
        url_ = run_script("start", dir_);
    }
    ~OwnServer() {
        const std::string command = fmt::format("bash '{}/scripts/pg-test-server.sh' stop '{}'", TAFEL_SOURCE_DIR,
                                                dir_.string());
        (void)std::system(command.c_str());
    }
    OwnServer(const OwnServer&) = delete;
    OwnServer& operator=(const OwnServer&) = delete;
    const std::string& url() const { return url_; }

private:
    std::filesystem::path dir_;
    std::string url_;
};

std::string find_server_url() {
    if (const char* url = std::getenv("TAFEL_TEST_PG_URL"); url != nullptr && *url != '\0') return url;
    if (const char* dir = std::getenv("TAFEL_TEST_PG_DIR"); dir != nullptr && *dir != '\0') {
        const std::string url = read_first_line(std::filesystem::path(dir) / "url");
        if (url.empty())
            throw std::runtime_error(fmt::format("TAFEL_TEST_PG_DIR={}: no url file; did the CTest fixture "
                                                 "storage_pg_server_start run?", dir));
        return url;
    }
    static const OwnServer server; // started on first use, stopped at exit
    return server.url();
}

} // namespace

const std::string& pg_server_url() {
    static const std::string url = find_server_url();
    return url;
}

TestDatabase::TestDatabase(Backend backend) : backend_(backend) {
    if (backend == Backend::sqlite) {
        url_ = sqlite_url_in(dir_.path());
        return;
    }
    const std::string& server = pg_server_url();
    const std::string name = "tafel_test_" + random_hex_id(8);
    auto admin = PgDb::connect(server);
    if (!admin) throw std::runtime_error(admin.error().describe());
    if (auto ok = admin->exec(fmt::format("CREATE DATABASE {}", name)); !ok)
        throw std::runtime_error(ok.error().describe());
    const auto slash = server.rfind('/');
    url_ = server.substr(0, slash + 1) + name;
}

} // namespace tafel::storage::test
