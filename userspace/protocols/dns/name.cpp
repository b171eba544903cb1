#include "protocols/dns/name.h"

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/ascii.h"

namespace egresswatch {
namespace {

constexpr std::size_t kMaxWireNameLength = 255;
// Jumps only ever go backwards, so they end; this bounds the work one name can cost even in a
// message that chains pointer to pointer across its whole length.
constexpr int kMaxPointerJumps = 64;

void append_label_byte(std::string& out, std::uint8_t byte) {
    char c = static_cast<char>(byte);
    if (c == '.' || c == '\\') {
        out += '\\';
        out += c;
    } else if (byte <= 0x20 || byte >= 0x7f) {
        out += '\\';
        out += static_cast<char>('0' + byte / 100);
        out += static_cast<char>('0' + byte / 10 % 10);
        out += static_cast<char>('0' + byte % 10);
    } else {
        out += ascii_lower(c);
    }
}

}  // namespace

ParseStatus read_dns_name(ByteReader& reader, std::string& name) {
    if (reader.failed()) return ParseStatus::malformed;
    const auto message = reader.data();
    std::size_t pos = reader.offset();
    std::optional<std::size_t> resume_at;  // just past the name where it was first stored
    std::size_t last_jump = 0;
    int jumps = 0;
    std::size_t wire_length = 1;  // the root label
    std::string out;

    // Once we have jumped, the bytes belong to an earlier, complete name: running out of them
    // is a lie in the message, not a short capture.
    auto ran_out = [&] { return resume_at ? ParseStatus::malformed : ParseStatus::need_more; };

    for (;;) {
        if (pos >= message.size()) return ran_out();
        const std::uint8_t length = message[pos];
        if ((length & 0xC0) == 0xC0) {
            if (pos + 1 >= message.size()) return ran_out();
            const std::size_t target = (static_cast<std::size_t>(length & 0x3F) << 8) | message[pos + 1];
            const std::size_t limit = resume_at ? last_jump : pos;
            if (target >= limit || ++jumps > kMaxPointerJumps) return ParseStatus::malformed;
            if (!resume_at) resume_at = pos + 2;
            last_jump = target;
            pos = target;
            continue;
        }
        if ((length & 0xC0) != 0) return ParseStatus::malformed;  // 0x40/0x80: obsolete label types
        if (length == 0) {
            if (!resume_at) resume_at = pos + 1;
            break;
        }
        wire_length += 1 + length;
        if (wire_length > kMaxWireNameLength) return ParseStatus::malformed;
        if (message.size() - pos - 1 < length) return ran_out();
        if (!out.empty()) out += '.';
        for (std::size_t i = 0; i < length; ++i) append_label_byte(out, message[pos + 1 + i]);
        pos += 1 + length;
    }

    reader.skip(*resume_at - reader.offset());
    name = std::move(out);
    return ParseStatus::complete;
}

}  // namespace egresswatch
