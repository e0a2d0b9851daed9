#include "support/test_paths.hpp"

// STRATA_TEST_PATH_* come from tests/CMakeLists.txt (and tools/CMakeLists.txt for the tool).
namespace strata::testing {
const char* test_data_dir() { return STRATA_TEST_PATH_DATA; }
const char* shared_dir() { return STRATA_TEST_PATH_SHARED; }
const char* keras_fixtures_dir() { return STRATA_TEST_PATH_KERAS_FIXTURES; }
const char* cli_path() { return STRATA_TEST_PATH_CLI; }
}  // namespace strata::testing
