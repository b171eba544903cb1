#pragma once
// Interned strings: exe paths, comms and host names repeat across thousands of records,
// so aggregates store 4-byte ids instead of copies.

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace egresswatch {

class StringPool {
public:
    StringPool() { intern(""); }  // id 0 is the empty string

    std::uint32_t intern(std::string_view s) {
        if (auto it = ids_.find(s); it != ids_.end()) return it->second;
        const std::string& stored = strings_.emplace_back(s);  // deque: stored never moves
        auto id = static_cast<std::uint32_t>(strings_.size() - 1);
        ids_.emplace(std::string_view(stored), id);
        return id;
    }
    const std::string& at(std::uint32_t id) const { return strings_.at(id); }

private:
    std::deque<std::string> strings_;
    std::unordered_map<std::string_view, std::uint32_t> ids_;
};

}  // namespace egresswatch
