// The compact YAML tree the allowlist loader reads: what YAML::Load would give, node for node.
#include <gtest/gtest.h>

#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/yaml.h>

#include "allowlist/yaml_tree.h"

using namespace egresswatch;

namespace {

// The same document through both, compared recursively: kinds, scalars, lines, order.
void expect_same(const YamlNode& mine, const YAML::Node& theirs, const std::string& where) {
    ASSERT_EQ(mine.IsNull(), theirs.IsNull()) << where;
    ASSERT_EQ(mine.IsScalar(), theirs.IsScalar()) << where;
    ASSERT_EQ(mine.IsSequence(), theirs.IsSequence()) << where;
    ASSERT_EQ(mine.IsMap(), theirs.IsMap()) << where;
    if (!mine.IsNull()) {
        EXPECT_EQ(mine.line(), theirs.Mark().line) << where;
    }
    if (mine.IsScalar()) {
        EXPECT_EQ(mine.Scalar(), theirs.Scalar()) << where;
    }
    if (mine.IsSequence()) {
        auto items = mine.items();
        ASSERT_EQ(items.size(), theirs.size()) << where;
        for (std::size_t i = 0; i < items.size(); ++i)
            expect_same(items[i], theirs[i], where + "/" + std::to_string(i));
    }
    if (mine.IsMap()) {
        auto pairs = mine.pairs();
        std::size_t i = 0;
        for (const auto& kv : theirs) {
            ASSERT_LT(i, pairs.size()) << where;
            expect_same(pairs[i].key, kv.first, where + "/key" + std::to_string(i));
            expect_same(pairs[i].value, kv.second, where + "/value" + std::to_string(i));
            ++i;
        }
        EXPECT_EQ(i, pairs.size()) << where;
    }
}

}  // namespace

TEST(YamlTree, ReadsWhatYamlLoadReads) {
    const char* text = R"(# comment
version: 1
empty:
tilde: ~
quoted: "null"
list: [a, "b c", 3]
block:
  - host: "*.example.org"
    port: 443
    processes: &procs [/usr/bin/curl, /usr/bin/pip3]
  - host: b.example.org
    processes: *procs
    nested: {x: [1, {y: z}]}
text: |
  two
  lines
)";
    YamlTree tree = YamlTree::parse(text);
    expect_same(tree.root(), YAML::Load(text), "");
    auto block = tree.root().pairs()[5].value.items();
    EXPECT_EQ(block[1].pairs()[1].value.items()[1].Scalar(), "/usr/bin/pip3") << "an alias is its anchor's node";
}

TEST(YamlTree, RepeatedKeysStayInOrder) {
    YamlTree tree = YamlTree::parse("a: 1\nb: 2\na: 3\n");
    auto pairs = tree.root().pairs();
    ASSERT_EQ(pairs.size(), 3u);
    EXPECT_EQ(pairs[2].key.Scalar(), "a");
    EXPECT_EQ(pairs[2].value.Scalar(), "3");
    EXPECT_EQ(pairs[2].key.line(), 2);
}

TEST(YamlTree, NoDocumentIsNoRootAndOnlyTheFirstDocumentIsRead) {
    EXPECT_FALSE(YamlTree::parse("").root().IsDefined());
    EXPECT_FALSE(YamlTree::parse("# only a comment\n").root().IsDefined());
    EXPECT_TRUE(YamlTree::parse("~").root().IsNull());
    YamlTree two = YamlTree::parse("first: 1\n---\nsecond: 2\n");
    ASSERT_EQ(two.root().pairs().size(), 1u);
    EXPECT_EQ(two.root().pairs()[0].key.Scalar(), "first");
    EXPECT_TRUE(YamlNode().items().empty());
    EXPECT_TRUE(YamlNode().Scalar().empty());
}

TEST(YamlTree, SyntaxErrorsAreYamlCppsWithTheirMarks) {
    for (const char* bad : {"a: [1, 2\n", "host: *.example.org\n", "a: b: c\n"}) {
        std::string mine, theirs;
        int mine_line = -2, theirs_line = -3;
        try {
            YamlTree::parse(bad);
        } catch (const YAML::ParserException& e) {
            mine = e.msg;
            mine_line = e.mark.line;
        }
        try {
            YAML::Load(bad);
        } catch (const YAML::ParserException& e) {
            theirs = e.msg;
            theirs_line = e.mark.line;
        }
        EXPECT_FALSE(mine.empty()) << bad;
        EXPECT_EQ(mine, theirs) << bad;
        EXPECT_EQ(mine_line, theirs_line) << bad;
    }
}
