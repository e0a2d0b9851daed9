// The from_config factories of the merging layers.
#include "strata/layers/builtin.hpp"
#include "strata/layers/merging/concatenate.hpp"
#include "strata/layers/merging/dot.hpp"
#include "strata/layers/merging/merge.hpp"

namespace strata::layers::detail {

namespace {

LayerPtr concatenate(const Config& c) {
  const LayerConfigReader in(c, "Concatenate");
  return make_layer<ConcatenateLayer>(
             ConcatenateOptions{static_cast<int>(in.integer("axis", -1)), in.name(), in.dtype()})
      .ptr();
}

LayerPtr dot(const Config& c) {
  const LayerConfigReader in(c, "Dot");
  if (!in.has("axes")) throw ValueError("Dot '" + in.name() + "' needs 'axes'");
  const auto axes = in.axes("axes");
  if (axes.empty() || axes.size() > 2) in.type_error("axes", "an integer or a list of two integers");
  const std::array<int, 2> both{axes[0], axes.size() == 2 ? axes[1] : axes[0]};
  return make_layer<DotLayer>(both, DotOptions{in.boolean("normalize", false), in.name(), in.dtype()}).ptr();
}

}  // namespace

void register_merging_layers(const AddLayer& add) {
  const std::pair<const char*, MergeMode> merges[] = {{"Add", MergeMode::add},         {"Subtract", MergeMode::subtract},
                                                      {"Multiply", MergeMode::multiply}, {"Average", MergeMode::average},
                                                      {"Maximum", MergeMode::maximum},   {"Minimum", MergeMode::minimum}};
  for (const auto& merge : merges)  // (clang 14 cannot capture a structured binding)
    add(merge.first, [cls = merge.first, mode = merge.second](const Config& c) -> LayerPtr {
      const LayerConfigReader in(c, cls);
      return make_layer<MergeLayer>(mode, MergeOptions{in.name(), in.dtype()}).ptr();
    });
  add("Concatenate", concatenate);
  add("Dot", dot);
}

}  // namespace strata::layers::detail
