#pragma once
// Automatic differentiation, as TensorFlow 2's GradientTape. A tape records, while it lives, every
// op that reads a tensor it watches (trainable Variables are watched automatically) and can then
// give the gradient of a target with respect to any watched tensor. Tapes nest: an outer tape
// records the ops an inner tape's gradient() runs, which gives second derivatives.
#include <functional>
#include <memory>
#include <vector>

#include "strata/framework/tensor.hpp"
#include "strata/framework/variable.hpp"

namespace strata {

struct GradientTapeOptions {
  bool persistent = false;                // allow several gradient() calls
  bool watch_accessed_variables = true;  // watch every trainable Variable an op reads
};

class GradientTape {
 public:
  explicit GradientTape(GradientTapeOptions options = {});
  ~GradientTape();
  GradientTape(const GradientTape&) = delete;
  GradientTape& operator=(const GradientTape&) = delete;

  void watch(const Tensor& tensor);
  void watch(const std::vector<Tensor>& tensors);

  // d target / d source. The target is summed when it is not a scalar (or weighted by
  // `output_gradient`). A source the target does not depend on gets an undefined Tensor
  // (defined() == false), as TensorFlow's None. Throws ValueError for a non-floating source and
  // for a second call on a non-persistent tape.
  Tensor gradient(const Tensor& target, const Tensor& source, const Tensor& output_gradient = {});
  std::vector<Tensor> gradient(const Tensor& target, const std::vector<Tensor>& sources,
                               const Tensor& output_gradient = {});
  std::vector<Tensor> gradient(const Tensor& target, const std::vector<Variable>& sources,
                               const Tensor& output_gradient = {});

  // The trainable variables the recorded ops read, in first-use order.
  std::vector<Variable> watched_variables() const;

  // Pauses recording on this tape until the returned guard goes away.
  class Pause {
   public:
    explicit Pause(GradientTape& tape);
    ~Pause();
    Pause(const Pause&) = delete;
    Pause& operator=(const Pause&) = delete;

   private:
    GradientTape& tape_;
    bool was_recording_;
  };
  Pause stop_recording() { return Pause(*this); }

  // Forgets everything recorded so far.
  void reset();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

// x itself, cut from the tape: no gradient flows through the result.
Tensor stop_gradient(const Tensor& x);

// A function with a hand-written gradient, as tf.custom_gradient: `f` computes the value (its ops
// are not recorded) and the gradient function maps the upstream gradient to the input's.
struct CustomGradient {
  Tensor value;
  std::function<Tensor(const Tensor& upstream)> grad;
};
Tensor custom_gradient(const Tensor& x, const std::function<CustomGradient(const Tensor&)>& f);

struct CustomGradients {
  Tensor value;
  std::function<std::vector<Tensor>(const Tensor& upstream)> grads;  // one per input
};
Tensor custom_gradient(const std::vector<Tensor>& inputs,
                       const std::function<CustomGradients(const std::vector<Tensor>&)>& f);

}  // namespace strata
