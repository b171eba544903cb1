#pragma once
// A host name or a wildcard for a family of names, as an allowlist holds them.
//
//   deb.example.org   matches deb.example.org only
//   *.example.org     matches a.example.org and a.b.example.org, but not example.org itself:
//                     allowing every name below a domain must not silently allow the domain
//                     (list the apex as its own entry when it is wanted too)
//
// Names compare without regard to case and to a trailing dot, as DNS does.

#include <optional>
#include <string>
#include <string_view>

namespace egresswatch {

class HostPattern {
public:
    // nullopt when the text is not a host name or a leading "*." wildcard.
    static std::optional<HostPattern> parse(std::string_view text);
    // A name a session saw, kept as it was seen (neither checked nor lower-cased), for the
    // recorder: allowlist.yaml lists what clients asked for, even a name no allowlist could
    // hold (the loader then says what is wrong with it).
    static HostPattern as_seen(std::string_view name);

    bool matches(std::string_view host) const;
    bool is_wildcard() const { return wildcard_; }
    // The name below which a wildcard matches ("example.org" for *.example.org), or the name.
    const std::string& domain() const { return domain_; }
    // As written in files: lower case, no trailing dot (as_seen: the name as it was seen).
    std::string text() const { return wildcard_ ? "*." + domain_ : domain_; }

    auto operator<=>(const HostPattern&) const = default;

private:
    std::string domain_;
    bool wildcard_ = false;
};

// Lower case, trailing dot removed: the form names are compared in.
std::string canonical_host(std::string_view host);

}  // namespace egresswatch
