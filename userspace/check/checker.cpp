#include "check/checker.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "check/http.h"
#include "check/net.h"
#include "check/tls.h"

namespace egresswatch::check {
namespace {

std::string duration_text(std::chrono::milliseconds d) {
    if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
    return std::to_string(d.count()) + "ms";
}

std::string days_text(int days) { return std::to_string(days) + (days == 1 ? " day" : " days"); }

std::string join(const std::vector<std::string>& parts, const char* sep) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
    return out;
}

// Checks one destination: each step in plan order, stopping at the first failure.
class DestinationCheck {
public:
    DestinationCheck(const CheckTarget& target, const CheckOptions& options, const TlsClient& tls)
        : options_(options), tls_(tls), start_(Clock::now()), deadline_(start_ + options.timeout) {
        d_.target = target;
        for (CheckStep s : plan_steps(target)) {
            StepResult r;
            r.step = s;
            d_.steps.push_back(r);
        }
    }

    DestinationResult run() {
        if (!d_.target.not_checked.empty()) {
            d_.note = d_.target.not_checked;
            return finish();
        }
        d_.note = d_.target.narrowed;
        std::vector<IpAddress> candidates = d_.target.addresses;
        if (has(CheckStep::dns)) {
            if (!resolve_host()) return finish();
            candidates = d_.resolved;
        }
        if (d_.target.proto == CheckProto::udp) {
            d_.note = "udp not actively checked" + (d_.note.empty() ? "" : "; " + d_.note);
            return finish();
        }
        Socket socket = connect_any(candidates);
        if (!socket.valid()) return finish();
        PlainStream plain(socket.fd());
        ByteStream* stream = &plain;
        std::unique_ptr<TlsStream> tls;
        if (has(CheckStep::tls)) {
            tls = std::make_unique<TlsStream>(tls_, socket.fd());
            if (!handshake(*tls)) return finish();
            stream = tls.get();
        }
        if (has(CheckStep::http)) ask_http(*stream);
        return finish();
    }

private:
    bool has(CheckStep s) const {
        return std::any_of(d_.steps.begin(), d_.steps.end(), [s](const StepResult& r) { return r.step == s; });
    }
    StepResult& step(CheckStep s) {
        return *std::find_if(d_.steps.begin(), d_.steps.end(), [s](const StepResult& r) { return r.step == s; });
    }
    // Marks a step as run, with its time since 'began'. A step that succeeded after the
    // destination's budget ran out is a timeout all the same: on loopback a connect or a
    // handshake can finish without ever waiting, so no wait noticed the deadline.
    StepResult& done(CheckStep s, Clock::time_point began, CheckStatus status, std::string detail) {
        StepResult& r = step(s);
        auto now = Clock::now();
        r.ran = true;
        r.status = status;
        r.detail = std::move(detail);
        r.time = std::chrono::duration_cast<std::chrono::microseconds>(now - began);
        if (status != CheckStatus::critical && now > deadline_) {
            r.status = CheckStatus::critical;
            r.detail = timed_out();
        }
        return r;
    }
    static bool passed(const StepResult& r) { return r.status != CheckStatus::critical; }
    std::string timed_out() const { return "timed out (--timeout " + duration_text(options_.timeout) + ")"; }

    bool resolve_host() {
        auto began = Clock::now();
        Resolution r = resolve(d_.target.host);
        if (!r.error.empty()) {
            done(CheckStep::dns, began, CheckStatus::critical, "cannot resolve " + d_.target.host + ": " + r.error);
            return false;
        }
        d_.resolved = r.addresses;
        // getaddrinfo cannot be given a deadline: done() says when it overran the budget.
        std::vector<std::string> texts;
        for (const auto& a : r.addresses) texts.push_back(a.to_string());
        return passed(done(CheckStep::dns, began, CheckStatus::ok, join(texts, ", ")));
    }

    // The first address, in order, that accepts. Another is tried only while budget is left.
    Socket connect_any(const std::vector<IpAddress>& candidates) {
        auto began = Clock::now();
        std::vector<std::string> failures;
        for (const auto& address : candidates) {
            Connected c = tcp_connect(address, d_.target.port, deadline_);
            if (c.socket.valid()) {
                d_.connected = address;
                if (!passed(done(CheckStep::tcp, began, CheckStatus::ok, address.to_string()))) return Socket();
                return std::move(c.socket);
            }
            failures.push_back(address.to_string() + ": " + (c.timed_out ? timed_out() : c.error));
            if (c.timed_out) break;
        }
        done(CheckStep::tcp, began, CheckStatus::critical,
             failures.empty() ? "no address to connect to" : join(failures, ", "));
        return Socket();
    }

    bool handshake(TlsStream& tls) {
        auto began = Clock::now();
        std::string name = d_.target.host.empty() ? d_.connected->to_string() : d_.target.host;
        Handshake h = tls.handshake(name, deadline_);
        if (!h.ok) {
            done(CheckStep::tls, began, CheckStatus::critical, h.timed_out ? timed_out() : h.error);
            return false;
        }
        d_.cert_days_left = h.days_left;
        if (h.days_left && *h.days_left < options_.warn_days)
            return passed(done(CheckStep::tls, began, CheckStatus::warning,
                               "certificate expires in " + days_text(*h.days_left) + " (--warn-days " +
                                   std::to_string(options_.warn_days) + ")"));
        return passed(done(CheckStep::tls, began, CheckStatus::ok,
                           h.version + (h.days_left ? ", certificate expires in " + days_text(*h.days_left) : "")));
    }

    void ask_http(ByteStream& stream) {
        auto began = Clock::now();
        bool tls = has(CheckStep::tls);
        std::string host = d_.target.host;
        if (host.empty())
            host = d_.connected->family == Family::ipv6 ? "[" + d_.connected->to_string() + "]"
                                                        : d_.connected->to_string();
        if (d_.target.port != (tls ? 443 : 80)) host += ":" + std::to_string(d_.target.port);
        HttpAnswer a = http_head(stream, host, deadline_);
        if (a.ok)
            done(CheckStep::http, began, CheckStatus::ok, a.status_line);
        else
            done(CheckStep::http, began, CheckStatus::critical, a.timed_out ? timed_out() : a.error);
    }

    DestinationResult finish() {
        d_.time = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start_);
        if (options_.warn_time && d_.time > *options_.warn_time && d_.status() == CheckStatus::ok) {
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d_.time);
            d_.warnings.push_back("slow: " + std::to_string(ms.count()) + "ms (--warn-time " +
                                  duration_text(*options_.warn_time) + ")");
        }
        return std::move(d_);
    }

    const CheckOptions& options_;
    const TlsClient& tls_;
    Clock::time_point start_;
    Deadline deadline_;
    DestinationResult d_;
};

}  // namespace

std::vector<DestinationResult> run_checks(const std::vector<CheckTarget>& targets, const CheckOptions& options) {
    TlsClient tls(options.ca_file);
    std::vector<DestinationResult> results(targets.size());
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t i = next++; i < targets.size(); i = next++)
            results[i] = DestinationCheck(targets[i], options, tls).run();
    };
    // --parallel is 1 or more (cli/app.cpp checks it); this thread is a worker in any case.
    std::size_t workers = std::min<std::size_t>(options.parallel, targets.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < workers; ++i) threads.emplace_back(worker);
    worker();  // this thread is one of them
    for (auto& t : threads) t.join();
    return results;
}

}  // namespace egresswatch::check
