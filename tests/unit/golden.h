#pragma once
// Compares output with a file under tests/fixtures. EGRESSWATCH_UPDATE_GOLDEN=1 rewrites the
// file instead: review the diff before committing.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/subprocess.h"

namespace egresswatch::test {

inline std::string fixture_path(const std::string& relative) { return std::string(FIXTURES_DIR) + "/" + relative; }

inline void expect_fixture(const std::string& relative, const std::string& actual) {
    std::string path = fixture_path(relative);
    if (std::getenv("EGRESSWATCH_UPDATE_GOLDEN")) {
        std::ofstream(path) << actual;
        return;
    }
    ASSERT_TRUE(std::filesystem::exists(path)) << "missing golden file " << path;
    std::string expected = read_text(path);
    EXPECT_EQ(actual, expected) << "differs from " << path;
}

}  // namespace egresswatch::test
