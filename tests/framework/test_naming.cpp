// to_snake_case gives Keras 3's outputs (keras/src/utils/naming.py): automatic layer names,
// .weights.h5 keys and registered snake_case names all come from it.
#include <doctest/doctest.h>

#include "strata/framework/naming.hpp"

TEST_CASE("to_snake_case: Keras's names for layer and initializer classes") {
  using strata::to_snake_case;
  CHECK(to_snake_case("Dense") == "dense");
  CHECK(to_snake_case("Conv2D") == "conv2d");
  CHECK(to_snake_case("Conv2DTranspose") == "conv2d_transpose");
  CHECK(to_snake_case("GlobalAveragePooling2D") == "global_average_pooling2d");
  CHECK(to_snake_case("LSTMCell") == "lstm_cell");
  CHECK(to_snake_case("LSTM") == "lstm");
  CHECK(to_snake_case("GRU") == "gru");
  CHECK(to_snake_case("SimpleRNN") == "simple_rnn");
  CHECK(to_snake_case("ReLU") == "re_lu");
  CHECK(to_snake_case("PReLU") == "p_re_lu");
  CHECK(to_snake_case("BatchNormalization") == "batch_normalization");
  CHECK(to_snake_case("UpSampling2D") == "up_sampling2d");
  CHECK(to_snake_case("ZeroPadding1D") == "zero_padding1d");
  CHECK(to_snake_case("MultiHeadAttention") == "multi_head_attention");
  CHECK(to_snake_case("InputLayer") == "input_layer");
  CHECK(to_snake_case("GlorotUniform") == "glorot_uniform");
  CHECK(to_snake_case("HeNormal") == "he_normal");
  CHECK(to_snake_case("Sequential") == "sequential");
}

TEST_CASE("to_snake_case: underscores, digits and non-word characters as Keras") {
  using strata::to_snake_case;
  CHECK(to_snake_case("my_layer") == "my_layer");
  CHECK(to_snake_case("My_Layer") == "my__layer");    // "(.)([A-Z][a-z]+)" fires after the '_'
  CHECK(to_snake_case("Dense2Layer") == "dense2_layer");
  CHECK(to_snake_case("AB2") == "ab2");                // tf.keras 2 said "a_b2"; Keras 3 does not
  CHECK(to_snake_case("Custom>Dense") == "custom_dense");  // '>' dropped, then "mDense" split
  CHECK(to_snake_case("my layer!") == "mylayer");
  CHECK(to_snake_case("") == "");
}
