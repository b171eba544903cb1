#include "bpf/kernel_btf.h"

#include <bpf/btf.h>
#include <spdlog/spdlog.h>

#include <memory>

namespace egresswatch {
namespace {

struct BtfDeleter {
    void operator()(btf* b) const { btf__free(b); }
};

// How many arguments a BTF-enabled tracepoint passes, or -1 if the kernel has no such
// tracepoint. Its btf_trace_<name> typedef points to the probe's prototype, whose first
// parameter is the tracepoint's private data rather than an argument.
int tracepoint_arguments(const btf* vmlinux, const char* tracepoint) {
    std::string name = std::string("btf_trace_") + tracepoint;
    int id = btf__find_by_name_kind(vmlinux, name.c_str(), BTF_KIND_TYPEDEF);
    if (id <= 0) return -1;
    const btf_type* t = btf__type_by_id(vmlinux, id);
    if (t) t = btf__type_by_id(vmlinux, t->type);
    if (!t || !btf_is_ptr(t)) return -1;
    t = btf__type_by_id(vmlinux, t->type);
    if (!t || !btf_is_func_proto(t)) return -1;
    return btf_vlen(t) - 1;
}

}  // namespace

KernelFacts read_kernel_facts() {
    KernelFacts facts;
    std::unique_ptr<btf, BtfDeleter> vmlinux(btf__load_vmlinux_btf());
    if (!vmlinux) return facts;
    facts.exit_tracepoint_passes_group_dead = tracepoint_arguments(vmlinux.get(), "sched_process_exit") >= 2;
    facts.sock_length_tracepoints = tracepoint_arguments(vmlinux.get(), "sock_send_length") >= 1 &&
                                    tracepoint_arguments(vmlinux.get(), "sock_recv_length") >= 1;
    spdlog::debug("kernel BTF: sched_process_exit {} group_dead; sock_send_length/sock_recv_length {}",
                  facts.exit_tracepoint_passes_group_dead ? "passes" : "does not pass",
                  facts.sock_length_tracepoints ? "present" : "absent");
    return facts;
}

}  // namespace egresswatch
