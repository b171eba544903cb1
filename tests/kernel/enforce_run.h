#pragma once
// The fixture the --enforce tests share: `egresswatch run --enforce` on an allowlist the test
// writes, inside with_resolver() so that the resolver it trusts is the test dnsmasq, as the
// machine's resolver would be in real use; and a probe that prints what a connect got.
#include <string>
#include <vector>

#include "named_hosts_run.h"

namespace egresswatch::test {

// Connects to HOST PORT (a name is resolved first, in the given family) and prints
// "HOST PORT ok" or "HOST PORT errno".
inline const char* kProbe = R"(import socket, sys
family = socket.AF_INET6 if len(sys.argv) > 3 and sys.argv[3] == "6" else socket.AF_INET
host, port = sys.argv[1], int(sys.argv[2])
try:
    address = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)[0][4]
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(address)
    print(host, port, "ok")
except OSError as e:
    print(host, port, e.errno)
)";

inline constexpr int kEperm = 1;

class Enforce : public NamedHostsRun {
protected:
    void SetUp() override {
        NamedHostsRun::SetUp();
        if (HasFatalFailure() || IsSkipped()) return;
        probe_ = file("probe.py", kProbe);
    }

    // A probe command line for `run`'s shell.
    std::string probe(const std::string& host, int port, int family = 4) const {
        return "/usr/bin/python3 " + probe_ + " " + host + " " + std::to_string(port) + " " + std::to_string(family);
    }

    // `egresswatch run --quiet --out OUT --enforce ALLOWLIST OPTIONS -- sh -c COMMAND`, itself
    // inside with_resolver().
    CommandResult enforce(const std::string& allowlist_yaml, const std::string& command,
                          std::vector<std::string> options = {}) {
        out_ = dir_ + "/out" + std::to_string(runs_++);
        std::string allowlist = file("allow" + std::to_string(runs_) + ".yaml", allowlist_yaml);
        std::string line = std::string(EGRESSWATCH_BINARY) + " run --quiet --out " + out_ + " --enforce " + allowlist;
        for (const auto& o : options) line += " " + shell_quote(o);
        line += " -- /bin/sh -c " + shell_quote(command);
        if (!outside_.empty()) line = outside_ + "; " + line + "; status=$?; wait; exit $status";
        auto r = sh(hosts_->with_resolver(line), std::chrono::seconds(90));
        stderr_ = r.err;
        return r;
    }

    std::vector<json> blocked() const {
        std::vector<json> out;
        for (const auto& e : read_events(out_))
            if (e.value("type", "") == "blocked") out.push_back(e);
        return out;
    }

    std::string probe_;
    // Shell commands run before egresswatch, outside the run (what they start in the
    // background is waited for after it).
    std::string outside_;
};

inline std::string host_entry(const std::string& host, int port, const std::string& proto = "tcp") {
    return "  - host: \"" + host + "\"\n    port: " + std::to_string(port) + "\n    proto: " + proto + "\n";
}

inline std::string address_entry(const std::string& address, int port) {
    return "  - addresses: [\"" + address + "\"]\n    port: " + std::to_string(port) + "\n    proto: tcp\n";
}

inline const std::string kHeader = "version: 1\ndestinations:\n";

}  // namespace egresswatch::test
