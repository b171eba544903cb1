#pragma once
// Serves GET /metrics on --metrics-listen (cpp-httplib, one worker thread): each scrape
// renders what the session counted at that moment. Stopped and joined when destroyed.

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "metrics/metrics_listen.h"

namespace httplib {
class Server;
}

namespace egresswatch {

class MetricsServer {
public:
    // render: called on the server's thread for each scrape. Throws SetupError, in one line,
    // if the address cannot be listened on.
    MetricsServer(const MetricsListen& listen, std::function<std::string()> render);
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    int port() const { return port_; }  // the bound port

private:
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = 0;
};

}  // namespace egresswatch
