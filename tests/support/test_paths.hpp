#pragma once
// Where the tests find their data: the reference data beside them, the shared fixtures next to the
// repository, the `strata` tool. The paths are compiled into test_paths.cpp alone, so the other
// test files' compile commands hold no absolute path and ccache reuses them from any checkout.
namespace strata::testing {
const char* test_data_dir();       // tests/data
const char* shared_dir();          // ../shared (real Keras files and goldens, read-only)
const char* keras_fixtures_dir();  // ../shared/fixtures/keras
const char* cli_path();            // the built `strata` tool
}  // namespace strata::testing

#define STRATA_TEST_DATA_DIR ::strata::testing::test_data_dir()
#define STRATA_SHARED_DIR ::strata::testing::shared_dir()
#define STRATA_KERAS_FIXTURES_DIR ::strata::testing::keras_fixtures_dir()
#define STRATA_CLI_PATH ::strata::testing::cli_path()
