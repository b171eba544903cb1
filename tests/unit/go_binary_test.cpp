// Finding crypto/tls.(*Conn).Write and Read, and every return in them, in real Go binaries
// built here with Debian's Go (offline, GOPATH mode).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <tuple>

#include "common/subprocess.h"
#include "system/go_binary.h"
#include "system/go_pclntab.h"

namespace egresswatch {
namespace {

using namespace std::chrono_literals;

class GoBinary : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        ASSERT_EQ(access("/usr/bin/go", X_OK), 0) << "run scripts/install-deps.sh (golang-go)";
        dir_ = test::make_temp_dir("ew-go-binary-");
        std::ofstream(dir_ + "/main.go") << R"GO(package main

import (
	"net/http"
	"os"
)

func main() {
	if len(os.Args) > 1 {
		http.Get(os.Args[1])
	}
}
)GO";
        const std::tuple<const char*, const char*, const char*> builds[] = {
            {"plain", "", "exe"}, {"stripped", "-s -w", "exe"}, {"pie", "", "pie"}, {"pie-stripped", "-s -w", "pie"}};
        for (const auto& [name, flags, mode] : builds) {
            auto r = test::go_build(dir_ + "/main.go", dir_ + "/" + name,
                                    {"-buildmode=" + std::string(mode), "-ldflags=" + std::string(flags)});
            ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
        }
    }
    static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }

    static std::vector<std::uint8_t> bytes_at(const std::string& path, std::uint64_t offset, std::size_t n) {
        std::ifstream in(path, std::ios::binary);
        in.seekg(static_cast<std::streamoff>(offset));
        std::vector<std::uint8_t> out(n);
        in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(n));
        return out;
    }

    static std::string dir_;
};

std::string GoBinary::dir_;

TEST_F(GoBinary, FindsCryptoTlsWriteAndReadAndEveryReturn) {
    std::string binary = dir_ + "/plain";
    GoInspection go = inspect_go_binary(binary);
    ASSERT_TRUE(go.go);
    ASSERT_TRUE(go.tls) << go.problem;
    EXPECT_EQ(go.tls->go_version.rfind("go1.", 0), 0u) << go.tls->go_version;
    for (const GoFunction* f : {&go.tls->write, &go.tls->read}) {
        SCOPED_TRACE(f->name);
        // Go's register ABI starts a function with its stack check against the goroutine in R14:
        // cmp rsp, [r14+0x10], or for a large frame lea r12, [rsp-frame] first. Either proves
        // the entry is the function's first byte in the file.
        auto prologue = bytes_at(binary, f->entry, 4);
        bool stack_check = prologue == std::vector<std::uint8_t>{0x49, 0x3b, 0x66, 0x10} ||
                           prologue == std::vector<std::uint8_t>{0x4c, 0x8d, 0x64, 0x24} ||
                           prologue == std::vector<std::uint8_t>{0x4c, 0x8d, 0xa4, 0x24};
        EXPECT_TRUE(stack_check) << std::hex << int(prologue[0]) << " " << int(prologue[1]) << " " << int(prologue[2])
                                 << " " << int(prologue[3]);
        ASSERT_FALSE(f->returns.empty());
        for (std::uint64_t ret : f->returns) {
            EXPECT_GT(ret, f->entry);
            EXPECT_EQ(bytes_at(binary, ret, 1), std::vector<std::uint8_t>{0xc3}) << ret;
        }
    }
    // The same returns as binutils' disassembler finds, no more, no fewer.
    for (const GoFunction* f : {&go.tls->write, &go.tls->read}) {
        auto dump = test::run_command({"/usr/bin/objdump", "-d", "-F", "--disassemble=" + f->name, binary}, 60s);
        ASSERT_EQ(dump.exit_code, 0) << dump.err;
        std::uint64_t function_address = 0, function_offset = 0;
        std::vector<std::uint64_t> returns;
        for (const std::string& line : test::lines_of(dump.out)) {
            if (auto at = line.find("(File Offset: 0x");
                at != std::string::npos && line.back() == ':' && line[0] != ' ') {
                function_address = std::stoull(line.substr(0, line.find(' ')), nullptr, 16);
                function_offset = std::stoull(line.substr(at + 16), nullptr, 16);
            } else if (line.find("\tret") != std::string::npos && line.find(':') != std::string::npos) {
                std::uint64_t address = std::stoull(line.substr(0, line.find(':')), nullptr, 16);
                returns.push_back(address - function_address + function_offset);
            }
        }
        EXPECT_EQ(function_offset, f->entry) << f->name;
        EXPECT_EQ(returns, f->returns) << f->name;
    }
    EXPECT_EQ(go.tls->write.name, "crypto/tls.(*Conn).Write");
    EXPECT_EQ(go.tls->read.name, "crypto/tls.(*Conn).Read");
    EXPECT_EQ(go.tls->close.name, "crypto/tls.(*Conn).Close");
    const std::vector<std::uint8_t> small_frame{0x49, 0x3b, 0x66, 0x10}, large_frame{0x4c, 0x8d, 0x64, 0x24};
    auto close = bytes_at(binary, go.tls->close.entry, 4);
    EXPECT_TRUE(close == small_frame || close == large_frame) << "Close begins with the stack check too";
}

// Without a symbol table (-s -w), and as a position-independent executable, the functions are
// found in .gopclntab at the same places as in the symbol table of the same program.
TEST_F(GoBinary, StrippedAndPieBinariesAreReadFromTheirFunctionTable) {
    GoInspection plain = inspect_go_binary(dir_ + "/plain");
    GoInspection pie = inspect_go_binary(dir_ + "/pie");
    ASSERT_TRUE(plain.tls && pie.tls) << plain.problem << pie.problem;
    for (const auto& [name, reference] : {std::pair{"stripped", &plain}, std::pair{"pie-stripped", &pie}}) {
        SCOPED_TRACE(name);
        GoInspection go = inspect_go_binary(dir_ + "/" + name);
        EXPECT_TRUE(go.go) << "its build info and pc-line table survive -s -w";
        ASSERT_TRUE(go.tls) << go.problem;
        EXPECT_EQ(go.tls->go_version, reference->tls->go_version);
        EXPECT_EQ(go.tls->write.name, "crypto/tls.(*Conn).Write");
        // -s -w drops sections ahead of the code, so offsets shift by one amount for both.
        std::int64_t shift = static_cast<std::int64_t>(go.tls->write.entry - reference->tls->write.entry);
        EXPECT_EQ(static_cast<std::int64_t>(go.tls->read.entry - reference->tls->read.entry), shift);
        EXPECT_EQ(static_cast<std::int64_t>(go.tls->close.entry - reference->tls->close.entry), shift);
        ASSERT_EQ(go.tls->write.returns.size(), reference->tls->write.returns.size());
        ASSERT_EQ(go.tls->read.returns.size(), reference->tls->read.returns.size());
        for (std::size_t i = 0; i < go.tls->read.returns.size(); ++i)
            EXPECT_EQ(static_cast<std::int64_t>(go.tls->read.returns[i] - reference->tls->read.returns[i]), shift);
    }
}

// A binary whose function table cannot be read (its section renamed, as a packer or an
// obfuscator might leave it) is Go, and says why it is not probed.
TEST_F(GoBinary, AnUnreadableFunctionTableSaysWhy) {
    std::string broken = dir_ + "/unreadable";
    auto r = test::run_command(
        {"/usr/bin/objcopy", "--rename-section", ".gopclntab=.gopcXXtab", dir_ + "/stripped", broken}, 60s);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    GoInspection go = inspect_go_binary(broken);
    EXPECT_TRUE(go.go) << "its build info says so";
    EXPECT_FALSE(go.tls);
    EXPECT_NE(go.problem.find(".gopclntab"), std::string::npos) << go.problem;
}

// The fuzzer's seed (tests/fuzz/corpus/fuzz_gopclntab/minimal_go118): a small table of the Go
// 1.18 layout, read right, and every offset in it made hostile in turn.
TEST(GoPclntab, ReadsTheLayoutAndRefusesOffsetsOutsideIt) {
    std::ifstream in(std::string(FUZZ_CORPUS_DIR) + "/fuzz_gopclntab/minimal_go118", std::ios::binary);
    const std::vector<std::uint8_t> table((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_EQ(table.size(), 187u);
    EXPECT_TRUE(go_pclntab_register_abi(table));
    const std::set<std::string> wanted{"crypto/tls.(*Conn).Write", "crypto/tls.(*Conn).Read"};
    auto found = go_functions_in_pclntab(table, 0, wanted);
    ASSERT_TRUE(found);
    ASSERT_EQ(found->size(), 2u);
    EXPECT_EQ(found->at("crypto/tls.(*Conn).Write").address, 0x401180u);
    EXPECT_EQ(found->at("crypto/tls.(*Conn).Write").size, 0xc0u);
    EXPECT_EQ(found->at("crypto/tls.(*Conn).Read").address, 0x401240u);
    EXPECT_EQ(found->at("crypto/tls.(*Conn).Read").size, 0xc0u);

    auto with = [&](std::size_t at, std::uint64_t value, std::size_t width) {
        std::vector<std::uint8_t> changed = table;
        for (std::size_t i = 0; i < width; ++i) changed[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
        return changed;
    };
    EXPECT_FALSE(go_pclntab_register_abi(with(0, 0xfffffffa, 4))) << "Go 1.16/1.17";
    EXPECT_FALSE(go_functions_in_pclntab(with(7, 4, 1), 0, wanted)) << "32-bit pointers";
    EXPECT_FALSE(go_functions_in_pclntab(with(8, std::uint64_t{1} << 40, 8), 0, wanted)) << "more functions than bytes";
    EXPECT_FALSE(go_functions_in_pclntab(with(32, std::uint64_t{1} << 20, 8), 0, wanted)) << "names beyond the table";
    EXPECT_FALSE(go_functions_in_pclntab(with(64, std::uint64_t{1} << 20, 8), 0, wanted))
        << "functions beyond the table";
    // A record or a name offset past the end skips that function, and only it.
    std::size_t ftab = 72 + 59;  // after the header and the name table
    auto skipped = go_functions_in_pclntab(with(ftab + 8 + 4, std::uint64_t{1} << 20, 4), 0, wanted);
    ASSERT_TRUE(skipped);
    EXPECT_EQ(skipped->size(), 1u);
    std::vector<std::uint8_t> cut(table.begin(), table.begin() + 72 + 34);  // inside the name table
    EXPECT_FALSE(go_functions_in_pclntab(cut, 0, wanted));
    // A position-independent table leaves its text start to the loader: .text's address serves.
    auto pie = go_functions_in_pclntab(with(24, 0, 8), 0x2000, wanted);
    ASSERT_TRUE(pie);
    EXPECT_EQ(pie->at("crypto/tls.(*Conn).Read").address, 0x2240u);
}

TEST_F(GoBinary, OtherFilesAreNotGo) {
    EXPECT_FALSE(inspect_go_binary("/bin/sh").go);
    EXPECT_FALSE(inspect_go_binary("/nonexistent").go);
    EXPECT_EQ(go_build_version({1, 2, 3}), "");
}

}  // namespace
}  // namespace egresswatch
