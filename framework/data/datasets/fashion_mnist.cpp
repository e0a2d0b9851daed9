#include "strata/framework/data/datasets/fashion_mnist.hpp"

#include <cstdlib>
#include <future>

#include "strata/framework/data/readers.hpp"
#include "strata/framework/errors.hpp"

namespace strata::datasets::fashion_mnist {
namespace {

// "<stem>.gz" or, if only that exists, the uncompressed "<stem>".
std::filesystem::path find_file(const std::filesystem::path& directory, const std::string& stem, bool from_default) {
  std::error_code ec;
  const auto gz = directory / (stem + ".gz");
  if (std::filesystem::exists(gz, ec)) return gz;
  const auto plain = directory / stem;
  if (std::filesystem::exists(plain, ec)) return plain;
  std::string message = "fashion_mnist.load_data: cannot find " + gz.string() + " (nor " + plain.string() + "). ";
  if (from_default)
    message += "Install Debian's package with `apt-get install dataset-fashion-mnist`, or point FASHION_MNIST_DIR "
               "or load_data(path) at a folder holding the four IDX files.";
  else
    message += "The folder must hold the four IDX files of Fashion-MNIST (Debian's package dataset-fashion-mnist "
               "installs them in " + std::string(default_directory) + ").";
  throw IOError(message);
}

Split load_split(const std::filesystem::path& directory, const std::string& prefix, bool from_default) {
  const auto images_path = find_file(directory, prefix + "-images-idx3-ubyte", from_default);
  const auto labels_path = find_file(directory, prefix + "-labels-idx1-ubyte", from_default);
  Split split{data::read_idx(images_path), data::read_idx(labels_path)};
  if (split.x.dtype() != uint8 || split.x.rank() != 3 || split.x.shape()[1] != 28 || split.x.shape()[2] != 28)
    throw IOError("fashion_mnist.load_data: " + images_path.string() + ": expected uint8 images of shape (n, 28, 28), got " +
                  std::string(dtype_name(split.x.dtype())) + " " + split.x.shape().to_string());
  if (split.y.dtype() != uint8 || split.y.rank() != 1)
    throw IOError("fashion_mnist.load_data: " + labels_path.string() + ": expected uint8 labels of shape (n,), got " +
                  std::string(dtype_name(split.y.dtype())) + " " + split.y.shape().to_string());
  if (split.x.shape()[0] != split.y.shape()[0])
    throw IOError("fashion_mnist.load_data: " + directory.string() + ": the " + prefix + " split has " +
                  std::to_string(split.x.shape()[0]) + " images but " + std::to_string(split.y.shape()[0]) + " labels");
  return split;
}

}  // namespace

ImageClassificationData load_data(const std::filesystem::path& directory) {
  std::filesystem::path dir = directory;
  bool from_default = false;
  if (dir.empty()) {
    const char* env = std::getenv("FASHION_MNIST_DIR");
    if (env && *env) {
      dir = env;
    } else {
      dir = default_directory;
      from_default = true;
    }
  }
  // The two splits decompress in parallel.
  auto test = std::async(std::launch::async, [&] { return load_split(dir, "t10k", from_default); });
  ImageClassificationData data;
  try {
    data.train = load_split(dir, "train", from_default);
  } catch (...) {
    test.wait();
    throw;
  }
  data.test = test.get();
  return data;
}

}  // namespace strata::datasets::fashion_mnist
