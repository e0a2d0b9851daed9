#pragma once
// Helpers many test files share: a temporary folder per process, the message of an exception,
// small deterministic data and models, file bytes, weights as plain vectors.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "strata/strata.hpp"

namespace strata::testing {

// <system temp>/strata_<tag>_<pid>: a folder of this process's own (tests run in parallel
// processes), created on first use and left behind for inspection.
class TempDir {
 public:
  explicit TempDir(const std::string& tag);
  // The folder, created if needed.
  const std::filesystem::path& path() const;
  // path() / name, as a string.
  std::string file(const std::string& name) const;
  // path() / name, removed with its contents; created again (empty) when `create`.
  std::filesystem::path fresh(const std::string& name, bool create = true) const;

 private:
  std::filesystem::path path_;
};

// A fresh folder of its own (<system temp>/strata_<tag>_<stamp>_<n>), removed with its contents
// at the end of its scope.
struct ScopedTempDir {
  explicit ScopedTempDir(const std::string& tag);
  ~ScopedTempDir();
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  std::filesystem::path operator/(const std::string& name) const { return path / name; }
  std::filesystem::path path;
};

// The what() of the exception f throws, "<no exception>" when it throws none.
std::string message_of(const std::function<void()>& f);
// Whether `text` holds `part` (for checks on error messages).
bool contains(const std::string& text, const std::string& part);

// Captures a stream (std::cout, std::cerr) while alive.
struct Capture {
  explicit Capture(std::ostream& stream);
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  std::string text() const { return buffer_.str(); }
  std::ostream& stream_;
  std::ostringstream buffer_;
  std::streambuf* old_;
};

// (n, d) float32 values spread over [-1, 1), the same on every run.
Tensor inputs(std::int64_t n, std::int64_t d);
// (n,) int64 class ids cycling through `classes`.
Tensor labels(std::int64_t n, std::int64_t classes = 3);

// Two Gaussian blobs in 2-D, one per class (labels alternate 0 / 1): linearly separable.
struct Blobs {
  Tensor x, y;  // (n, 2) float32, (n,) int64
};
Blobs blobs(std::int64_t n, std::uint64_t seed);
// Input(2) -> Dense(8, relu) -> Dense(2): a classifier of the blobs.
Sequential blob_classifier();

// Input(4) -> Dense(8, relu) -> Dropout(0) -> Dense(units): the model of the saving tests.
std::shared_ptr<Sequential> small_mlp(std::int64_t units = 3);
// Adam(1e-2), sparse categorical cross-entropy from logits, accuracy.
void compile_classifier(Model& model);

// Each weight of a layer (or model) as a flat float vector.
std::vector<std::vector<float>> weight_values(const Layer& layer);
// Max |a - b| over two tensors of the same shape.
double max_diff(const Tensor& a, const Tensor& b);

// A file's bytes; (over)writes a file with bytes.
std::string read_bytes(const std::string& path);
// How many times `part` occurs in `text`, without overlaps.
int count_of(const std::string& text, const std::string& part);
void write_bytes(const std::string& path, const std::string& bytes);

}  // namespace strata::testing
