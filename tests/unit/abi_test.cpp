#include <gtest/gtest.h>

#include <cstddef>

#include "egresswatch/abi.h"
#include "pipeline/counter_reader.h"

// The BPF side and the decoder agree on layout only if these hold. Both are built from this
// abi.h into one binary (the BPF objects are embedded as skeletons), so they cannot be out of
// step at run time; but clang lays the structs out for the BPF target and the host compiler
// for userspace, and pinned sizes catch a layout the two would compute differently (an
// implicit hole, a field whose width differs).
TEST(Abi, StructSizesAreFixed) {
    EXPECT_EQ(sizeof(ew_event_header), 48u);
    EXPECT_EQ(sizeof(ew_sock_event), 80u);
    EXPECT_EQ(sizeof(ew_exec_event), 1872u);
    EXPECT_EQ(sizeof(ew_fork_event), 56u);
    EXPECT_EQ(sizeof(ew_exit_event), 56u);
    EXPECT_EQ(sizeof(ew_flow_key), 40u);
    EXPECT_EQ(sizeof(ew_flow_value), 8u);
}

TEST(Abi, LargestFieldsFirstAndNoHoles) {
    EXPECT_EQ(offsetof(ew_event_header, ts_ns), 0u);
    EXPECT_EQ(offsetof(ew_event_header, cgroup_id), 8u);
    EXPECT_EQ(offsetof(ew_event_header, type), 16u);
    EXPECT_EQ(offsetof(ew_event_header, comm), 32u);
    EXPECT_EQ(offsetof(ew_sock_event, cookie), 48u);
    EXPECT_EQ(offsetof(ew_sock_event, addr), 56u);
    EXPECT_EQ(offsetof(ew_sock_event, port), 72u);
    EXPECT_EQ(offsetof(ew_sock_event, family), 74u);
    EXPECT_EQ(offsetof(ew_sock_event, protocol), 76u);
    EXPECT_EQ(offsetof(ew_exec_event, filename), 80u);
    EXPECT_EQ(offsetof(ew_exec_event, exe_ino), 48u);
    EXPECT_EQ(offsetof(ew_exec_event, exe), 80u + 2 * EW_FILENAME_LEN);
    EXPECT_EQ(offsetof(ew_exec_event, args), 80u + 3 * EW_FILENAME_LEN);
    EXPECT_EQ(offsetof(ew_flow_key, tgid), 24u);
    EXPECT_EQ(offsetof(ew_flow_key, kind), 33u);
}

TEST(Abi, DropReasonsAreDense) {
    EXPECT_EQ(EW_DROP_H2C_UNTRACKED + 1, EW_DROP__COUNT);
    for (std::uint32_t reason = 0; reason < EW_DROP__COUNT; ++reason)
        EXPECT_STRNE(egresswatch::drop_reason_name(reason), "unknown") << reason;
}

TEST(Abi, TlsEventLayout) {
    EXPECT_EQ(sizeof(ew_tls_data_event), 1128u);
    EXPECT_EQ(offsetof(ew_tls_data_event, session), 48u);
    EXPECT_EQ(offsetof(ew_tls_data_event, cookie), 56u);
    EXPECT_EQ(offsetof(ew_tls_data_event, offset), 64u);
    EXPECT_EQ(offsetof(ew_tls_data_event, length), 88u);
    EXPECT_EQ(offsetof(ew_tls_data_event, piece), 102u);
    EXPECT_EQ(offsetof(ew_tls_data_event, data), 104u);
    EXPECT_EQ(sizeof(ew_tls_bind_event), 88u);
    EXPECT_EQ(sizeof(ew_libs_changed_event), 48u);
}

TEST(Abi, CgroupEventLayout) {
    EXPECT_EQ(sizeof(ew_cgroup_event), 584u);
    EXPECT_EQ(offsetof(ew_cgroup_event, cgroup_id), 48u);
    EXPECT_EQ(offsetof(ew_cgroup_event, parent_id), 56u);
    EXPECT_EQ(offsetof(ew_cgroup_event, path_truncated), 64u);
    EXPECT_EQ(offsetof(ew_cgroup_event, path), 72u);
}

TEST(Abi, PayloadEventLayout) {
    EXPECT_EQ(sizeof(ew_payload_event), 1120u);
    EXPECT_EQ(offsetof(ew_payload_event, cookie), 48u);
    EXPECT_EQ(offsetof(ew_payload_event, tcp_seq), 72u);
    EXPECT_EQ(offsetof(ew_payload_event, captured), 80u);
    EXPECT_EQ(offsetof(ew_payload_event, data), 96u);
    EXPECT_EQ(EW_PAYLOAD_MAX & (EW_PAYLOAD_MAX - 1), 0) << "the BPF side masks with EW_PAYLOAD_MAX - 1";
}
