// Merging the allowlists of a matrix of jobs, and diffing two allowlists, against golden
// files in tests/fixtures/allowlist.
#include <gtest/gtest.h>

#include "allowlist/allowlist_diff.h"
#include "allowlist/allowlist_diff_format.h"
#include "allowlist/allowlist_loader.h"
#include "allowlist/allowlist_merge.h"
#include "allowlist/allowlist_writer.h"
#include "golden.h"

namespace egresswatch {
namespace {

MergeInput input(const std::string& name) {
    return {load_allowlist_file(test::fixture_path("allowlist/" + name)), name};
}

std::string merged_text(const std::vector<MergeInput>& inputs) {
    return write_allowlist_yaml(merge_allowlists(inputs), "egress allowlist merged by egresswatch");
}

TEST(AllowlistMerge, UnionGolden) {
    test::expect_fixture("allowlist/merged.yaml", merged_text({input("job-amd64.yaml"), input("job-arm64.yaml")}));
}

TEST(AllowlistMerge, IndependentOfArgumentOrder) {
    EXPECT_EQ(merged_text({input("job-amd64.yaml"), input("job-arm64.yaml"), input("hand-written.yaml")}),
              merged_text({input("hand-written.yaml"), input("job-arm64.yaml"), input("job-amd64.yaml")}));
}

TEST(AllowlistMerge, KeepsSourcesAcrossRepeatedMerges) {
    Allowlist once = merge_allowlists({input("job-amd64.yaml"), input("job-arm64.yaml")});
    Allowlist twice = merge_allowlists({{once, "merged.yaml"}, input("hand-written.yaml")});
    for (const AllowEntry& e : twice.destinations) {
        ASSERT_FALSE(e.sources.empty());
        for (const std::string& s : e.sources) EXPECT_NE(s, "merged.yaml") << entry_label(e);
    }
    EXPECT_EQ(merged_text({{once, "merged.yaml"}}), merged_text({input("job-amd64.yaml"), input("job-arm64.yaml")}));
}

TEST(AllowlistMerge, AnyProcessWins) {
    Allowlist a = parse_allowlist("version: 1\ndestinations:\n  - host: a.example\n    port: 1\n    proto: tcp\n"
                                  "    processes: [/bin/curl]\n",
                                  "a");
    Allowlist b = parse_allowlist("version: 1\ndestinations:\n  - host: a.example\n    port: 1\n    proto: tcp\n", "b");
    Allowlist merged = merge_allowlists({{a, "a"}, {b, "b"}});
    ASSERT_EQ(merged.destinations.size(), 1u);
    EXPECT_TRUE(merged.destinations[0].processes.empty());
    EXPECT_EQ(merged.destinations[0].sources, (std::vector<std::string>{"a", "b"}));
}

TEST(AllowlistMerge, TakesTheLatestStampAndTheWidestScope) {
    Allowlist merged = merge_allowlists({input("job-arm64.yaml"), input("job-amd64.yaml")});
    EXPECT_EQ(merged.generated, "2026-11-18T11:09:12.000000Z");
    EXPECT_EQ(merged.scope, "nonlocal");
}

TEST(AllowlistDiff, TextAndJsonGolden) {
    Allowlist before = load_allowlist_file(test::fixture_path("allowlist/job-amd64.yaml"));
    Allowlist after = load_allowlist_file(test::fixture_path("allowlist/job-arm64.yaml"));
    auto changes = diff_allowlists(before, after);
    test::expect_fixture("allowlist/diff.txt", render_diff_text(changes));
    test::expect_fixture("allowlist/diff.json", render_diff_json(changes).dump(2) + "\n");
}

TEST(AllowlistDiff, OrderSourcesAndScopeAreNotChanges) {
    Allowlist list = load_allowlist_file(test::fixture_path("allowlist/hand-written.yaml"));
    Allowlist shuffled = list;
    std::reverse(shuffled.destinations.begin(), shuffled.destinations.end());
    for (AllowEntry& e : shuffled.destinations) {
        e.sources = {"elsewhere.yaml"};
        e.scope = "internet";
        std::reverse(e.addresses.begin(), e.addresses.end());
    }
    shuffled.generated = "2030-01-01T00:00:00.000000Z";
    EXPECT_TRUE(diff_allowlists(list, shuffled).empty());
    EXPECT_EQ(render_diff_text({}), "");
    EXPECT_EQ(render_diff_json({})["equal"], true);
}

}  // namespace
}  // namespace egresswatch
