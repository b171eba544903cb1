// Every export format against a golden file, and the Kubernetes and Cilium policies read
// back for the structure those controllers require.
#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

#include "allowlist/allowlist_loader.h"
#include "allowlist/export/export.h"
#include "golden.h"

namespace egresswatch {
namespace {

Allowlist export_input() { return load_allowlist_file(test::fixture_path("allowlist/hand-written.yaml")); }

ExportResult run_export(const std::string& format) {
    ExportOptions options;
    if (format == "nftables") options.resolvers = {*IpAddress::parse("192.0.2.53"), *IpAddress::parse("fd00::53")};
    return export_allowlist(export_input(), format, options);
}

const std::map<std::string, std::string> kGoldenFile{
    {"nftables", "nftables.nft"},
    {"k8s", "k8s.yaml"},
    {"cilium", "cilium.yaml"},
    {"squid", "squid.conf"},
    {"hosts", "hosts.txt"},
    {"conn-check", "conn-check.yaml"},
    {"harden-runner", "harden-runner.txt"},
};

TEST(AllowlistExport, EveryFormatGolden) {
    ASSERT_EQ(export_formats().size(), kGoldenFile.size());
    for (const ExportFormat& f : export_formats()) {
        SCOPED_TRACE(std::string(f.name));
        ExportResult result = run_export(std::string(f.name));
        std::string warnings;
        for (const auto& w : result.warnings) warnings += w + "\n";
        std::string file = "allowlist/export/" + kGoldenFile.at(std::string(f.name));
        test::expect_fixture(file, result.text);
        test::expect_fixture(file + ".warnings", warnings);
    }
}

TEST(AllowlistExport, SameOutputWhateverTheEntryOrder) {
    Allowlist reversed = export_input();
    std::reverse(reversed.destinations.begin(), reversed.destinations.end());
    for (const ExportFormat& f : export_formats())
        EXPECT_EQ(export_allowlist(reversed, f.name, {}).text, export_allowlist(export_input(), f.name, {}).text)
            << f.name;
}

TEST(AllowlistExport, NetworkPolicyStructure) {
    YAML::Node policy = YAML::Load(run_export("k8s").text);
    EXPECT_EQ(policy["apiVersion"].as<std::string>(), "networking.k8s.io/v1");
    EXPECT_EQ(policy["kind"].as<std::string>(), "NetworkPolicy");
    EXPECT_EQ(policy["metadata"]["name"].as<std::string>(), "egresswatch-allowlist");
    EXPECT_TRUE(policy["spec"]["podSelector"].IsMap());
    EXPECT_EQ(policy["spec"]["policyTypes"][0].as<std::string>(), "Egress");
    YAML::Node egress = policy["spec"]["egress"];
    ASSERT_TRUE(egress.IsSequence());
    EXPECT_EQ(egress[0]["ports"][0]["port"].as<int>(), 53) << "DNS first";
    std::set<std::string> cidrs;
    for (std::size_t i = 1; i < egress.size(); ++i) {
        ASSERT_TRUE(egress[i]["to"].IsSequence());
        for (const auto& to : egress[i]["to"]) cidrs.insert(to["ipBlock"]["cidr"].as<std::string>());
        for (const auto& port : egress[i]["ports"]) {
            std::string proto = port["protocol"].as<std::string>();
            EXPECT_TRUE(proto == "TCP" || proto == "UDP") << proto;
            EXPECT_GT(port["port"].as<int>(), 0);
        }
    }
    EXPECT_TRUE(cidrs.count("203.0.113.10/32"));
    EXPECT_TRUE(cidrs.count("2001:db8::10/128"));
    EXPECT_TRUE(cidrs.count("10.20.0.0/16"));
}

TEST(AllowlistExport, CiliumPolicyStructure) {
    YAML::Node policy = YAML::Load(run_export("cilium").text);
    EXPECT_EQ(policy["apiVersion"].as<std::string>(), "cilium.io/v2");
    EXPECT_EQ(policy["kind"].as<std::string>(), "CiliumNetworkPolicy");
    EXPECT_TRUE(policy["spec"]["endpointSelector"].IsMap());
    YAML::Node egress = policy["spec"]["egress"];
    ASSERT_TRUE(egress.IsSequence());
    EXPECT_EQ(egress[0]["toPorts"][0]["rules"]["dns"][0]["matchPattern"].as<std::string>(), "*")
        << "toFQDNs needs the DNS proxy to see lookups";
    std::set<std::string> names, patterns, cidrs;
    for (const auto& rule : egress) {
        for (const auto& fqdn : rule["toFQDNs"]) {
            if (fqdn["matchName"]) names.insert(fqdn["matchName"].as<std::string>());
            if (fqdn["matchPattern"]) patterns.insert(fqdn["matchPattern"].as<std::string>());
        }
        for (const auto& cidr : rule["toCIDR"]) cidrs.insert(cidr.as<std::string>());
        ASSERT_TRUE(rule["toPorts"][0]["ports"][0]["port"].IsScalar());
    }
    EXPECT_TRUE(names.count("pkg.example.org"));
    EXPECT_TRUE(patterns.count("*.pkg.example.org"));
    EXPECT_TRUE(cidrs.count("fd00:20::/48"));
    EXPECT_TRUE(cidrs.count("192.0.2.53/32"));
}

TEST(AllowlistExport, ConnCheckIsYamlWithOneCheckPerCheckableDestination) {
    YAML::Node checks = YAML::Load(run_export("conn-check").text)["checks"];
    ASSERT_TRUE(checks.IsSequence());
    for (const auto& c : checks) {
        std::string type = c["type"].as<std::string>();
        int port = c["port"].as<int>();
        EXPECT_EQ(type, port == 443 ? "tls" : port == 80 ? "http" : "tcp");
    }
}

TEST(AllowlistExport, OutermostBlocks) {
    std::vector<Cidr> blocks{*Cidr::parse("10.20.5.0/24"), *Cidr::parse("10.20.0.0/16"), *Cidr::parse("10.20.0.0/16"),
                             *Cidr::parse("192.0.2.1")};
    auto out = outermost_blocks(blocks);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].to_string(), "10.20.0.0/16");
    EXPECT_EQ(out[1].to_string(), "192.0.2.1");
}

}  // namespace
}  // namespace egresswatch
