#include "metrics/metrics_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "base/errors.h"

namespace egresswatch {

MetricsServer::MetricsServer(const MetricsListen& listen, std::function<std::string()> render)
    : server_(std::make_unique<httplib::Server>()) {
    // One scraper at a time is the norm: one worker, not a pool sized by the host's cores.
    server_->new_task_queue = [] { return new httplib::ThreadPool(1); };
    // httplib's default adds SO_REUSEPORT, with which a second agent on the same port would
    // silently share it, and scrapes would go to either. SO_REUSEADDR only: a restart can
    // listen again at once, and a port in use is refused.
    server_->set_socket_options([](int sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    server_->Get("/metrics", [render = std::move(render)](const httplib::Request&, httplib::Response& res) {
        res.set_content(render(), "text/plain; version=0.0.4; charset=utf-8");
    });
    server_->Get("/", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("egresswatch: metrics are at /metrics\n", "text/plain");
    });
    errno = 0;
    // Port 0 (tests): any free port, which port() then says.
    port_ = listen.port ? (server_->bind_to_port(listen.address, listen.port) ? listen.port : -1)
                        : server_->bind_to_any_port(listen.address);
    if (port_ <= 0) {
        int err = errno;
        throw SetupError("--metrics-listen " + listen.text() + ": cannot listen there" +
                         (err ? " (" + std::string(std::strerror(err)) + ")" : std::string()) +
                         ": choose a free port and an address of this host");
    }
    thread_ = std::thread([this] { server_->listen_after_bind(); });
}

MetricsServer::~MetricsServer() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
}

}  // namespace egresswatch
