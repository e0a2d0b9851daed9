#pragma once
// Fashion-MNIST (Zalando): 60,000 training and 10,000 test images of 28 x 28 grey pixels in 10
// classes, read from the IDX files of Debian's dataset-fashion-mnist package:
//
//   auto [train, test] = st::datasets::fashion_mnist::load_data();
//   auto x_train = st::cast(train.x, st::float32) / 255.0f;   // train.x: uint8 (60000, 28, 28)
//   ... train.y ...                                           // uint8 labels 0..9, (60000,)
#include <filesystem>
#include <string>

#include "strata/framework/tensor.hpp"

namespace strata::datasets {

// One split of an image-classification dataset.
struct Split {
  Tensor x;  // uint8 (n, height, width)
  Tensor y;  // uint8 (n,)
};

struct ImageClassificationData {
  Split train;
  Split test;
};

namespace fashion_mnist {

// Where Debian's dataset-fashion-mnist installs the files.
inline constexpr const char* default_directory = "/usr/share/datasets/fashion-mnist";
inline constexpr const char* class_names[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

// Reads {train,t10k}-{images-idx3,labels-idx1}-ubyte(.gz) from `directory`; when empty, from
// $FASHION_MNIST_DIR if set, else default_directory. A missing file raises IOError naming the
// path tried and the Debian package that provides it.
ImageClassificationData load_data(const std::filesystem::path& directory = {});

}  // namespace fashion_mnist
}  // namespace strata::datasets
