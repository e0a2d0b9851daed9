#pragma once
// strata::Layer: the base of every layer and model. A subclass writes a constructor, build() (which
// creates weights with add_weight) and call() (written with ops: the GradientTape differentiates
// it, so there is no backward code). Layers live behind shared ownership and are used through a
// LayerHandle, so one layer object can be called at several places and share its weights.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "strata/framework/config.hpp"
#include "strata/framework/tensor.hpp"
#include "strata/framework/variable.hpp"
#include "strata/layers/constraints.hpp"
#include "strata/layers/initializers.hpp"
#include "strata/layers/regularizers.hpp"

namespace strata {

struct AddWeightOptions {
  regularizers::RegularizerPtr regularizer;
  constraints::ConstraintPtr constraint;
  bool trainable = true;
  std::optional<DType> dtype;  // the layer's dtype by default
};

template <class L>
class LayerHandle;

class Layer;
using LayerPtr = std::shared_ptr<Layer>;

class Layer : public std::enable_shared_from_this<Layer> {
 public:
  explicit Layer(std::string name = "", DType dtype = float32);
  virtual ~Layer();
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  // --- what a subclass writes ---
  virtual void build(const Shape& input_shape);
  // Override one of these. The training flag reaches every sub-layer called inside (Keras's call
  // context), so a subclass that does not care about it overrides the first.
  virtual Tensor call(const Tensor& inputs);
  virtual Tensor call(const Tensor& inputs, bool training);
  // The output shape for an input shape (-1 = unknown). By default: call() on zeros, with unknown
  // dimensions taken as 1.
  virtual Shape compute_output_shape(const Shape& input_shape);
  // Layers of several inputs or outputs (merge layers, a Functional model) override these; by
  // default one input goes to build(Shape) / call(Tensor, bool) and gives one output.
  virtual void build(const std::vector<Shape>& input_shapes);
  virtual std::vector<Tensor> call(const std::vector<Tensor>& inputs, bool training);
  // Output shapes for input shapes; by default compute_output_shape for one input, else call() on
  // zeros (unknown dimensions taken as 1, reported back as -1 on the batch axis).
  virtual std::vector<Shape> compute_output_shapes(const std::vector<Shape>& input_shapes);
  // Keras's config: {"name", "trainable", "dtype"} plus the subclass's arguments.
  virtual Config get_config() const;
  // Keras's class name ("Dense"); by default the C++ class name.
  virtual std::string class_name() const;

  // --- using a layer ---
  // Builds on the first call, casts floating inputs to the layer's dtype, then call(). Without a
  // training flag the enclosing call's flag is used (false at the outermost call).
  // On symbolic tensors (Input(), or outputs of other symbolic calls) nothing is computed: the call
  // is recorded as a node of this layer and symbolic outputs of the inferred shapes are returned.
  Tensor operator()(const Tensor& inputs, std::optional<bool> training = std::nullopt);
  // Several inputs; the layer must give exactly one output (else use apply()).
  Tensor operator()(const std::vector<Tensor>& inputs, std::optional<bool> training = std::nullopt);
  // Any number of inputs and outputs.
  std::vector<Tensor> apply(const std::vector<Tensor>& inputs, std::optional<bool> training = std::nullopt);

  // --- masks (Keras's mask propagation, kept explicit) ---
  // A mask is a bool tensor (batch, timesteps) that marks the steps to use; an undefined Tensor is
  // "no mask". It belongs to a layer's first input and first output: Embedding(mask_zero) and
  // Masking make one, recurrent layers honour it, layers that support masking pass it on, the rest
  // drop it. Sequential and Functional models carry it from each layer to the next; called
  // directly, apply_masked gives the output mask to pass on by hand.
  struct Masked {
    std::vector<Tensor> outputs;
    Tensor mask;  // the mask of outputs[0] (undefined: none)
  };
  Masked apply_masked(const std::vector<Tensor>& inputs, const Tensor& mask,
                      std::optional<bool> training = std::nullopt);
  // Whether the layer passes an input mask on unchanged (Keras's supports_masking).
  virtual bool supports_masking() const { return false; }
  // The mask of the first output for these inputs and the first input's mask. By default the input
  // mask when supports_masking(), else none.
  virtual Tensor compute_mask(const std::vector<Tensor>& inputs, const Tensor& mask);
  // The call for layers that consume a mask (recurrent layers); by default the mask is ignored and
  // call(inputs, training) runs.
  virtual std::vector<Tensor> call_with_mask(const std::vector<Tensor>& inputs, const Tensor& mask, bool training);

  // Keras 3 saves a layer's sub-layers under the attribute that holds them ("cell" of an RNN,
  // "forward_layer" of Bidirectional) in .weights.h5: their names here. Empty for plain layers.
  virtual std::vector<std::pair<std::string, LayerPtr>> keras3_children() const { return {}; }

  // One symbolic call of this layer: the tensors it was called on and the outputs it gave (as
  // shapes and dtypes: holding the output tensors would make a cycle through their history).
  struct Node {
    std::vector<Tensor> inputs;
    std::vector<Shape> output_shapes;
    std::vector<DType> output_dtypes;
  };
  const std::vector<Node>& inbound_nodes() const { return inbound_nodes_; }

  // The name given at construction, else Keras's automatic one ("dense", "dense_1", ...). Layers
  // made by the built-in factories or make_layer are named right after construction, so names
  // follow construction order; a layer made otherwise (std::make_shared, on the stack) is named at
  // its first name() call (thread-safe).
  const std::string& name() const;
  DType dtype() const { return dtype_; }
  // The dtype of the weights and computation; before the layer is built only (ValueError after).
  void set_dtype(DType dtype);
  bool built() const { return built_; }
  // Builds the layer for `input_shape` if it is not built yet.
  void ensure_built(const Shape& input_shape);
  void ensure_built(const std::vector<Shape>& input_shapes);
  // The shape the layer was built for (empty before).
  const std::optional<Shape>& build_input_shape() const { return build_input_shape_; }

  // --- weights ---
  Variable add_weight(const std::string& name, const Shape& shape,
                      const initializers::InitializerRef& initializer = "glorot_uniform",
                      const AddWeightOptions& options = {});
  // Own weights then sub-layers', trainable first (Keras's order).
  std::vector<Variable> weights() const;
  std::vector<Variable> trainable_weights() const;
  std::vector<Variable> non_trainable_weights() const;
  // Keras's get_weights / set_weights order, layer by layer: the layer's own weights (trainable
  // ones first), then each sub-layer's in turn — so a model's BatchNormalization statistics sit
  // after its gamma and beta, before the next layer's kernel, as in model.get_weights().
  std::vector<Tensor> get_weights() const;
  // Replaces the values of get_weights() in order; shapes must match (ValueError naming the
  // layer, the weight and both shapes). Nothing changes when any shape is wrong.
  void set_weights(const std::vector<Tensor>& values);
  std::int64_t count_params() const;

  bool trainable() const { return trainable_; }
  // Freezing a layer freezes its sub-layers: their weights move to non_trainable_weights().
  virtual void set_trainable(bool trainable);

  // --- losses added during the forward pass (regularization) ---
  void add_loss(const Tensor& loss);
  // Activity losses of the last call plus weight regularization penalties, of this layer and its
  // sub-layers.
  std::vector<Tensor> losses() const;
  void clear_losses();

  // The constraint attached to a weight by add_weight (nullptr when none).
  constraints::ConstraintPtr constraint_of(const Variable& weight) const;

  // --- sub-layers ---
  // Registers a layer held by this one, so its weights count as this layer's.
  template <class L>
  std::shared_ptr<L> track(std::shared_ptr<L> layer) {
    sublayers_.push_back(layer);
    return layer;
  }
  template <class L>
  LayerHandle<L> track(LayerHandle<L> layer) {
    sublayers_.push_back(layer.ptr());
    return layer;
  }
  // Layers held in a std::vector member: one call tracks them all.
  template <class L>
  std::vector<LayerHandle<L>> track(std::vector<LayerHandle<L>> layers) {
    for (const auto& layer : layers) sublayers_.push_back(layer.ptr());
    return layers;
  }
  template <class L>
  std::vector<std::shared_ptr<L>> track(std::vector<std::shared_ptr<L>> layers) {
    for (const auto& layer : layers) sublayers_.push_back(layer);
    return layers;
  }
  const std::vector<std::shared_ptr<Layer>>& sublayers() const { return sublayers_; }
  // Stops tracking a sub-layer (Sequential::pop).
  void untrack(const std::shared_ptr<Layer>& layer);

 protected:
  void set_built(bool built) { built_ = built; }
  // The training flag of the call in progress (for layers that call ops directly).
  static bool in_training();

 private:
  struct OwnWeight {
    Variable variable;
    regularizers::RegularizerPtr regularizer;
    constraints::ConstraintPtr constraint;
  };
  // `visited`: layers already collected, so a layer tracked at several places (shared, or also
  // inside a tracked sub-model) contributes its weights and losses once.
  void collect(std::vector<Variable>& out, bool trainable_wanted, bool parent_trainable,
               std::vector<const Layer*>& visited) const;
  void collect_losses(std::vector<Tensor>& out, std::vector<const Layer*>& visited) const;
  void collect_by_layer(std::vector<Variable>& out, std::vector<const Layer*>& visited) const;
  std::vector<Tensor> call_symbolic(const std::vector<Tensor>& inputs);

  mutable std::string name_;
  mutable std::once_flag name_once_;
  DType dtype_;
  bool built_ = false;
  bool trainable_ = true;
  std::optional<Shape> build_input_shape_;
  std::vector<OwnWeight> weights_;
  std::vector<Tensor> activity_losses_;
  std::vector<std::shared_ptr<Layer>> sublayers_;
  std::vector<Node> inbound_nodes_;
};

// What a symbolic tensor remembers of where it comes from: the layer that produced it, and which
// call (node) and output of that layer. Stored in TensorImpl::keras_history.
struct KerasHistory {
  LayerPtr layer;
  int node_index = 0;
  int tensor_index = 0;
};
// The history of a symbolic tensor (nullptr for a concrete one).
std::shared_ptr<KerasHistory> keras_history(const Tensor& tensor);

// A shared handle to a layer of class L: callable like the layer, -> reaches its members, and
// converts to a handle of a base class (LayerHandle<Layer>) or to std::shared_ptr.
template <class L>
class LayerHandle {
 public:
  LayerHandle() = default;
  LayerHandle(std::shared_ptr<L> layer) : layer_(std::move(layer)) {}
  template <class U>
    requires std::is_convertible_v<U*, L*>
  LayerHandle(const LayerHandle<U>& other) : layer_(other.ptr()) {}

  Tensor operator()(const Tensor& inputs, std::optional<bool> training = std::nullopt) const {
    return (*layer_)(inputs, training);
  }
  Tensor operator()(const std::vector<Tensor>& inputs, std::optional<bool> training = std::nullopt) const {
    return (*layer_)(inputs, training);
  }
  L* operator->() const { return layer_.get(); }
  L& operator*() const { return *layer_; }
  const std::shared_ptr<L>& ptr() const { return layer_; }
  operator std::shared_ptr<Layer>() const { return layer_; }
  explicit operator bool() const { return layer_ != nullptr; }

 private:
  std::shared_ptr<L> layer_;
};

// A handle to a new layer of a user class: make_layer<OurDense>(3). The layer takes its automatic
// name here, once constructed (class_name() is virtual, so the base constructor cannot).
template <class L, class... Args>
LayerHandle<L> make_layer(Args&&... args) {
  auto layer = std::make_shared<L>(std::forward<Args>(args)...);
  (void)layer->name();
  return LayerHandle<L>(std::move(layer));
}

// Keras's clear_session(): restarts the automatic layer names ("dense", "dense_1", ...), so names
// do not depend on what ran before (tests, notebooks building several models).
void clear_session();

}  // namespace strata
