#include "protocols/http2/header_block.h"

#include <charconv>

#include "base/ascii.h"

namespace egresswatch::http2 {
namespace {

std::optional<int> small_number(std::string_view text, std::size_t max_digits) {
    if (text.empty() || text.size() > max_digits) return std::nullopt;
    for (const char c : text)
        if (!is_ascii_digit(c)) return std::nullopt;
    int value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

}  // namespace

void HeaderBlock::add(std::string_view name, std::string_view value, bool known) {
    if (!known) {
        desync = true;
        return;
    }
    const auto keep = [this](std::string_view text) {
        if (text.size() <= kMaxHeaderValue) return std::string(text);
        ++values_truncated;
        return std::string(text.substr(0, kMaxHeaderValue));
    };
    const auto first = [&](std::optional<std::string>& slot) {
        if (!slot) slot = keep(value);
    };
    if (name.starts_with(':')) {
        if (name == ":method")
            first(method);
        else if (name == ":scheme")
            first(scheme);
        else if (name == ":authority")
            first(authority);
        else if (name == ":path")
            first(path);
        else if (name == ":status" && !status)
            status = small_number(value, 3);
        return;
    }
    if (name == "host")
        first(host);
    else if (name == "content-type")
        first(content_type);
    else if (name == "grpc-status" && !grpc_status)
        grpc_status = small_number(value, 9);
    Field field{keep(name), keep(value)};
    std::size_t size = field.name.size() + field.value.size();
    if (fields.size() >= kMaxKeptHeaders || kept_bytes + size > kMaxKeptBlockBytes) {
        ++fields_dropped;
        return;
    }
    kept_bytes += size;
    fields.push_back(std::move(field));
}

}  // namespace egresswatch::http2
