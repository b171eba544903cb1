#include "clickhouse_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "subprocess.h"

namespace egresswatch::test {

constexpr const char* kServer = "/usr/sbin/clickhouse-server";

int free_loopback_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

bool ClickHouseServer::installed() { return ::access(kServer, X_OK) == 0; }

ClickHouseServer::ClickHouseServer(const std::string& dir) : dir_(dir) {
    http_port_ = free_loopback_port();
    tcp_port_ = free_loopback_port();
    // Only what 18.16 needs to serve HTTP on loopback; the users (default, no password) are
    // the package's.
    std::ofstream(dir_ + "/config.xml") << "<?xml version=\"1.0\"?>\n<yandex>\n"
                                        << "  <logger><level>warning</level><console>1</console></logger>\n"
                                        << "  <http_port>" << http_port_ << "</http_port>\n"
                                        << "  <tcp_port>" << tcp_port_ << "</tcp_port>\n"
                                        << "  <listen_host>127.0.0.1</listen_host>\n"
                                        << "  <path>" << dir_ << "/data/</path>\n"
                                        << "  <tmp_path>" << dir_ << "/tmp/</tmp_path>\n"
                                        << "  <user_files_path>" << dir_ << "/user_files/</user_files_path>\n"
                                        << "  <format_schema_path>" << dir_ << "/format_schemas/</format_schema_path>\n"
                                        << "  <users_config>/etc/clickhouse-server/users.xml</users_config>\n"
                                        << "  <default_profile>default</default_profile>\n"
                                        << "  <default_database>default</default_database>\n"
                                        << "  <mark_cache_size>5368709</mark_cache_size>\n"
                                        << "</yandex>\n";
}

ClickHouseServer::~ClickHouseServer() { stop(); }

std::string ClickHouseServer::start() {
    if (!installed()) return "no " + std::string(kServer) + ": run scripts/install-deps.sh (clickhouse-server)";
    std::string log = dir_ + "/server.log";
    pid_ = spawn_server({kServer, "--config-file=" + dir_ + "/config.xml"}, log);
    if (pid_ <= 0) return "cannot start " + std::string(kServer);
    for (int i = 0; i < 300; ++i) {
        if (query("SELECT 1") == "1\n") return {};
        if (server_exited(pid_)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::string text = read_text(log);
    stop();
    return "clickhouse-server did not answer on port " + std::to_string(http_port_) + ": " +
           text.substr(text.size() > 2000 ? text.size() - 2000 : 0);
}

void ClickHouseServer::stop() {
    if (pid_ > 0) stop_server(pid_);
}

std::string ClickHouseServer::query(const std::string& sql) const {
    CommandResult r = run_command({"/usr/bin/curl", "-sS", "--max-time", "30", "--data-binary", sql,
                                   "http://127.0.0.1:" + std::to_string(http_port_) + "/"},
                                  std::chrono::seconds(40));
    if (r.exit_code != 0 || r.out.starts_with("Code: ")) return "ERROR: " + r.out + r.err;
    return r.out;
}

}  // namespace egresswatch::test
