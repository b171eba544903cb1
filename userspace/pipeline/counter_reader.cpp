#include "pipeline/counter_reader.h"

#include <algorithm>

#include "pipeline/decoder.h"

namespace egresswatch {

const char* drop_reason_name(std::uint32_t reason) {
    switch (reason) {
    case EW_DROP_RINGBUF_CONNECT: return "ringbuf_full_connect";
    case EW_DROP_RINGBUF_SEND: return "ringbuf_full_send";
    case EW_DROP_RINGBUF_EXEC: return "ringbuf_full_exec";
    case EW_DROP_RINGBUF_FORK: return "ringbuf_full_fork";
    case EW_DROP_RINGBUF_EXIT: return "ringbuf_full_exit";
    case EW_DROP_DEDUP_FULL: return "dedup_full";
    case EW_DROP_ARGS_UNREADABLE: return "exec_args_unreadable";
    case EW_DROP_RINGBUF_PAYLOAD: return "ringbuf_full_payload";
    case EW_DROP_OWNER_STORAGE: return "socket_storage_unavailable";
    case EW_DROP_HTTP_FLOW_BUDGET: return "http_heads_over_budget";
    case EW_DROP_RINGBUF_TLS: return "ringbuf_full_tls";
    case EW_DROP_TLS_CALLS_FULL: return "tls_calls_in_flight_full";
    case EW_DROP_ENFORCE_LEARNED_FULL: return "enforce_learned_addresses_full";
    case EW_DROP_ENFORCE_DNS_UNREAD: return "enforce_dns_answer_unread";
    case EW_DROP_ENFORCE_UNRECORDED: return "enforce_refused_unrecorded";
    case EW_DROP_RINGBUF_CGROUP: return "ringbuf_full_cgroup";
    case EW_DROP_FOLLOWED_CGROUPS_FULL: return "followed_cgroups_full";
    case EW_DROP_TLS_H2_UNTRACKED: return "tls_h2_untracked";
    case EW_DROP_TLS_GO_SOCKET_UNRESOLVED: return "tls_go_socket_unresolved";
    case EW_DROP_H2C_UNTRACKED: return "h2c_untracked";
    default: return "unknown";
    }
}

void CounterReader::add_drops(std::map<std::string, std::uint64_t>& reasons) const {
    if (!source_) return;
    auto drops = source_->drop_counts();
    for (std::uint32_t r = 0; r < drops.size(); ++r)
        if (drops[r]) reasons[drop_reason_name(r)] = drops[r];
}

void CounterReader::read_repeats(std::int64_t now_ns, bool final, KernelRecordSink& out) {
    repeats_.begin_read();
    if (source_) {
        std::uint64_t undecodable = 0;
        source_->visit_flow_counters([&](const FlowCounter& c) {
            if (auto f = decode_flow_count(c))
                repeats_.add(*f);
            else
                ++undecodable;
        });
        // Every read sees the same entries again: the most seen at once, so loss never shrinks.
        undecodable_ = std::max(undecodable_, undecodable);
    }
    repeats_.end_read(now_ns, final, out);
}

}  // namespace egresswatch
