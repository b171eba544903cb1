#include "allowlist/host_pattern.h"

#include "base/ascii.h"

namespace egresswatch {
namespace {

// Letters, digits, '-' and '_' (used by SRV-style and some internal names), in labels of
// 1 to 63 bytes. Strict enough to catch a pasted URL or a port, loose enough for real names.
bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > 253) return false;
    std::size_t label = 0;
    for (char c : name) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok || ++label > 63) return false;
    }
    return label != 0;
}

}  // namespace

std::string canonical_host(std::string_view host) {
    std::string out = ascii_lowercase(host);
    if (!out.empty() && out.back() == '.') out.pop_back();
    return out;
}

std::optional<HostPattern> HostPattern::parse(std::string_view text) {
    HostPattern p;
    std::string name = canonical_host(text);
    if (name.starts_with("*.")) {
        p.wildcard_ = true;
        name.erase(0, 2);
    }
    if (!valid_name(name)) return std::nullopt;
    p.domain_ = std::move(name);
    return p;
}

HostPattern HostPattern::as_seen(std::string_view name) {
    HostPattern p;
    p.domain_ = std::string(name);
    return p;
}

bool HostPattern::matches(std::string_view host) const {
    std::string name = canonical_host(host);
    if (!wildcard_) return name == domain_;
    return name.size() > domain_.size() + 1 && name.ends_with(domain_) && name[name.size() - domain_.size() - 1] == '.';
}

}  // namespace egresswatch
