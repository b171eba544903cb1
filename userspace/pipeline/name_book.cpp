#include "pipeline/name_book.h"

namespace egresswatch {

int host_source_rank(std::string_view source) {
    if (source == kHostSourceHttp || source == kHostSourceSni) return 3;
    if (source == kHostSourceDnsSameProcess) return 2;
    if (source == kHostSourceDnsAny) return 1;
    return 0;
}

void NameBook::Table::put(const IpAddress& address, const std::string& name, std::uint64_t serial, std::size_t cap) {
    names[address] = {name, serial};
    order.emplace_back(address, serial);
    while (names.size() > cap && !order.empty()) {
        auto [oldest, oldest_serial] = order.front();
        order.pop_front();
        // A later answer for the same address re-queued it: only its last entry counts.
        auto it = names.find(oldest);
        if (it != names.end() && it->second.second == oldest_serial) names.erase(it);
    }
    // Re-learned addresses leave stale queue entries behind: dropped once they outnumber the live
    // ones, so the queue is never more than twice the table. Against the cap instead, one address
    // answered for ever new names (a DNS storm, bench/soak.sh) grew it to 131k entries, 4 MB.
    if (order.size() > 2 * names.size() + 16) {
        std::deque<std::pair<IpAddress, std::uint64_t>> live;
        for (const auto& entry : order) {
            auto it = names.find(entry.first);
            if (it != names.end() && it->second.second == entry.second) live.push_back(entry);
        }
        order.swap(live);
    }
}

const std::string* NameBook::Table::find(const IpAddress& address) const {
    auto it = names.find(address);
    return it == names.end() ? nullptr : &it->second.first;
}

void NameBook::learn(std::uint32_t pid, const IpAddress& address, const std::string& name) {
    IpAddress key = address.unmapped();
    ++serial_;
    auto [it, inserted] = by_process_.try_emplace(pid);
    if (inserted) {
        process_order_.push_back(pid);
        if (process_order_.size() > limits_.processes) {
            by_process_.erase(process_order_.front());
            process_order_.pop_front();
        }
    }
    if (auto table = by_process_.find(pid); table != by_process_.end())
        table->second.put(key, name, serial_, limits_.names_per_process);
    any_.put(key, name, serial_, limits_.names_any);
}

std::optional<NamedHost> NameBook::lookup(std::uint32_t pid, const IpAddress& address) const {
    IpAddress key = address.unmapped();
    if (auto table = by_process_.find(pid); table != by_process_.end())
        if (const std::string* name = table->second.find(key)) return NamedHost{*name, kHostSourceDnsSameProcess};
    if (const std::string* name = any_.find(key)) return NamedHost{*name, kHostSourceDnsAny};
    return std::nullopt;
}

}  // namespace egresswatch
