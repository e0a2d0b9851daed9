#pragma once
// Keras's to_snake_case (keras/src/utils/naming.py), the one rule behind automatic layer names
// ("Conv2DTranspose" -> "conv2d_transpose"), the keys of a .weights.h5 file, and the snake_case
// spellings of registered names ("GlorotUniform" -> "glorot_uniform"). Private to the library.
#include <string>

namespace strata {

// Keras 3's three steps: drop non-word characters, then "(.)([A-Z][a-z]+)" -> "\1_\2", then
// "([a-z])([A-Z])" -> "\1_\2", lower-cased. Digits and acronyms therefore stay glued to the word
// before them: "Conv2D" -> "conv2d", "LSTMCell" -> "lstm_cell", "ReLU" -> "re_lu".
std::string to_snake_case(const std::string& name);

}  // namespace strata
