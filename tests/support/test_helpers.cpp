#include "support/test_helpers.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <fstream>
#include <iterator>
#include <ostream>

namespace strata::testing {

namespace fs = std::filesystem;

TempDir::TempDir(const std::string& tag)
    : path_(fs::temp_directory_path() / ("strata_" + tag + "_" + std::to_string(::getpid()))) {}

const fs::path& TempDir::path() const {
  fs::create_directories(path_);
  return path_;
}

std::string TempDir::file(const std::string& name) const { return (path() / name).string(); }

fs::path TempDir::fresh(const std::string& name, bool create) const {
  const fs::path d = path() / name;
  fs::remove_all(d);
  if (create) fs::create_directories(d);
  return d;
}

ScopedTempDir::ScopedTempDir(const std::string& tag) {
  static std::atomic<int> counter{0};
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  path = fs::temp_directory_path() / ("strata_" + tag + "_" + std::to_string(stamp) + "_" + std::to_string(counter++));
  fs::create_directories(path);
}

ScopedTempDir::~ScopedTempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "<no exception>";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Capture::Capture(std::ostream& stream) : stream_(stream), old_(stream.rdbuf(buffer_.rdbuf())) {}
Capture::~Capture() { stream_.rdbuf(old_); }

Tensor inputs(std::int64_t n, std::int64_t d) {
  std::vector<float> v(static_cast<std::size_t>(n * d));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(((i * 37) % 101) / 50.0 - 1.0);
  return Tensor::from_vector(v, {n, d});
}

Tensor labels(std::int64_t n, std::int64_t classes) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::int64_t>((i * 7) % classes);
  return Tensor::from_vector(v, {n});
}

Blobs blobs(std::int64_t n, std::uint64_t seed) {
  Tensor noise = normal({n, 2}, {.stddev = 0.3, .seed = seed});
  std::vector<float> centers(static_cast<std::size_t>(2 * n));
  std::vector<std::int64_t> labels(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    labels[static_cast<std::size_t>(i)] = i % 2;
    centers[static_cast<std::size_t>(2 * i)] = i % 2 ? 2.0f : -2.0f;
    centers[static_cast<std::size_t>(2 * i + 1)] = i % 2 ? -2.0f : 2.0f;
  }
  return {noise + Tensor::from_vector(centers, {n, 2}), Tensor::from_vector(labels, {n})};
}

Sequential blob_classifier() {
  using namespace strata::layers;
  return Sequential({Input({2}), Dense(8, "relu"), Dense(2)});
}

std::shared_ptr<Sequential> small_mlp(std::int64_t units) {
  using namespace strata::layers;
  return std::make_shared<Sequential>(
      std::vector<SequentialItem>{Input({4}), Dense(8, "relu"), Dropout(0.0), Dense(units)});
}

void compile_classifier(Model& model) {
  model.compile({.optimizer = optimizers::Adam(1e-2),
                 .loss = losses::SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {"accuracy"}});
}

std::vector<std::vector<float>> weight_values(const Layer& layer) {
  std::vector<std::vector<float>> out;
  for (const auto& w : layer.get_weights()) out.push_back(w.to_vector<float>());
  return out;
}

double max_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  auto x = a.to_vector<double>(), y = b.to_vector<double>();
  double m = 0;
  for (std::size_t i = 0; i < x.size(); ++i) m = std::max(m, std::abs(x[i] - y[i]));
  return m;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

int count_of(const std::string& text, const std::string& part) {
  int n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
  return n;
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace strata::testing
