// plot_model through the real Graphviz `dot`: PNG / SVG / PDF by extension, Keras's options in the
// DOT text and in the picture, nested models as clusters, and the errors when `dot` is missing or
// refuses the format.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "strata/strata.hpp"
#include "support/test_helpers.hpp"
#include "support/test_paths.hpp"

namespace st = strata;
namespace fs = std::filesystem;
using namespace strata::layers;
using st::testing::contains;
using st::testing::message_of;

namespace {

// Whether Graphviz's `dot` is on PATH (the tests that render skip with a message without it).
bool have_dot() {
  if (std::system("dot -V > /dev/null 2>&1") == 0) return true;
  MESSAGE("Graphviz's `dot` is not installed (Debian package graphviz): skipping the rendering checks");
  return false;
}

// A PNG's width and height from its IHDR chunk (big-endian, right after the 8-byte signature and
// the chunk's length and type).
std::pair<std::uint32_t, std::uint32_t> png_size(const std::string& png) {
  auto be32 = [&](std::size_t at) {
    return (std::uint32_t(std::uint8_t(png[at])) << 24) | (std::uint32_t(std::uint8_t(png[at + 1])) << 16) |
           (std::uint32_t(std::uint8_t(png[at + 2])) << 8) | std::uint32_t(std::uint8_t(png[at + 3]));
  };
  return {be32(16), be32(20)};
}

st::Model two_branch_model() {
  auto a = Input({3}, {.name = "left"});
  auto b = Input({3}, {.name = "right"});
  auto hidden = Dense(4, "relu", {.name = "hidden"});
  auto out = Dense(1, {.name = "score"})(Concatenate({.name = "joined"})({hidden(a), hidden(b)}));
  return st::Model({a, b}, out, {.name = "two_branch"});
}

// Sets PATH for the scope (the test of a missing `dot`).
struct ScopedPath {
  explicit ScopedPath(const std::string& value) : old(std::getenv("PATH") ? std::getenv("PATH") : "") {
    setenv("PATH", value.c_str(), 1);
  }
  ~ScopedPath() { setenv("PATH", old.c_str(), 1); }
  std::string old;
};

}  // namespace

TEST_CASE("plot_model: Keras's options in the DOT text") {
  auto model = two_branch_model();
  model.get_layer("hidden")->set_trainable(false);
  const std::string dot = st::utils::model_to_dot(
      model, {.show_shapes = true, .show_dtype = true, .rankdir = "LR", .dpi = 96, .show_layer_activations = true,
              .show_trainable = true});
  CHECK(contains(dot, "graph [rankdir=LR, dpi=96, concentrate=true];"));
  CHECK(contains(dot, "hidden (Dense)|Activation: relu|float32|{input: (None, 3)|output: (None, 4)}|Non-trainable"));
  CHECK(contains(dot, "score (Dense)|Activation: linear|float32|{input: (None, 8)|output: (None, 1)}|Trainable"));
  // No activation and no weights: neither field is shown.
  CHECK(contains(dot, "joined (Concatenate)|float32|{input: [(None, 4), (None, 4)]|output: (None, 8)}\"]"));
  CHECK(contains(dot, "left (InputLayer)|float32|{input: (None, 3)|output: (None, 3)}\"]"));
  CHECK(st::testing::count_of(dot, "->") == 4);  // left, right -> hidden (once) -> joined -> score

  const std::string bare = st::utils::model_to_dot(model, {.show_layer_names = false});
  CHECK(contains(bare, "[label=\"Dense\"]"));
  CHECK_FALSE(contains(bare, "hidden"));
  CHECK(contains(bare, "rankdir=TB, dpi=200"));

  CHECK(contains(message_of([&] { st::utils::model_to_dot(model, {.rankdir = "sideways"}); }),
                 "rankdir must be one of \"TB\", \"LR\", \"BT\", \"RL\"; got \"sideways\""));
  CHECK(contains(message_of([&] { st::utils::model_to_dot(model, {.dpi = 0}); }), "dpi must be positive; got 0"));
}

TEST_CASE("plot_model: nested models are one box, or dashed clusters with expand_nested") {
  auto inner = std::make_shared<st::Sequential>(
      std::vector<st::SequentialItem>{Input({3}), Dense(5, {.name = "inner_a"}), Dense(2, {.name = "inner_b"})}, "tower");
  auto x = Input({3}, {.name = "x"});
  auto y = Dense(1, {.name = "head"})((*inner)(x));
  st::Model model(x, y, {.name = "outer"});

  const std::string flat = st::utils::model_to_dot(model);
  CHECK(contains(flat, "tower (Sequential)"));
  CHECK_FALSE(contains(flat, "inner_a"));
  CHECK(st::testing::count_of(flat, "->") == 2);

  const std::string nested = st::utils::model_to_dot(model, {.show_shapes = true, .expand_nested = true});
  CHECK(contains(nested, "subgraph \"cluster_0\" {"));
  CHECK(contains(nested, "label=\"tower\"; labeljust=l; style=dashed;"));
  CHECK(contains(nested, "inner_b (Dense)|{input: (None, 5)|output: (None, 2)}"));
  CHECK_FALSE(contains(nested, "tower (Sequential)"));
  // x -> inner_a -> inner_b -> head: the edges reach into the cluster.
  CHECK(st::testing::count_of(nested, "->") == 3);
  CHECK(contains(nested, "layer0 -> layer1;"));
  CHECK(contains(nested, "layer1 -> layer2;"));
  CHECK(contains(nested, "layer2 -> layer3;"));

  // A subclassed model is one box, as in Keras.
  struct Tiny : st::Model {
    st::LayerHandle<DenseLayer> dense = track(Dense(3, {.name = "tiny_dense"}));
    st::Tensor call(const st::Tensor& t) override { return dense(t); }
  };
  Tiny tiny;
  const std::string one = st::utils::model_to_dot(tiny);
  CHECK(st::testing::count_of(one, "[label=") == 1);
  CHECK_FALSE(contains(one, "tiny_dense"));
}

TEST_CASE("plot_model: PNG, SVG and PDF rendered by Graphviz's dot") {
  if (!have_dot()) return;
  const st::testing::ScopedTempDir dir("plot_model");
  auto model = two_branch_model();

  const auto png = dir / "model.png";
  st::utils::plot_model(model, png.string(), {.show_shapes = true});
  const std::string png_bytes = st::testing::read_bytes(png);
  REQUIRE(png_bytes.size() > 1000);
  CHECK(png_bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  CHECK(png_bytes.compare(12, 4, "IHDR") == 0);
  const auto [width, height] = png_size(png_bytes);
  CHECK(width > 300);
  CHECK(height > 400);  // top to bottom: four rows of boxes
  CHECK_FALSE(fs::exists(dir / "model.png.dot"));  // the DOT text is removed once rendered
  // Kept under the build folder for a person to look at.
  const fs::path artifacts = fs::path(STRATA_CLI_PATH).parent_path() / "test_artifacts";
  fs::create_directories(artifacts);
  st::utils::plot_model(model, (artifacts / "plot_model.png").string(),
                        {.show_shapes = true, .show_layer_activations = true, .show_trainable = true});

  // dpi scales the picture; rankdir=LR lays it out sideways.
  const auto small = dir / "small.png";
  st::utils::plot_model(model, small.string(), {.show_shapes = true, .dpi = 100});
  const auto [small_width, small_height] = png_size(st::testing::read_bytes(small));
  CHECK(std::abs(2.0 * small_width - width) <= 4.0);
  CHECK(std::abs(2.0 * small_height - height) <= 4.0);
  const auto wide = dir / "wide.png";
  st::utils::plot_model(model, wide.string(), {.rankdir = "LR"});
  const auto [wide_width, wide_height] = png_size(st::testing::read_bytes(wide));
  CHECK(wide_width > wide_height);

  // No extension: a PNG, as Keras.
  const auto plain = dir / "model";
  st::utils::plot_model(model, plain.string());
  CHECK(st::testing::read_bytes(plain).compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);

  const auto svg = dir / "model.svg";
  st::utils::plot_model(model, svg.string(), {.show_shapes = true, .show_layer_activations = true, .show_trainable = true});
  const std::string svg_text = st::testing::read_bytes(svg);
  CHECK(contains(svg_text, "<svg"));
  for (const char* label : {"left (InputLayer)", "right (InputLayer)", "hidden (Dense)", "joined (Concatenate)",
                            "score (Dense)", "Activation: relu", "Trainable", "output: (None, 8)"})
    CHECK_MESSAGE(contains(svg_text, std::string(">") + label + "</text>"), label);
  CHECK(st::testing::count_of(svg_text, "class=\"node\"") == 5);
  CHECK(st::testing::count_of(svg_text, "class=\"edge\"") == 4);

  const auto pdf = dir / "model.pdf";
  st::utils::plot_model(model, pdf.string());
  const std::string pdf_bytes = st::testing::read_bytes(pdf);
  CHECK(pdf_bytes.compare(0, 5, "%PDF-") == 0);
  CHECK(contains(pdf_bytes, "%%EOF"));
}

TEST_CASE("plot_model: any layer name draws as written (record syntax and quotes escaped)") {
  if (!have_dot()) return;
  const st::testing::ScopedTempDir dir("plot_model");
  auto x = Input({2}, {.name = "in\"put"});
  auto y = Dense(1, {.name = "a|b{c}<d>\\e"})(x);
  st::Model model(x, y, {.name = "na\"me\nwith newline"});
  const std::string dot = st::utils::model_to_dot(model);
  CHECK(contains(dot, "digraph \"na\\\"me\\nwith newline\""));
  CHECK(contains(dot, "a\\|b\\{c\\}\\<d\\>\\\\e (Dense)"));
  const auto svg = dir / "odd.svg";
  st::utils::plot_model(model, svg.string());
  const std::string svg_text = st::testing::read_bytes(svg);
  CHECK(contains(svg_text, ">a|b{c}&lt;d&gt;\\e (Dense)</text>"));
  CHECK(contains(svg_text, ">in&quot;put (InputLayer)</text>"));
}

TEST_CASE("plot_model: clear errors without Graphviz, for a format dot refuses, for a folder that is not there") {
  const st::testing::ScopedTempDir dir("plot_model");
  auto model = two_branch_model();
  const auto png = dir / "model.png";
  {
    const ScopedPath no_dot((dir / "empty_bin").string());
    const std::string message = message_of([&] { st::utils::plot_model(model, png.string()); });
    CHECK(contains(message, "needs Graphviz's `dot` program, which is not on PATH"));
    CHECK(contains(message, "the DOT text is in '" + png.string() + ".dot'"));
    CHECK_THROWS_AS(st::utils::plot_model(model, png.string()), st::IOError);
  }
  // The DOT text is kept, so the picture can still be made by hand.
  CHECK(st::testing::read_bytes(dir / "model.png.dot") == st::utils::model_to_dot(model));
  CHECK_FALSE(fs::exists(png));

  if (have_dot()) {
    const auto odd = dir / "model.xyz";
    const std::string message = message_of([&] { st::utils::plot_model(model, odd.string()); });
    CHECK(contains(message, "`dot -Txyz` failed to render"));
    CHECK(contains(message, "\"xyz\" not recognized"));
  }
  CHECK(contains(message_of([&] { st::utils::plot_model(model, (dir / "no_such_dir" / "m.png").string()); }),
                 "cannot write"));
}
