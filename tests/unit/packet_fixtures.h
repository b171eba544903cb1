#pragma once
// Captured packets kept as hex text under tests/fixtures/packets/: '#' lines are comments,
// whitespace is ignored.

#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace egresswatch::test {

inline std::vector<std::uint8_t> from_hex(std::string_view hex) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::vector<std::uint8_t> bytes;
    int high = -1;
    for (char c : hex) {
        const int value = nibble(c);
        if (value < 0) continue;
        if (high < 0) {
            high = value;
        } else {
            bytes.push_back(static_cast<std::uint8_t>(high << 4 | value));
            high = -1;
        }
    }
    if (high >= 0) throw std::runtime_error("odd number of hex digits");
    return bytes;
}

inline std::vector<std::uint8_t> read_packet_fixture(const std::string& name) {
    std::ifstream in(std::string(FIXTURES_DIR) + "/packets/" + name);
    if (!in) throw std::runtime_error("missing fixture " + name);
    std::string line, hex;
    while (std::getline(in, line))
        if (!line.starts_with("#")) hex += line;
    return from_hex(hex);
}

}  // namespace egresswatch::test
