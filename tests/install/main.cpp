// A program outside the Strata tree: two tensors, their sum, and a gradient.
#include <iostream>

#include <strata/strata.hpp>

namespace st = strata;

int main() {
  st::Tensor a({1.0, 2.0});
  st::Tensor b({3.0, 4.0});
  std::cout << "sum: " << a + b << "\n";

  st::Variable x(3.0f);
  st::GradientTape tape;
  auto y = x * x;
  std::cout << "gradient: " << tape.gradient(y, x).item<float>() << "\n";
  return 0;
}
