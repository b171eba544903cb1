// The scan of raw BTF that tells which tracepoint arguments this kernel passes, on BTF made
// here byte by byte (the kernel's own is read by every kernel test and matrix boot).
#include <gtest/gtest.h>
#include <linux/btf.h>

#include <cstring>
#include <string>
#include <vector>

#include "kernel/kernel_btf.h"

using namespace egresswatch;

namespace {

// A BTF blob under construction: types get ids 1, 2, ... in the order they are added.
class BtfBuilder {
public:
    BtfBuilder() { strings_.push_back('\0'); }
    std::uint32_t name(const std::string& s) {
        auto at = static_cast<std::uint32_t>(strings_.size());
        strings_.insert(strings_.end(), s.begin(), s.end());
        strings_.push_back('\0');
        return at;
    }
    std::uint32_t add(std::uint32_t kind, std::uint32_t vlen, std::uint32_t type, const std::string& type_name = "",
                      std::size_t extra_bytes = 0) {
        btf_type t{};
        t.name_off = type_name.empty() ? 0 : name(type_name);
        t.info = kind << 24 | vlen;
        t.type = type;
        append(&t, sizeof(t));
        types_.insert(types_.end(), extra_bytes, 0);
        return ++count_;
    }
    std::uint32_t prototype(int arguments) {
        return add(BTF_KIND_FUNC_PROTO, arguments + 1, 0, "", (arguments + 1) * sizeof(btf_param));
    }
    std::string bytes() const {
        btf_header h{};
        h.magic = BTF_MAGIC;
        h.version = BTF_VERSION;
        h.hdr_len = sizeof(h);
        h.type_off = 0;
        h.type_len = static_cast<std::uint32_t>(types_.size());
        h.str_off = h.type_len;
        h.str_len = static_cast<std::uint32_t>(strings_.size());
        std::string out(reinterpret_cast<const char*>(&h), sizeof(h));
        out.append(types_.begin(), types_.end());
        out.append(strings_.begin(), strings_.end());
        return out;
    }

private:
    void append(const void* p, std::size_t n) {
        auto* b = static_cast<const char*>(p);
        types_.insert(types_.end(), b, b + n);
    }
    std::vector<char> types_, strings_;
    std::uint32_t count_ = 0;
};

// A kernel's tracepoints as BTF has them, with other kinds between them to skip.
std::string kernel_btf(int exit_arguments, bool sock_length) {
    BtfBuilder b;
    b.add(BTF_KIND_INT, 0, 4, "int", 4);
    b.add(BTF_KIND_STRUCT, 2, 8, "task_struct", 2 * sizeof(btf_member));
    b.add(BTF_KIND_ENUM64, 3, 8, "e", 3 * sizeof(btf_enum64));
    std::uint32_t exit_proto = b.prototype(exit_arguments);
    std::uint32_t exit_ptr = b.add(BTF_KIND_PTR, 0, exit_proto);
    b.add(BTF_KIND_TYPEDEF, 0, exit_ptr, "btf_trace_sched_process_exit");
    b.add(BTF_KIND_DATASEC, 1, 0, ".data", sizeof(btf_var_secinfo));
    if (sock_length) {
        std::uint32_t proto = b.prototype(3);
        std::uint32_t ptr = b.add(BTF_KIND_PTR, 0, proto);
        b.add(BTF_KIND_TYPEDEF, 0, ptr, "btf_trace_sock_send_length");
        b.add(BTF_KIND_TYPEDEF, 0, ptr, "btf_trace_sock_recv_length");
    }
    b.add(BTF_KIND_DECL_TAG, 0, 1, "tag", sizeof(btf_decl_tag));
    return b.bytes();
}

}  // namespace

TEST(KernelBtf, ReadsHowManyArgumentsEachTracepointPasses) {
    auto newest = scan_tracepoint_arity(kernel_btf(2, true));
    ASSERT_TRUE(newest);
    EXPECT_EQ(newest->sched_process_exit, 2);
    EXPECT_EQ(newest->sock_send_length, 3);
    EXPECT_EQ(newest->sock_recv_length, 3);

    auto debian12 = scan_tracepoint_arity(kernel_btf(1, false));
    ASSERT_TRUE(debian12);
    EXPECT_EQ(debian12->sched_process_exit, 1);
    EXPECT_EQ(debian12->sock_send_length, -1) << "no such tracepoint";
    EXPECT_EQ(debian12->sock_recv_length, -1);
}

TEST(KernelBtf, WhatItCannotReadIsNotGuessedAt) {
    std::string good = kernel_btf(2, true);
    EXPECT_FALSE(scan_tracepoint_arity(""));
    EXPECT_FALSE(scan_tracepoint_arity(good.substr(0, 20))) << "shorter than its header";
    EXPECT_FALSE(scan_tracepoint_arity(good.substr(0, good.size() - 10))) << "sections past its end";
    std::string wrong_magic = good;
    wrong_magic[0] ^= 0xff;
    EXPECT_FALSE(scan_tracepoint_arity(wrong_magic));
    BtfBuilder unknown_kind;
    unknown_kind.add(31, 0, 0);
    EXPECT_FALSE(scan_tracepoint_arity(unknown_kind.bytes())) << "a kind whose size is unknown cannot be skipped";
}
