#include "pipeline/kernel_counters.h"

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
    default: return "unknown";
    }
}

}  // namespace egresswatch
