// ELU, GELU, CAST and REDUCE_MAX, which the converter emits: converted models match Strata's predict,
// and the kernels' edge cases by hand.
#include <doctest/doctest.h>

#include "lite/converter_test_util.hpp"

namespace st = strata;
using namespace strata::layers;
using namespace strata::lite::testing;

TEST_CASE("lite: ELU, GELU, GlobalMaxPooling (REDUCE_MAX) and Embedding's CAST match predict") {
  st::set_random_seed(13);
  st::Sequential act({Input({6}), Dense(8, "elu"), Dense(7), Activation("gelu"), Dense(3)});
  check_matches_predict(act, st::normal({5, 6}, {.seed = 14}), st::lite::convert(act));

  st::Sequential pool({Input({6, 6, 3}), Conv2D(4, 3), GlobalMaxPooling2D(), Dense(2)});
  const auto pool_bytes = st::lite::convert(pool);
  const auto codes = op_codes(pool_bytes);
  CHECK(std::count(codes.begin(), codes.end(), tflite::BuiltinOperator_REDUCE_MAX) == 1);
  check_matches_predict(pool, st::normal({3, 6, 6, 3}, {.seed = 15}), pool_bytes);

  st::Sequential seq({Input({5, 3}), GlobalMaxPooling1D(), Dense(2)});
  check_matches_predict(seq, st::normal({2, 5, 3}, {.seed = 16}), st::lite::convert(seq));

  st::Sequential embed({Input({5}), Embedding(10, 4), Flatten(), Dense(2)});
  const auto embed_bytes = st::lite::convert(embed);
  CHECK(op_codes(embed_bytes)[0] == tflite::BuiltinOperator_CAST);
  const auto ids = st::Tensor::from_vector(std::vector<float>{0, 3, 9, 1, 2, 7, 7, 5, 4, 8}, {2, 5});
  check_matches_predict(embed, ids, embed_bytes);
}
