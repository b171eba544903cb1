#pragma once
// A YAML document read into a compact, read-only tree: what YAML::Load gives, without its
// node objects. The allowlist loader walks it. yaml-cpp's node tree took about 3 KB per
// allowlist entry (415 MB for 100k entries) and a third of the load time; this tree is 16
// bytes a node plus the scalars' text in one buffer.
//
// Built from yaml-cpp's parser events, so the syntax, its errors (YAML::ParserException,
// with the same marks) and the marks of nodes are yaml-cpp's. Only the first document is read.
// Nulls (~, null, an empty value) are nodes of their own kind, as in yaml-cpp; an alias is the
// node its anchor names; tags are not kept.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace egresswatch {

class YamlTree;
struct YamlPair;

// A node of a YamlTree, or no node (IsDefined() false). Valid while the tree lives.
class YamlNode {
public:
    YamlNode() = default;

    bool IsDefined() const { return tree_ != nullptr; }
    bool IsNull() const;
    bool IsScalar() const;
    bool IsSequence() const;
    bool IsMap() const;
    // The text of a scalar; empty for any other node.
    std::string_view Scalar() const;
    // 0-based line of the node's first character (yaml-cpp's Mark().line), -1 if none.
    int line() const;

    // A sequence's items, in order; empty for any other node.
    std::vector<YamlNode> items() const;
    // A map's pairs, in order, repeated keys included; empty for any other node.
    std::vector<YamlPair> pairs() const;

private:
    friend class YamlTree;
    YamlNode(const YamlTree* tree, std::uint32_t index) : tree_(tree), index_(index) {}
    const YamlTree* tree_ = nullptr;
    std::uint32_t index_ = 0;
};

struct YamlPair {
    YamlNode key, value;
};

class YamlTree {
public:
    // Throws YAML::ParserException as YAML::Load would.
    static YamlTree parse(std::string_view text);

    // Undefined when the text holds no document.
    YamlNode root() const { return nodes_.empty() ? YamlNode() : YamlNode(this, root_); }

private:
    friend class YamlNode;
    friend class YamlTreeBuilder;
    enum class Kind : std::uint8_t { null, scalar, sequence, map };
    struct Node {
        Kind kind = Kind::null;
        std::int32_t line = -1;
        std::uint32_t first = 0;  // scalar: offset in text_; sequence, map: index in children_
        std::uint32_t size = 0;   // scalar: bytes; sequence: items; map: pairs (2 children each)
    };
    static_assert(sizeof(Node) == 16);

    std::vector<Node> nodes_;
    std::vector<std::uint32_t> children_;
    std::string text_;
    std::uint32_t root_ = 0;
};

}  // namespace egresswatch
