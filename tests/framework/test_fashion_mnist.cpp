// strata::datasets::fashion_mnist::load_data on Debian's dataset-fashion-mnist files, the path
// override (argument and FASHION_MNIST_DIR), and the error for a missing package.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "strata/framework/data/datasets/fashion_mnist.hpp"
#include "strata/strata.hpp"

namespace st = strata;
namespace fs = std::filesystem;
using st::Shape;

namespace {

bool debian_package_installed() {
  return fs::exists(fs::path(st::datasets::fashion_mnist::default_directory) / "train-images-idx3-ubyte.gz");
}

// Sets an environment variable for the scope of the object.
struct ScopedEnv {
  std::string name;
  std::string old;
  bool had;
  ScopedEnv(std::string n, const std::string& value) : name(std::move(n)) {
    const char* o = std::getenv(name.c_str());
    had = o != nullptr;
    if (had) old = o;
    setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had)
      setenv(name.c_str(), old.c_str(), 1);
    else
      unsetenv(name.c_str());
  }
};

void write_idx(const fs::path& path, const std::vector<std::uint32_t>& dims, const std::vector<unsigned char>& data) {
  std::ofstream out(path, std::ios::binary);
  const unsigned char magic[4] = {0, 0, 0x08, static_cast<unsigned char>(dims.size())};
  out.write(reinterpret_cast<const char*>(magic), 4);
  for (auto d : dims) {
    const unsigned char be[4] = {static_cast<unsigned char>(d >> 24), static_cast<unsigned char>(d >> 16),
                                 static_cast<unsigned char>(d >> 8), static_cast<unsigned char>(d)};
    out.write(reinterpret_cast<const char*>(be), 4);
  }
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

}  // namespace

TEST_CASE("fashion_mnist: load_data reads Debian's dataset-fashion-mnist") {
  if (!debian_package_installed()) {
    MESSAGE("skipped: Debian's dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)");
    return;
  }
  ScopedEnv no_override("FASHION_MNIST_DIR", "");
  const auto start = std::chrono::steady_clock::now();
  auto [train, test] = st::datasets::fashion_mnist::load_data();
  MESSAGE("fashion_mnist.load_data: " << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
                                      << " s");
  CHECK(train.x.dtype() == st::uint8);
  CHECK(train.x.shape() == Shape{60000, 28, 28});
  CHECK(train.y.dtype() == st::uint8);
  CHECK(train.y.shape() == Shape{60000});
  CHECK(test.x.dtype() == st::uint8);
  CHECK(test.x.shape() == Shape{10000, 28, 28});
  CHECK(test.y.shape() == Shape{10000});

  // The first labels, as Python's gzip module reads them from the same files.
  const auto train_labels = train.y.to_vector<std::uint8_t>();
  const auto test_labels = test.y.to_vector<std::uint8_t>();
  CHECK(std::vector<std::uint8_t>(train_labels.begin(), train_labels.begin() + 12) ==
        std::vector<std::uint8_t>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5, 0, 9});
  CHECK(std::vector<std::uint8_t>(test_labels.begin(), test_labels.begin() + 12) ==
        std::vector<std::uint8_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7, 4, 5});
  // Ten balanced classes.
  std::vector<int> counts(10, 0);
  for (auto label : train_labels) {
    REQUIRE(label < 10);
    ++counts[label];
  }
  for (int c : counts) CHECK(c == 6000);
  // The first training image: its pixel sum and row 14, as Python reads them.
  auto first = st::slice(train.x, 0, 0, 1).to_vector<std::uint8_t>();
  CHECK(std::accumulate(first.begin(), first.end(), 0L) == 76247);
  CHECK(std::vector<std::uint8_t>(first.begin() + 14 * 28, first.begin() + 15 * 28) ==
        std::vector<std::uint8_t>{0,   0,   1,   4,   6,   7,   2,   0,   0,   0,   0,   0,   237, 226,
                                  217, 223, 222, 219, 222, 221, 216, 223, 229, 215, 218, 255, 77,  0});
  auto first_test = st::slice(test.x, 0, 0, 1).to_vector<std::uint8_t>();
  CHECK(std::accumulate(first_test.begin(), first_test.end(), 0L) == 33456);

  // DESIGN.md's first lines work as written.
  auto x_train = st::cast(train.x, st::float32) / 255.0f;
  CHECK(x_train.dtype() == st::float32);
  CHECK(x_train.shape() == Shape{60000, 28, 28});

  // The same through an explicit path.
  auto again = st::datasets::fashion_mnist::load_data(st::datasets::fashion_mnist::default_directory);
  CHECK(again.test.y.to_vector<std::uint8_t>() == test_labels);
}

TEST_CASE("fashion_mnist: a missing folder names the package and the path tried") {
  try {
    (void)st::datasets::fashion_mnist::load_data("/nonexistent/fashion");
    FAIL("expected an IOError");
  } catch (const st::IOError& e) {
    const std::string what = e.what();
    CHECK(what.find("/nonexistent/fashion/train-images-idx3-ubyte.gz") != std::string::npos);
    CHECK(what.find("dataset-fashion-mnist") != std::string::npos);
  }
  // Through the environment variable as well.
  ScopedEnv env("FASHION_MNIST_DIR", "/nonexistent/env-fashion");
  try {
    (void)st::datasets::fashion_mnist::load_data();
    FAIL("expected an IOError");
  } catch (const st::IOError& e) {
    CHECK(std::string(e.what()).find("/nonexistent/env-fashion") != std::string::npos);
  }
}

TEST_CASE("fashion_mnist: FASHION_MNIST_DIR points load_data at another folder") {
  const fs::path dir = fs::temp_directory_path() /
                       ("strata_fashion_" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  fs::create_directories(dir);
  std::vector<unsigned char> images(3 * 28 * 28, 1), labels = {4, 2, 7};
  write_idx(dir / "train-images-idx3-ubyte", {3, 28, 28}, images);  // uncompressed files are found too
  write_idx(dir / "train-labels-idx1-ubyte", {3}, labels);
  write_idx(dir / "t10k-images-idx3-ubyte", {1, 28, 28}, std::vector<unsigned char>(28 * 28, 2));
  write_idx(dir / "t10k-labels-idx1-ubyte", {1}, {9});
  {
    ScopedEnv env("FASHION_MNIST_DIR", dir.string());
    auto data = st::datasets::fashion_mnist::load_data();
    CHECK(data.train.x.shape() == Shape{3, 28, 28});
    CHECK(data.train.y.to_vector<std::uint8_t>() == std::vector<std::uint8_t>{4, 2, 7});
    CHECK(data.test.y.to_vector<std::uint8_t>() == std::vector<std::uint8_t>{9});
  }
  // Images and labels that disagree are an error.
  write_idx(dir / "t10k-labels-idx1-ubyte", {2}, {9, 9});
  try {
    (void)st::datasets::fashion_mnist::load_data(dir);
    FAIL("expected an IOError");
  } catch (const st::IOError& e) {
    CHECK(std::string(e.what()).find("1 images but 2 labels") != std::string::npos);
  }
  // Images of the wrong shape.
  write_idx(dir / "t10k-images-idx3-ubyte", {1, 28, 27}, std::vector<unsigned char>(28 * 27, 2));
  CHECK_THROWS_AS((void)st::datasets::fashion_mnist::load_data(dir), st::IOError);
  std::error_code ec;
  fs::remove_all(dir, ec);
}
