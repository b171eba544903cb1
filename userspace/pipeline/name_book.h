#pragma once
// Which name each address was given in DNS answers: per process first, since a shared CDN
// address serves many names and the one that matters is the one this process asked for,
// then for any process. Bounded: the oldest entries go first.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/ip_address.h"

namespace egresswatch {

inline constexpr std::string_view kHostSourceHttp = "http-host";
inline constexpr std::string_view kHostSourceSni = "tls-sni";
inline constexpr std::string_view kHostSourceDnsSameProcess = "dns-same-process";
inline constexpr std::string_view kHostSourceDnsAny = "dns-any";

// How much a host source is trusted: a name the client itself sent on the connection
// beats one a resolver returned for the address.
int host_source_rank(std::string_view source);

struct NamedHost {
    std::string host;
    std::string_view source;  // one of the kHostSource* constants
};

class NameBook {
public:
    struct Limits {
        std::size_t names_per_process = 4096;
        std::size_t processes = 4096;
        std::size_t names_any = 65536;
    };
    NameBook() = default;
    explicit NameBook(Limits limits) : limits_(limits) {}

    void learn(std::uint32_t pid, const IpAddress& address, const std::string& name);
    std::optional<NamedHost> lookup(std::uint32_t pid, const IpAddress& address) const;

private:
    // Insertion-ordered so that the oldest entry is evicted first.
    struct Table {
        std::map<IpAddress, std::pair<std::string, std::uint64_t>> names;
        std::deque<std::pair<IpAddress, std::uint64_t>> order;
        void put(const IpAddress& address, const std::string& name, std::uint64_t serial, std::size_t cap);
        const std::string* find(const IpAddress& address) const;
    };

    Limits limits_;
    std::uint64_t serial_ = 0;
    std::unordered_map<std::uint32_t, Table> by_process_;
    std::deque<std::uint32_t> process_order_;
    Table any_;
};

}  // namespace egresswatch
