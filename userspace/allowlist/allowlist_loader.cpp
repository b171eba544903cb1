#include "allowlist/allowlist_loader.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/exceptions.h>

#include "allowlist/image_reference.h"
#include "allowlist/yaml_tree.h"

#include "allowlist/public_suffix.h"

namespace egresswatch {
namespace {

constexpr const char* kTopKeys = "version, generated, scope, destinations";
constexpr const char* kEntryKeys = "host, addresses, port, proto, scope, processes, images, sources, seen_on";

// An error message as printed: it quotes the file's own text, so bytes outside printable ASCII
// become \xHH and it ends after 400 bytes, so that a binary file given by mistake prints one
// readable line rather than its bytes.
std::string printable(std::string_view text) {
    constexpr std::size_t kMaxMessage = 400;
    constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (char c : text.substr(0, kMaxMessage)) {
        auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f) {
            out += c;
        } else {
            out += "\\x";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xf];
        }
    }
    if (text.size() > kMaxMessage) out += "...";
    return out;
}

std::string kind_of(const YamlNode& node) {
    if (!node.IsDefined() || node.IsNull()) return "nothing";
    if (node.IsSequence()) return "a list";
    if (node.IsMap()) return "a map";
    return "'" + std::string(node.Scalar()) + "'";
}

std::optional<unsigned> whole_number(std::string_view text) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

class Reader {
public:
    explicit Reader(std::string file) : file_(std::move(file)) {}

    [[noreturn]] void fail(int line, const std::string& message) const {
        throw AllowlistError(file_ + ":" + std::to_string(line) + ": " + printable(message));
    }
    [[noreturn]] void fail(const YamlNode& at, const std::string& message, int fallback_line = 1) const {
        // An empty value is marked where the next token starts: the key's line says more.
        bool marked = at.IsDefined() && !at.IsNull() && at.line() >= 0;
        int line = marked ? at.line() + 1 : fallback_line;
        fail(line, message);
    }

    Allowlist read(std::string_view yaml) const {
        // Read into a compact tree rather than YAML::Load's nodes: for 100k entries, loading
        // took 1.3 s and run --enforce peaked at 416 MB; now 0.8 s and 78 MB (bench/results.md).
        YamlTree tree;
        try {
            tree = YamlTree::parse(yaml);
        } catch (const YAML::ParserException& e) {
            // A bare *.example.org reads as a YAML alias: the likeliest cause of this one.
            bool alias = e.msg.find("anchor") != std::string::npos;
            fail(e.mark.line >= 0 ? e.mark.line + 1 : 1,
                 "not valid YAML: " + e.msg +
                     (alias ? " (quote wildcards: host: \"*.example.org\")" : " (fix the syntax on this line)"));
        }
        YamlNode root = tree.root();
        if (!root.IsDefined() || root.IsNull())
            fail(1, "empty allowlist (it needs at least version: 1 and destinations:)");
        if (!root.IsMap())
            fail(root, "not an allowlist: the file is " + kind_of(root) + " (expected keys " + kTopKeys + ")");

        Allowlist list;
        bool have_version = false, have_destinations = false;
        std::set<std::string> seen;
        for (const auto& [key_node, value] : root.pairs()) {
            std::string key = key_text(key_node, seen);
            int key_line = line_of(key_node);
            if (key == "version") {
                list.version = version(value, key_line);
                have_version = true;
            } else if (key == "generated") {
                list.generated = text(value, key, key_line);
            } else if (key == "scope") {
                list.scope = text(value, key, key_line);
                if (!parse_scope_filter(*list.scope))
                    fail(value, "scope '" + *list.scope + "' is unknown (use internet, nonlocal or all)", key_line);
            } else if (key == "destinations") {
                have_destinations = true;
                if (value.IsNull()) continue;
                if (!value.IsSequence())
                    fail(value, "destinations must be a list of entries, not " + kind_of(value), key_line);
                for (const YamlNode& entry : value.items()) list.destinations.push_back(read_entry(entry));
            } else {
                fail(key_node, "unknown key '" + key + "' (expected " + kTopKeys + ")");
            }
        }
        if (!have_version) fail(root, "missing version (add version: 1 at the top)");
        if (!have_destinations) fail(root, "missing destinations (add destinations: [] for an empty allowlist)");
        for (const AllowEntry& e : list.destinations)
            if (e.host && e.host->is_wildcard() && is_public_suffix(e.host->domain()))
                list.warnings.push_back(file_ + ":" + std::to_string(e.line) + ": host '" + e.host->text() +
                                        "' allows every name anyone can register under '" + e.host->domain() +
                                        "' (name the domain you mean, like *.example." + e.host->domain() + ")");
        return list;
    }

private:
    static int line_of(const YamlNode& node) { return node.line() >= 0 ? node.line() + 1 : 1; }

    std::string key_text(const YamlNode& key, std::set<std::string>& seen) const {
        if (!key.IsScalar()) fail(key, "a key must be a word, not " + kind_of(key));
        std::string text(key.Scalar());
        if (!seen.insert(text).second) fail(key, "key '" + text + "' appears twice (keep one)");
        return text;
    }

    std::string text(const YamlNode& value, const std::string& key, int key_line) const {
        if (!value.IsScalar()) fail(value, "'" + key + "' must be text, not " + kind_of(value), key_line);
        if (value.Scalar().empty()) fail(value, "'" + key + "' is empty", key_line);
        return std::string(value.Scalar());
    }

    std::vector<std::string> texts(const YamlNode& value, const std::string& key, int key_line) const {
        std::vector<std::string> out;
        if (value.IsNull()) return out;
        if (!value.IsSequence())
            fail(value, "'" + key + "' must be a list, not " + kind_of(value) + " (write one item per '- ' line)",
                 key_line);
        for (const YamlNode& item : value.items()) out.push_back(text(item, key, key_line));
        return out;
    }

    int version(const YamlNode& value, int key_line) const {
        auto number = value.IsScalar() ? whole_number(value.Scalar()) : std::nullopt;
        if (!number) fail(value, "version must be a number, not " + kind_of(value) + " (write version: 1)", key_line);
        if (*number != static_cast<unsigned>(kAllowlistSchemaVersion))
            fail(value, "unsupported version " + std::string(value.Scalar()) + " (this egresswatch reads version " +
                            std::to_string(kAllowlistSchemaVersion) + "; upgrade egresswatch or write version: 1)");
        return kAllowlistSchemaVersion;
    }

    PortRange ports(const YamlNode& value, int key_line) const {
        if (!value.IsScalar())
            fail(value, "port must be a number or a range like \"8000-8100\", not " + kind_of(value), key_line);
        std::string s(value.Scalar());
        auto dash = s.find('-');
        auto first = whole_number(std::string_view(s).substr(0, dash));
        auto last = dash == std::string::npos ? first : whole_number(std::string_view(s).substr(dash + 1));
        if (!first || !last) fail(value, "port '" + s + "' is not a number or a range like \"8000-8100\"");
        for (unsigned p : {*first, *last})
            if (p == 0 || p > 65535) fail(value, "port " + std::to_string(p) + " is out of range (use 1 to 65535)");
        if (*first > *last)
            fail(value, "port range '" + s + "' is backwards (write the lower port first: \"" + std::to_string(*last) +
                            "-" + std::to_string(*first) + "\")");
        return {static_cast<std::uint16_t>(*first), static_cast<std::uint16_t>(*last)};
    }

    std::vector<Cidr> addresses(const YamlNode& value, int key_line) const {
        std::vector<Cidr> out;
        if (value.IsNull()) return out;
        if (!value.IsSequence())
            fail(value, "addresses must be a list, not " + kind_of(value) + " (write one address per '- ' line)",
                 key_line);
        for (const YamlNode& item : value.items()) {
            if (!item.IsScalar()) fail(item, "an address must be text, not " + kind_of(item), key_line);
            std::string s(item.Scalar());
            switch (cidr_problem(s)) {
            case CidrProblem::none: break;
            case CidrProblem::not_an_address:
                fail(item,
                     "'" + s + "' is not an address or CIDR (write 192.0.2.1, 10.0.0.0/8, 2001:db8::1 or fd00::/8)");
            case CidrProblem::bad_prefix:
                fail(item, "'" + s + "' has a bad prefix length (use /0 to /32 for IPv4, /0 to /128 for IPv6)");
            case CidrProblem::host_bits_set:
                fail(item, "'" + s + "' has bits set after its prefix (write the network address, e.g. 10.0.0.0/8)");
            }
            out.push_back(*Cidr::parse(s));
        }
        return out;
    }

    std::vector<std::string> images(const YamlNode& value, int key_line) const {
        std::vector<std::string> out = texts(value, "images", key_line);
        std::size_t i = 0;
        for (const YamlNode& item : value.items()) {
            if (auto problem = image_item_problem(out[i++])) fail(item, *problem, key_line);
        }
        return out;
    }

    AllowEntry read_entry(const YamlNode& node) const {
        if (!node.IsMap())
            fail(node, "a destination must be a map of " + std::string(kEntryKeys) + ", not " + kind_of(node));
        AllowEntry e;
        e.line = line_of(node);
        bool have_port = false, have_proto = false;
        std::set<std::string> seen;
        for (const auto& [key_node, value] : node.pairs()) {
            std::string key = key_text(key_node, seen);
            int key_line = line_of(key_node);
            if (key == "host") {
                std::string h = text(value, key, key_line);
                e.host = HostPattern::parse(h);
                if (!e.host)
                    fail(value, "host '" + h +
                                    "' is not a host name (write deb.example.org, or *.example.org "
                                    "for every name below example.org)");
            } else if (key == "addresses") {
                e.addresses = addresses(value, key_line);
            } else if (key == "port") {
                e.ports = ports(value, key_line);
                have_port = true;
            } else if (key == "proto") {
                std::string p = text(value, key, key_line);
                auto proto = parse_allow_proto(p);
                if (!proto) fail(value, "proto '" + p + "' is not supported (use tcp, udp, any, icmp or icmpv6)");
                e.proto = *proto;
                have_proto = true;
            } else if (key == "scope") {
                e.scope = text(value, key, key_line);
                if (!parse_address_scope(*e.scope))
                    fail(value, "scope '" + *e.scope + "' is unknown (use internet, private, benchmark, ... as " +
                                    "README.md lists, or leave it out)");
            } else if (key == "processes") {
                e.processes = texts(value, key, key_line);
            } else if (key == "images") {
                e.images = images(value, key_line);
            } else if (key == "sources") {
                e.sources = texts(value, key, key_line);
            } else if (key == "seen_on") {
                e.seen_on = texts(value, key, key_line);
            } else if (key == "ports") {
                fail(key_node, "unknown key 'ports' (write a range as port: \"8000-8100\")");
            } else {
                fail(key_node, "unknown key '" + key + "' (expected " + kEntryKeys + ")");
            }
        }
        if (!e.host && e.addresses.empty())
            fail(node, "destination has neither host nor addresses (add host: NAME or addresses: [ADDRESS])");
        if (!have_proto) fail(node, "destination has no proto (add proto: tcp, udp, any, icmp or icmpv6)");
        if (is_icmp(e.proto)) {
            if (have_port)
                fail(node, "an " + std::string(allow_proto_name(e.proto)) +
                               " destination has no port "
                               "(remove port: ICMP echo is allowed to the whole address)");
            e.ports = PortRange::single(0);
        } else if (!have_port) {
            fail(node, "destination has no port (add port: 443 or port: \"8000-8100\")");
        }
        return e;
    }

    std::string file_;
};

}  // namespace

Allowlist parse_allowlist(std::string_view yaml, const std::string& file) { return Reader(file).read(yaml); }

Allowlist load_allowlist_file(const std::string& path) {
    // A directory opens and reads as nothing ("empty allowlist"), and /dev/zero never ends.
    std::error_code ec;
    auto status = std::filesystem::status(path, ec);
    if (!ec && std::filesystem::is_directory(status))
        throw AllowlistError(path + " is a directory: give the allowlist file in it (such as " + path +
                             "/allowlist.yaml)");
    if (!ec && !std::filesystem::is_regular_file(status))
        throw AllowlistError(path + " is not a regular file: give an allowlist file");
    constexpr std::uintmax_t kMaxAllowlistBytes = 64u << 20;
    if (!ec && std::filesystem::file_size(path, ec) > kMaxAllowlistBytes && !ec)
        throw AllowlistError(path + " is larger than 64 MiB: not an allowlist");
    std::ifstream in(path);
    if (!in) throw AllowlistError("cannot read " + path + ": no such file or not readable");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_allowlist(text.str(), path);
}

}  // namespace egresswatch
