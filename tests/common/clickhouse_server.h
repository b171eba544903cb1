#pragma once
// A real ClickHouse (Debian's clickhouse-server) for a test: on loopback, on ports nobody holds,
// with its data in a directory of the test's, so it can be stopped and started again on the
// same data.

#include <sys/types.h>

#include <string>

namespace egresswatch::test {

class ClickHouseServer {
public:
    // Picks the ports and writes the config; start() runs it.
    explicit ClickHouseServer(const std::string& dir);
    ~ClickHouseServer();
    ClickHouseServer(const ClickHouseServer&) = delete;
    ClickHouseServer& operator=(const ClickHouseServer&) = delete;

    // Empty when it answers /ping, else why not (with its log's end).
    std::string start();
    void stop();
    bool running() const { return pid_ > 0; }

    int http_port() const { return http_port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(http_port_); }
    // The answer of a query, or "ERROR: ..." when it fails.
    std::string query(const std::string& sql) const;
    static bool installed();

private:
    std::string dir_;
    int http_port_ = 0, tcp_port_ = 0;
    pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that nothing listens on now.
int free_loopback_port();

}  // namespace egresswatch::test
