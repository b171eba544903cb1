#include "report/aggregator.h"

#include <algorithm>
#include <tuple>

#include "allowlist/image_reference.h"
#include "egresswatch/abi.h"
#include "pipeline/name_book.h"

namespace egresswatch {

std::size_t DestinationKeyHash::operator()(const DestinationKey& k) const noexcept {
    // FNV-1a over the bytes that matter.
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&h](std::uint8_t b) { h = (h ^ b) * 1099511628211ull; };
    for (std::uint8_t b : k.address.bytes) mix(b);
    mix(static_cast<std::uint8_t>(k.address.family));
    mix(static_cast<std::uint8_t>(k.port >> 8));
    mix(static_cast<std::uint8_t>(k.port));
    mix(k.protocol);
    for (int shift = 0; shift < 32; shift += 8) mix(static_cast<std::uint8_t>(k.host >> shift));
    return static_cast<std::size_t>(h);
}

std::string destination_label(const DestinationKey& key) {
    std::string addr =
        key.address.family == Family::ipv6 ? "[" + key.address.to_string() + "]" : key.address.to_string();
    return addr + port_and_protocol_label(key.port, key.protocol);
}

ProcessUse& ProcessUses::add(ProcessUse use) {
    if (!has_one_ && !many_) {
        one_ = std::move(use);
        has_one_ = true;
        return one_;
    }
    if (!many_) {
        many_ = std::make_unique<std::vector<ProcessUse>>();
        many_->push_back(std::move(one_));
        one_ = {};
        has_one_ = false;
    }
    return many_->emplace_back(std::move(use));
}

namespace {

const BoundedIdSet kNoIds;

}  // namespace

const BoundedIdSet& DestinationStats::images() const { return workloads ? workloads->images : kNoIds; }
const BoundedIdSet& DestinationStats::containers() const { return workloads ? workloads->containers : kNoIds; }

namespace {

DestinationWorkloads& workloads_of(DestinationStats& d) {
    if (!d.workloads) d.workloads = std::make_unique<DestinationWorkloads>();
    return *d.workloads;
}

DestinationStats& entry_in(Aggregator::DestinationMap& map, const DestinationKey& key, std::int64_t ts_ns) {
    auto [it, inserted] = map.try_emplace(key);
    DestinationStats& d = it->second;
    if (inserted) {
        d.scope = classify(key.address);
        d.first_seen_ns = ts_ns;
        d.host = key.host;
    }
    d.first_seen_ns = std::min(d.first_seen_ns, ts_ns);
    d.last_seen_ns = std::max(d.last_seen_ns, ts_ns);
    return d;
}

}  // namespace

DestinationStats& Aggregator::destination(const DestinationKey& key, std::int64_t ts_ns) {
    DestinationStats& d = entry_in(destinations_, key, ts_ns);
    if (!d.first_host)
        d.first_host = session_host_;
    else if (session_host_ && session_host_ != d.first_host)
        workloads_of(d).other_hosts.insert(session_host_, kMaxHostsPerDestination - 1);
    return d;
}

void Aggregator::on_start(const SessionStart& s) {
    if (sessions_++) {
        for (const auto& [reason, count] : loss_.reasons) earlier_loss_.reasons[reason] += count;
        earlier_loss_.ts_ns = std::max(earlier_loss_.ts_ns, loss_.ts_ns);
        loss_ = {};
        stop_.reset();
    }
    start_ = s;
    session_host_ = s.hostname.empty() ? 0 : names_.intern(s.hostname);
    if (session_host_) hosts_.insert(session_host_, kMaxHostsPerDestination);
}

LossRecord Aggregator::loss() const {
    LossRecord all = earlier_loss_;
    for (const auto& [reason, count] : loss_.reasons) all.reasons[reason] += count;
    all.ts_ns = std::max(all.ts_ns, loss_.ts_ns);
    return all;
}

std::vector<std::string> Aggregator::hosts() const { return names(hosts_); }

std::vector<std::string> Aggregator::seen_on(const DestinationStats& d) const {
    if (hosts_.ids().size() < 2 || !d.first_host) return {};
    std::vector<std::string> out = d.workloads ? names(d.workloads->other_hosts) : std::vector<std::string>{};
    out.push_back(names_.at(d.first_host));
    std::sort(out.begin(), out.end());
    return out;
}

ProcessUse& Aggregator::use_in(DestinationStats& d, std::uint32_t exe_id, std::uint32_t pid, std::uint32_t comm_id) {
    auto found =
        std::find_if(d.processes.begin(), d.processes.end(), [&](const ProcessUse& u) { return u.exe == exe_id; });
    if (found == d.processes.end()) {
        ProcessUse fresh;
        fresh.exe = exe_id;
        found = &d.processes.add(std::move(fresh));
    }
    found->pids.insert(pid, kMaxPidsPerDestination);
    if (comm_id) found->comms.insert(comm_id, kMaxPidsPerDestination);
    return *found;
}

void Aggregator::count_use(DestinationStats& d, const std::string& exe, std::uint32_t pid, const std::string& comm,
                           std::uint64_t count) {
    std::uint32_t exe_id = names_.intern(exe);
    std::uint32_t comm_id = comm.empty() ? 0 : names_.intern(comm);
    use_in(d, exe_id, pid, comm_id).count += count;

    ProcessStats& p = processes_[exe_id];
    p.pids.insert(pid, kMaxPidsPerProcess);
    if (comm_id) p.comms.insert(comm_id, kMaxPidsPerProcess);
    p.connections += count;
}

DestinationKey Aggregator::key_for(const IpAddress& address, std::uint16_t port, std::uint8_t protocol,
                                   const std::optional<std::string>& host, const std::string& exe) {
    DestinationKey endpoint{address.unmapped(), port, protocol, 0};
    if (host) {
        DestinationKey key = endpoint;
        key.host = names_.intern(*host);
        auto& hosts = hosts_at_[endpoint];
        if (std::find(hosts.begin(), hosts.end(), key.host) == hosts.end()) hosts.push_back(key.host);
        return key;
    }
    auto it = hosts_at_.find(endpoint);
    if (it == hosts_at_.end()) return endpoint;
    for (std::uint32_t host : it->second) {
        DestinationKey key = endpoint;
        key.host = host;
        auto d = destinations_.find(key);
        if (d != destinations_.end() && use_by(d->second, exe)) return key;
    }
    return endpoint;
}

void Aggregator::on_connection(const ConnectionRecord& r) {
    if (r.verdict == Verdict::blocked) {
        on_blocked(r);
        return;
    }
    DestinationKey key{r.address.unmapped(), r.port, r.protocol, 0};
    if (r.host) key = key_for(r.address, r.port, r.protocol, r.host, r.process.exe);
    DestinationStats& d = destination(key, r.ts_ns);
    if (r.kind == SockEventKind::connect) {
        ++d.connects;
        ++counts_.connect;
    } else {
        ++d.sends;
        ++counts_.send;
    }
    if (r.verdict == Verdict::unverified) {
        ++d.unverified;
        ++counts_.unverified;
    }
    if (r.host && !d.host_source) d.host_source = names_.intern(r.host_source.value_or(""));
    count_use(d, r.process.exe, r.process.pid, r.process.comm, 1);
    note_workload(d, r.process);
}

std::vector<std::string> Aggregator::images_of(const DestinationStats& d) const {
    if (d.containers().ids().empty() || d.images().truncated()) return {};
    return names(d.images());
}

const std::string& Aggregator::image_of_container(std::uint32_t name_id) const {
    auto it = container_images_.find(name_id);
    return names_.at(it == container_images_.end() ? 0 : it->second);
}

void Aggregator::note_workload(DestinationStats& d, const ProcessRef& process) {
    const auto& c = process.container;
    if (!c && !d.workloads) {
        d.reached_from_host = true;  // nothing to allocate until a container comes too
        return;
    }
    bool made = !d.workloads;
    DestinationWorkloads& w = workloads_of(d);
    if (made && d.reached_from_host)
        w.images.insert(names_.intern(workload_image(false, "")), kMaxImagesPerDestination);
    std::uint32_t image = names_.intern(workload_image(c.has_value(), c ? c->image : ""));
    w.images.insert(image, kMaxImagesPerDestination);
    if (!c) return;
    std::uint32_t name = names_.intern(c->name.empty() ? c->id.substr(0, 12) : c->name);
    w.containers.insert(name, kMaxImagesPerDestination);
    container_images_[name] = image;
}

// Kept out of destinations_, hosts_at_ and processes_: a refused attempt must neither
// become an allowlist entry, nor name a later connect, nor count as a connection made.
void Aggregator::on_blocked(const ConnectionRecord& r) {
    ++counts_.blocked;
    DestinationKey key{r.address.unmapped(), r.port, r.protocol, r.host ? names_.intern(*r.host) : 0};
    DestinationStats& d = entry_in(blocked_, key, r.ts_ns);
    ++(r.kind == SockEventKind::connect ? d.connects : d.sends);
    if (r.host && !d.host_source) d.host_source = names_.intern(r.host_source.value_or(""));
    std::uint32_t comm_id = r.process.comm.empty() ? 0 : names_.intern(r.process.comm);
    ++use_in(d, names_.intern(r.process.exe), r.process.pid, comm_id).count;
}

void Aggregator::on_repeat(const RepeatRecord& r) {
    for (const RepeatCount& c : r.destinations) {
        DestinationKey key = key_for(c.address, c.port, c.protocol, std::nullopt, r.exe);
        DestinationStats& d = destination(key, r.ts_ns);
        if (r.kind == SockEventKind::connect) {
            d.connects += c.count;
            d.connect_repeats += c.count;
        } else {
            d.repeats += c.count;
        }
        count_use(d, r.exe, r.pid, r.comm, c.count);
    }
}

void Aggregator::on_loss(const LossRecord& r) {
    // Loss records are cumulative: keep the largest count seen for each reason.
    for (const auto& [reason, count] : r.reasons) loss_.reasons[reason] = std::max(loss_.reasons[reason], count);
    loss_.ts_ns = std::max(loss_.ts_ns, r.ts_ns);
}

void Aggregator::set_kernel_counts(const EventCounts& counts) {
    counts_.fork = counts.fork;
    counts_.undecodable = counts.undecodable;
}

void Aggregator::note_named(const ProcessRef& process, const IpAddress& address, std::uint16_t port,
                            const std::optional<std::string>& host, std::string_view source, std::int64_t ts_ns) {
    if (!host) return;
    // TLS and HTTP are only parsed on TCP flows.
    DestinationKey key = key_for(address, port, EW_IPPROTO_TCP, host, process.exe);
    bool known = destinations_.contains(key);
    DestinationStats& d = destination(key, ts_ns);
    if (!known) d.host_source = names_.intern(source);
    // The connect itself was only counted in the kernel: list the process, count nothing.
    if (!use_by(d, process.exe)) count_use(d, process.exe, process.pid, process.comm, 0);
    note_workload(d, process);
}

void Aggregator::on_tls_end(const TlsEndRecord& r) {
    ++counts_.tls_end;
    if (!r.not_visible) return;
    ++counts_.https_not_visible;
    // Bounded: a reason per runtime, an exe per program; past this many pairs, one bucket.
    constexpr std::size_t kMaxPairs = 1024;
    NotVisibleKey key{r.process.exe.empty() ? r.process.comm : r.process.exe, *r.not_visible};
    if (https_not_visible_.size() >= kMaxPairs && !https_not_visible_.contains(key)) key = {"(others)", key.second};
    ++https_not_visible_[key];
}

void Aggregator::on_tls(const TlsRecord& r) {
    ++counts_.tls;
    note_named(r.process, r.address, r.port, r.sni, kHostSourceSni, r.ts_ns);
}

void Aggregator::on_http(const HttpRecord& r) {
    ++counts_.http;
    if (r.hpack_desync) ++counts_.http_hpack_desync;
    if (!r.tls) note_named(r.process, r.address, r.port, r.host, kHostSourceHttp, r.ts_ns);
    EndpointKey key{r.host.value_or(r.address.to_string()), r.port, r.tls, r.method, r.path};
    auto [it, inserted] = endpoints_.try_emplace(std::move(key));
    EndpointStats& e = it->second;
    if (inserted) {
        e.first_seen_ns = r.ts_ns;
        e.file_type = r.file_type;
    }
    ++e.count;
    ++e.statuses[r.status.value_or(0)];
    if (r.response_time_ms) {
        double ms = *r.response_time_ms;
        e.min_ms = e.timed ? std::min(e.min_ms, ms) : ms;
        e.max_ms = e.timed ? std::max(e.max_ms, ms) : ms;
        ++e.timed;
        if (e.latencies_ms.size() < kMaxLatencySamples) e.latencies_ms.push_back(ms);
    }
    if (r.response_bytes) e.response_bytes += *r.response_bytes;
    if (!r.process.exe.empty()) e.exes.insert(names_.intern(r.process.exe), kMaxPidsPerDestination);
}

std::string endpoint_url(const EndpointKey& key) {
    bool default_port = key.port == (key.tls ? 443 : 80);
    bool literal_v6 = key.host.find(':') != std::string::npos;
    std::string host = literal_v6 ? "[" + key.host + "]" : key.host;
    return std::string(key.tls ? "https://" : "http://") + host + (default_port ? "" : ":" + std::to_string(key.port)) +
           key.path;
}

std::optional<double> EndpointStats::median_ms() const {
    if (latencies_ms.empty()) return std::nullopt;
    std::vector<double> sorted = latencies_ms;
    std::size_t mid = sorted.size() / 2;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(mid), sorted.end());
    if (sorted.size() % 2) return sorted[mid];
    double upper = sorted[mid];
    double lower = *std::max_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(mid));
    return (lower + upper) / 2;
}

std::vector<Aggregator::DestinationMap::const_pointer> Aggregator::sorted_destinations() const {
    return sorted(destinations_);
}

std::vector<Aggregator::DestinationMap::const_pointer> Aggregator::sorted_blocked() const { return sorted(blocked_); }

std::vector<Aggregator::DestinationMap::const_pointer> Aggregator::sorted(const DestinationMap& map) const {
    std::vector<DestinationMap::const_pointer> out;
    out.reserve(map.size());
    for (const auto& entry : map) out.push_back(&entry);
    // By address, then by name: pool ids depend on arrival order, names do not.
    std::sort(out.begin(), out.end(), [this](auto a, auto b) {
        const DestinationKey &x = a->first, &y = b->first;
        return std::tie(x.address, x.port, x.protocol, names_.at(x.host)) <
               std::tie(y.address, y.port, y.protocol, names_.at(y.host));
    });
    return out;
}

std::map<std::string, const ProcessStats*> Aggregator::processes() const {
    std::map<std::string, const ProcessStats*> out;
    for (const auto& [exe, stats] : processes_) out.emplace(names_.at(exe), &stats);
    return out;
}

std::map<std::string, std::vector<DestinationKey>> Aggregator::destinations_by_process() const {
    std::map<std::string, std::vector<DestinationKey>> out;
    for (auto entry : sorted_destinations())
        for (const ProcessUse& use : entry->second.processes) out[names_.at(use.exe)].push_back(entry->first);
    return out;
}

std::vector<const ProcessUse*> Aggregator::sorted_uses(const DestinationStats& d) const {
    std::vector<const ProcessUse*> out;
    for (const ProcessUse& u : d.processes) out.push_back(&u);
    std::sort(out.begin(), out.end(), [this](auto a, auto b) { return names_.at(a->exe) < names_.at(b->exe); });
    return out;
}

std::vector<std::string> Aggregator::names(const BoundedIdSet& ids) const {
    std::vector<std::string> out;
    for (std::uint32_t id : ids.ids()) out.push_back(names_.at(id));
    std::sort(out.begin(), out.end());
    return out;
}

const ProcessUse* Aggregator::use_by(const DestinationStats& d, const std::string& exe) const {
    for (const ProcessUse& u : d.processes)
        if (names_.at(u.exe) == exe) return &u;
    return nullptr;
}

}  // namespace egresswatch
