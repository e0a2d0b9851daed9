#pragma once
// Helpers of the TF Lite tests: the fixture paths and file bytes.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/test_paths.hpp"

namespace strata::lite::testing {

inline std::filesystem::path tflite_fixture(const std::string& relative) {
  return std::filesystem::path(STRATA_SHARED_DIR) / "fixtures" / "tflite" / relative;
}

inline std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace strata::lite::testing
