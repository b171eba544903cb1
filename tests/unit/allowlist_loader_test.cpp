// Reading allowlist.yaml: what the recorder writes loads unchanged, and every mistake a
// person can make in a hand-written file is one line that names the line and the fix.
#include <gtest/gtest.h>

#include "allowlist/allowlist_loader.h"

#include <filesystem>
#include <fstream>

#include "allowlist/allowlist_writer.h"
#include "common/subprocess.h"
#include "golden.h"
#include "report/report.h"
#include "report_text.h"
#include "session_fixture.h"

namespace egresswatch {
namespace {

std::string recorded_allowlist() {
    Aggregator agg;
    test::play_fixture_session(agg);
    return test::allowlist_text(agg, {kDefaultAllowlistScope, test::kT0});
}

std::string without_first_line(const std::string& text) { return text.substr(text.find('\n') + 1); }

TEST(AllowlistLoader, ReadsWhatTheRecorderWrites) {
    Allowlist list = parse_allowlist(recorded_allowlist(), "allowlist.yaml");
    EXPECT_EQ(list.version, 1);
    EXPECT_EQ(list.generated, "2026-11-18T11:06:40.000000Z");
    EXPECT_EQ(list.scope, "nonlocal");
    ASSERT_EQ(list.destinations.size(), 6u);
    const AllowEntry& first = list.destinations[0];
    EXPECT_FALSE(first.host);
    ASSERT_EQ(first.addresses.size(), 1u);
    EXPECT_EQ(first.addresses[0], Cidr::host(IpAddress::v4(198, 18, 0, 2)));
    EXPECT_EQ(first.ports, PortRange::single(8080));
    EXPECT_EQ(first.proto, AllowProto::tcp);
    EXPECT_EQ(first.scope, "benchmark");
    EXPECT_EQ(first.processes, std::vector<std::string>{"/usr/bin/curl"});
    EXPECT_EQ(first.line, 6);
    const AllowEntry& named = list.destinations[3];
    ASSERT_TRUE(named.host);
    EXPECT_EQ(named.host->text(), "mirror.example");
    EXPECT_FALSE(named.host->is_wildcard());
}

TEST(AllowlistLoader, WriterReproducesTheRecordersFile) {
    std::string recorded = recorded_allowlist();
    std::string again = write_allowlist_yaml(parse_allowlist(recorded, "a.yaml"), "comment");
    EXPECT_EQ(without_first_line(again), without_first_line(recorded));
}

TEST(AllowlistLoader, ReadsEveryExtendedForm) {
    Allowlist list = load_allowlist_file(test::fixture_path("allowlist/hand-written.yaml"));
    ASSERT_EQ(list.destinations.size(), 8u);
    EXPECT_TRUE(list.destinations[0].host->is_wildcard());
    EXPECT_EQ(list.destinations[0].host->domain(), "pkg.example.org");
    EXPECT_EQ(list.destinations[1].addresses.size(), 2u);
    const AllowEntry& blocks = list.destinations[2];
    EXPECT_EQ(blocks.ports, (PortRange{8000, 8100}));
    EXPECT_EQ(blocks.proto, AllowProto::any);
    EXPECT_EQ(blocks.addresses[2].to_string(), "fd00:20::/48");
    EXPECT_TRUE(blocks.processes.empty());
    EXPECT_FALSE(list.generated);
    const AllowEntry& ping = list.destinations[6];
    EXPECT_EQ(ping.proto, AllowProto::icmp);
    EXPECT_EQ(ping.ports, PortRange::single(0)) << "an ICMP entry has no port";
    EXPECT_EQ(entry_label(ping), "198.51.100.7 icmp");
    EXPECT_EQ(list.destinations[7].proto, AllowProto::icmpv6);
}

TEST(AllowlistLoader, HostNamesAreCanonical) {
    Allowlist list = parse_allowlist("version: 1\ndestinations:\n  - host: Deb.Example.ORG.\n    port: 80\n"
                                     "    proto: tcp\n",
                                     "f");
    EXPECT_EQ(list.destinations[0].host->text(), "deb.example.org");
}

struct BadFile {
    const char* yaml;
    const char* error;  // the whole message
};

// Each one line: FILE:LINE: what is wrong (what to do).
const BadFile kBadFiles[] = {
    {"", "f.yaml:1: empty allowlist (it needs at least version: 1 and destinations:)"},
    {"version: 1\ndestinations: [\n", nullptr},  // syntax: checked separately
    {"- a\n- b\n", "f.yaml:1: not an allowlist: the file is a list (expected keys version, generated, scope, "
                   "destinations)"},
    {"destinations: []\n", "f.yaml:1: missing version (add version: 1 at the top)"},
    {"version: 1\n", "f.yaml:1: missing destinations (add destinations: [] for an empty allowlist)"},
    {"version: 2\ndestinations: []\n",
     "f.yaml:1: unsupported version 2 (this egresswatch reads version 1; upgrade egresswatch or write version: 1)"},
    {"version: one\ndestinations: []\n", "f.yaml:1: version must be a number, not 'one' (write version: 1)"},
    {"version: 1\nscope: everywhere\ndestinations: []\n",
     "f.yaml:2: scope 'everywhere' is unknown (use internet, nonlocal or all)"},
    {"version: 1\ndestinations: []\nhosts: []\n",
     "f.yaml:3: unknown key 'hosts' (expected version, generated, scope, destinations)"},
    {"version: 1\nversion: 1\ndestinations: []\n", "f.yaml:2: key 'version' appears twice (keep one)"},
    {"version: 1\ndestinations:\n  host: a.example\n", "f.yaml:3: destinations must be a list of entries, not a map"},
    {"version: 1\ndestinations:\n  - port: 443\n    proto: tcp\n",
     "f.yaml:3: destination has neither host nor addresses (add host: NAME or addresses: [ADDRESS])"},
    {"version: 1\ndestinations:\n  - host: a.example\n    proto: tcp\n",
     "f.yaml:3: destination has no port (add port: 443 or port: \"8000-8100\")"},
    {"version: 1\ndestinations:\n  - host: a.example\n    port: 443\n",
     "f.yaml:3: destination has no proto (add proto: tcp, udp, any, icmp or icmpv6)"},
    {"version: 1\ndestinations:\n  - host: a.example\n    port: 443\n    proto: tcp\n    color: red\n",
     "f.yaml:6: unknown key 'color' (expected host, addresses, port, proto, scope, processes, images, sources, "
     "seen_on)"},
    {"version: 1\ndestinations:\n  - host: a.example\n    port: 1\n    proto: tcp\n    images:\n      - busybox\n"
     "      - \"my image\"\n",
     "f.yaml:8: 'my image' is not an image reference (write registry.example/app:1.2, busybox, app@sha256:<hex>, "
     "'(no container)' or '(unknown image)')"},
    {"version: 1\ndestinations:\n  - host: a.example\n    port: 1\n    proto: tcp\n    images: busybox\n",
     "f.yaml:6: 'images' must be a list, not 'busybox' (write one item per '- ' line)"},
    {"version: 1\ndestinations:\n  - host: a.example\n    port: 1\n    proto: tcp\n    images: [\"\"]\n",
     "f.yaml:6: 'images' is empty"},
    {"version: 1\ndestinations:\n  - host: a.example\n    port: 1\n    proto: tcp\n    images: "
     "[registry.example//app]\n",
     "f.yaml:6: 'registry.example//app' has an empty path component"},
    {"version: 1\ndestinations:\n  - host: a.example\n    ports: 1-2\n    proto: tcp\n",
     "f.yaml:4: unknown key 'ports' (write a range as port: \"8000-8100\")"},
    {"version: 1\ndestinations:\n  - host: a.example\n    port: 0\n    proto: tcp\n",
     "f.yaml:4: port 0 is out of range (use 1 to 65535)"},
    {"version: 1\ndestinations:\n  - host: a.example\n    port: 70000\n    proto: tcp\n",
     "f.yaml:4: port 70000 is out of range (use 1 to 65535)"},
    {"version: 1\ndestinations:\n  - host: a.example\n    port: \"9-1\"\n    proto: tcp\n",
     "f.yaml:4: port range '9-1' is backwards (write the lower port first: \"1-9\")"},
    {"version: 1\ndestinations:\n  - host: a.example\n    port: https\n    proto: tcp\n",
     "f.yaml:4: port 'https' is not a number or a range like \"8000-8100\""},
    {"version: 1\ndestinations:\n  - host: a.example\n    port: [1, 2]\n    proto: tcp\n",
     "f.yaml:4: port must be a number or a range like \"8000-8100\", not a list"},
    {"version: 1\ndestinations:\n  - host: a.example\n    port: 1\n    proto: sctp\n",
     "f.yaml:5: proto 'sctp' is not supported (use tcp, udp, any, icmp or icmpv6)"},
    {"version: 1\ndestinations:\n  - host: a.example\n    port: 1\n    proto: icmp\n",
     "f.yaml:3: an icmp destination has no port (remove port: ICMP echo is allowed to the whole address)"},
    {"version: 1\ndestinations:\n  - host: https://a.example/\n    port: 1\n    proto: tcp\n",
     "f.yaml:3: host 'https://a.example/' is not a host name (write deb.example.org, or *.example.org for every "
     "name below example.org)"},
    {"version: 1\ndestinations:\n  - host: \"a.*.example\"\n    port: 1\n    proto: tcp\n",
     "f.yaml:3: host 'a.*.example' is not a host name (write deb.example.org, or *.example.org for every name "
     "below example.org)"},
    {"version: 1\ndestinations:\n  - addresses:\n      - 10.0.0.0/33\n    port: 1\n    proto: tcp\n",
     "f.yaml:4: '10.0.0.0/33' has a bad prefix length (use /0 to /32 for IPv4, /0 to /128 for IPv6)"},
    {"version: 1\ndestinations:\n  - addresses:\n      - 10.0.0.1/8\n    port: 1\n    proto: tcp\n",
     "f.yaml:4: '10.0.0.1/8' has bits set after its prefix (write the network address, e.g. 10.0.0.0/8)"},
    {"version: 1\ndestinations:\n  - addresses:\n      - 10.0.0.256\n    port: 1\n    proto: tcp\n",
     "f.yaml:4: '10.0.0.256' is not an address or CIDR (write 192.0.2.1, 10.0.0.0/8, 2001:db8::1 or fd00::/8)"},
    {"version: 1\ndestinations:\n  - addresses: 10.0.0.1\n    port: 1\n    proto: tcp\n",
     "f.yaml:3: addresses must be a list, not '10.0.0.1' (write one address per '- ' line)"},
    {"version: 1\ndestinations:\n  - host: a.example\n    port: 1\n    proto: tcp\n    processes: /bin/sh\n",
     "f.yaml:6: 'processes' must be a list, not '/bin/sh' (write one item per '- ' line)"},
    {"version: 1\ndestinations:\n  - host: a.example\n    port: 1\n    proto: tcp\n    scope: moon\n",
     "f.yaml:6: scope 'moon' is unknown (use internet, private, benchmark, ... as README.md lists, or leave it out)"},
    {"version: 1\ndestinations:\n  - host:\n    port: 1\n    proto: tcp\n",
     "f.yaml:3: 'host' must be text, not nothing"},
    {"version: 1\ndestinations:\n  - [a]\n", nullptr},
};

TEST(AllowlistLoader, EveryMistakeIsOneLineWithItsLineNumber) {
    for (const BadFile& bad : kBadFiles) {
        if (!bad.error) continue;
        try {
            parse_allowlist(bad.yaml, "f.yaml");
            ADD_FAILURE() << "accepted:\n" << bad.yaml;
        } catch (const AllowlistError& e) {
            EXPECT_EQ(std::string(e.what()), bad.error) << bad.yaml;
            EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
        }
    }
}

TEST(AllowlistLoader, SyntaxErrorsNameTheLine) {
    auto message = [](const char* yaml) {
        try {
            parse_allowlist(yaml, "f.yaml");
        } catch (const AllowlistError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    std::string misindented = message("version: 1\ndestinations:\n  - host: a.example\n   port: 1\n");
    EXPECT_EQ(misindented, "f.yaml:4: not valid YAML: end of sequence not found (fix the syntax on this line)");
    std::string bare_wildcard = message("version: 1\ndestinations:\n  - host: *.example.org\n    port: 1\n");
    EXPECT_TRUE(bare_wildcard.starts_with("f.yaml:3: not valid YAML: ")) << bare_wildcard;
    EXPECT_NE(bare_wildcard.find("(quote wildcards: host: \"*.example.org\")"), std::string::npos) << bare_wildcard;
    std::string not_a_map = message("version: 1\ndestinations:\n  - [a]\n");
    EXPECT_TRUE(not_a_map.starts_with("f.yaml:3: a destination must be a map of host, addresses, port")) << not_a_map;
}

TEST(AllowlistLoader, MissingFileIsAnAllowlistError) {
    EXPECT_THROW(load_allowlist_file("/nonexistent/allowlist.yaml"), AllowlistError);
    EXPECT_THROW(load_allowlist_file("/nonexistent/allowlist.yaml"), SetupError);
}

// Issue 15: a directory read as "empty allowlist", /dev/zero was read without end, and a
// mistake quoted the file's raw bytes to the terminal.
TEST(AllowlistLoader, WhatIsNotAnAllowlistFileIsSaidSo) {
    std::string dir = egresswatch::test::make_temp_dir("ew-allowlist-");
    auto error_of = [](const std::string& path) {
        try {
            load_allowlist_file(path);
        } catch (const AllowlistError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_EQ(error_of(dir),
              dir + " is a directory: give the allowlist file in it (such as " + dir + "/allowlist.yaml)");
    EXPECT_EQ(error_of("/dev/zero"), "/dev/zero is not a regular file: give an allowlist file");
    EXPECT_EQ(error_of(dir + "/missing.yaml"), "cannot read " + dir + "/missing.yaml: no such file or not readable");

    std::string binary = dir + "/binary.yaml";
    std::ofstream(binary) << "version: 1\ndestinations:\n  - host: \"\x01\x1b[31mred" << std::string(200, 'x')
                          << "\"\n    port: 80\n";
    std::string message = error_of(binary);
    EXPECT_NE(message.find(binary + ":3: host '\\x01\\x1b[31mred"), std::string::npos) << message;
    EXPECT_EQ(message.find('\x1b'), std::string::npos) << "a control byte reached the message";
    EXPECT_LT(message.size(), 600u) << "the file's text is quoted, not copied whole";
    std::filesystem::remove_all(dir);
}

TEST(AllowlistLoader, AWildcardOverAWholePublicSuffixIsAcceptedWithAWarning) {
    Allowlist list = parse_allowlist(R"(version: 1
destinations:
  - host: "*.com"
    port: 443
    proto: tcp
  - host: "*.co.uk"
    port: 443
    proto: tcp
  - host: "*.example.com"
    port: 443
    proto: tcp
  - host: "*.mirror.test"
    port: 80
    proto: tcp
)",
                                     "f.yaml");
    ASSERT_EQ(list.destinations.size(), 4u);
    ASSERT_EQ(list.warnings.size(), 2u) << "only *.com and *.co.uk cover a public suffix";
    EXPECT_EQ(list.warnings[0], "f.yaml:3: host '*.com' allows every name anyone can register under 'com' (name the "
                                "domain you mean, like *.example.com)");
    EXPECT_NE(list.warnings[1].find("f.yaml:6: host '*.co.uk'"), std::string::npos) << list.warnings[1];
}

}  // namespace
}  // namespace egresswatch
