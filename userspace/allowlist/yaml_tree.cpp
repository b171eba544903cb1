#include "allowlist/yaml_tree.h"

#include <istream>
#include <streambuf>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

namespace egresswatch {
namespace {

// The text read in place: the parser takes an istream, and a copy of a 64 MiB file is waste.
class ViewBuffer : public std::streambuf {
public:
    explicit ViewBuffer(std::string_view text) {
        char* begin = const_cast<char*>(text.data());
        setg(begin, begin, begin + text.size());
    }
};

}  // namespace

// Containers are open while their children are parsed; their child lists are moved into
// children_ when they close, so each one's children are contiguous.
class YamlTreeBuilder final : public YAML::EventHandler {
public:
    explicit YamlTreeBuilder(YamlTree& tree) : tree_(tree) {}

    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        add(YamlTree::Node{YamlTree::Kind::null, mark.line, 0, 0}, anchor);
    }
    void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override { attach(anchors_.at(anchor)); }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  const std::string& value) override {
        auto offset = static_cast<std::uint32_t>(tree_.text_.size());
        tree_.text_ += value;
        add(YamlTree::Node{YamlTree::Kind::scalar, mark.line, offset, static_cast<std::uint32_t>(value.size())},
            anchor);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        open(YamlTree::Node{YamlTree::Kind::sequence, mark.line, 0, 0}, anchor);
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        open(YamlTree::Node{YamlTree::Kind::map, mark.line, 0, 0}, anchor);
    }
    void OnMapEnd() override { close(); }

private:
    std::uint32_t add(const YamlTree::Node& node, YAML::anchor_t anchor) {
        auto index = static_cast<std::uint32_t>(tree_.nodes_.size());
        tree_.nodes_.push_back(node);
        if (anchor) {
            if (anchors_.size() <= anchor) anchors_.resize(anchor + 1);
            anchors_[anchor] = index;
        }
        attach(index);
        return index;
    }
    void attach(std::uint32_t index) {
        if (open_.empty())
            tree_.root_ = index;
        else
            open_.back().children.push_back(index);
    }
    void open(const YamlTree::Node& node, YAML::anchor_t anchor) {
        std::uint32_t index = add(node, anchor);
        open_.push_back({index, {}});
    }
    void close() {
        Open done = std::move(open_.back());
        open_.pop_back();
        YamlTree::Node& node = tree_.nodes_[done.index];
        node.first = static_cast<std::uint32_t>(tree_.children_.size());
        std::size_t count = done.children.size();
        node.size = static_cast<std::uint32_t>(node.kind == YamlTree::Kind::map ? count / 2 : count);
        tree_.children_.insert(tree_.children_.end(), done.children.begin(), done.children.end());
    }

    struct Open {
        std::uint32_t index;
        std::vector<std::uint32_t> children;
    };
    YamlTree& tree_;
    std::vector<Open> open_;
    std::vector<std::uint32_t> anchors_;
};

YamlTree YamlTree::parse(std::string_view text) {
    YamlTree tree;
    ViewBuffer buffer(text);
    std::istream in(&buffer);
    YAML::Parser parser(in);
    YamlTreeBuilder builder(tree);
    parser.HandleNextDocument(builder);
    return tree;
}

bool YamlNode::IsNull() const { return tree_ && tree_->nodes_[index_].kind == YamlTree::Kind::null; }
bool YamlNode::IsScalar() const { return tree_ && tree_->nodes_[index_].kind == YamlTree::Kind::scalar; }
bool YamlNode::IsSequence() const { return tree_ && tree_->nodes_[index_].kind == YamlTree::Kind::sequence; }
bool YamlNode::IsMap() const { return tree_ && tree_->nodes_[index_].kind == YamlTree::Kind::map; }
int YamlNode::line() const { return tree_ ? tree_->nodes_[index_].line : -1; }

std::string_view YamlNode::Scalar() const {
    if (!IsScalar()) return {};
    const YamlTree::Node& node = tree_->nodes_[index_];
    return std::string_view(tree_->text_).substr(node.first, node.size);
}

std::vector<YamlNode> YamlNode::items() const {
    std::vector<YamlNode> out;
    if (!IsSequence()) return out;
    const YamlTree::Node& node = tree_->nodes_[index_];
    out.reserve(node.size);
    for (std::uint32_t i = 0; i < node.size; ++i) out.push_back(YamlNode(tree_, tree_->children_[node.first + i]));
    return out;
}

std::vector<YamlPair> YamlNode::pairs() const {
    std::vector<YamlPair> out;
    if (!IsMap()) return out;
    const YamlTree::Node& node = tree_->nodes_[index_];
    out.reserve(node.size);
    for (std::uint32_t i = 0; i < node.size; ++i)
        out.push_back({YamlNode(tree_, tree_->children_[node.first + 2 * i]),
                       YamlNode(tree_, tree_->children_[node.first + 2 * i + 1])});
    return out;
}

}  // namespace egresswatch
