// Saving traced functions to files and loading them back (save_function / load_function /
// export_model): the same outputs without the model's code, the values captured at saving time,
// and hostile files rejected with clear errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "strata/framework/graph/kernel_call.hpp"
#include "strata/strata.hpp"
#include "support/test_helpers.hpp"
#include "support/test_paths.hpp"
#include "tools/child_process.hpp"

namespace st = strata;
namespace fs = std::filesystem;
using namespace strata::layers;
using st::testing::contains;
using st::testing::max_diff;
using st::testing::message_of;

namespace {

const st::testing::TempDir temp_dir("export");
std::string temp(const std::string& name) { return temp_dir.file(name); }

std::vector<std::byte> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(text.size());
  std::memcpy(out.data(), text.data(), text.size());
  return out;
}
void write_bytes(const std::string& path, const std::vector<std::byte>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// A layer the loading side never sees: build + call only.
class Wobble : public st::Layer {
 public:
  explicit Wobble(std::string name = "wobble") : Layer(std::move(name)) {}
  void build(const st::Shape& in) override {
    scale_ = add_weight("scale", {in.back()}, "random_normal");
  }
  st::Tensor call(const st::Tensor& x) override { return st::tanh(x * scale_) + st::sin(x) * 0.5f; }
  std::string class_name() const override { return "Wobble"; }

 private:
  st::Variable scale_;
};

// A subclassed model: its forward pass is C++ the file does not carry.
class TwoTower : public st::Model {
 public:
  TwoTower()
      : Model("two_tower"),
        a_(track(Dense(6, "relu", {.name = "a"}))),
        b_(track(Dense(6, "sigmoid", {.name = "b"}))),
        head_(track(Dense(3, {.name = "head"}))) {}
  st::Tensor call(const st::Tensor& x) override { return st::softmax(head_(a_(x) * b_(x))); }

 private:
  st::LayerHandle<DenseLayer> a_, b_, head_;
};

std::shared_ptr<st::Model> convnet() {
  st::set_random_seed(5);
  auto in = Input({8, 8, 2}, {.name = "image"});
  auto h = Conv2D(4, 3, {.padding = "same", .activation = "relu"})(in);
  h = BatchNormalization()(h);
  h = MaxPooling2D(2)(h);
  h = Conv2D(3, 1)(h);
  h = AveragePooling2D(2)(h);
  h = Flatten()(h);
  h = Dropout(0.3)(h);
  auto out = Dense(5, "softmax")(h);
  auto model = std::make_shared<st::Model>(st::SymbolicTensors{in}, st::SymbolicTensors{out});
  return model;
}

}  // namespace

TEST_CASE("export: a Functional convnet loads back and predicts what the model predicts") {
  auto model = convnet();
  model->compile({.optimizer = "adam", .loss = "categorical_crossentropy"});
  const auto x = st::uniform({6, 8, 8, 2}, {.seed = 9});
  const auto y = st::one_hot(st::Tensor::from_vector(std::vector<std::int64_t>{0, 1, 2, 3, 4, 0}, {6}), 5);
  model->fit(x, y, {.epochs = 2, .batch_size = 6, .verbose = 0});  // moving statistics away from 0 / 1
  const std::string path = temp("convnet.stfn");
  st::models::export_model(*model, path, {.batch_size = 6});
  CHECK(st::is_function_file(path));
  CHECK_FALSE(st::is_function_file(temp("missing.stfn")));

  auto f = st::load_function(path);
  REQUIRE(f.input_specs().size() == 1);
  CHECK(f.input_specs()[0].shape == st::Shape{6, 8, 8, 2});
  CHECK(f.output_specs()[0].shape == st::Shape{6, 5});
  const auto loaded = f({x})[0];
  // The same optimized graph as the compiled predict step: bitwise equal.
  CHECK(max_diff(loaded, model->predict(x, {.batch_size = 6})) == 0.0);
  // And within float32 rounding of the eager forward pass.
  CHECK(max_diff(loaded, model->call(x, false)) <= 1e-6);
  // The listing is the graph's, with what the passes did.
  CHECK(contains(f.listing(), "conv2d"));
  CHECK(f.stats().nodes_replayed == f.stats().nodes_traced - f.stats().nodes_pruned - f.stats().nodes_folded -
                                        f.stats().nodes_merged - f.stats().nodes_fused);
  // Wrong inputs: which input, what it is, what the function takes.
  const auto bad = message_of([&] { f({st::zeros({5, 8, 8, 2})}); });
  CHECK(contains(bad, "input 0 is TensorSpec(shape=(5, 8, 8, 2), dtype=float32)"));
  CHECK(contains(bad, "takes TensorSpec(shape=(6, 8, 8, 2), dtype=float32)"));
}

TEST_CASE("export: a subclassed model and a custom layer run from the file alone") {
  st::set_random_seed(3);
  auto model = std::make_shared<TwoTower>();
  const auto x = st::normal({4, 5}, {.seed = 4});
  const auto expected = (*model)(x);
  auto f = st::function([&](const st::Tensor& in) { return (*model)(in); }, {.name = "towers"});
  const std::string path = temp("towers.stfn");
  st::save_function(f.get_concrete_function({x}), path);
  model.reset();  // the classes' objects are gone; the file holds all it needs
  f = {};
  auto g = st::load_function(path);
  CHECK(g.name() == "towers");
  CHECK(max_diff(g({x})[0], expected) <= 1e-6);

  // A custom layer and a Lambda (neither savable as a Keras file) through export_model, run by the
  // `strata` tool: another program, without these classes.
  st::Sequential seq({Input({3}), st::make_layer<Wobble>(), Lambda([](const st::Tensor& t) { return t * t; }),
                      Dense(2)});
  const std::string seq_path = temp("wobble.stfn");
  st::models::export_model(seq, seq_path, {.batch_size = 4});
  const auto xs = st::normal({10, 3}, {.seed = 8});  // 10 samples: two whole batches and a padded one
  st::data::write_npy(temp("xs.npy"), xs);
  auto run = strata_test::run_command({STRATA_CLI_PATH, "predict", seq_path, "--input", temp("xs.npy"), "--output",
                                       temp("ys.npy")});
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  const auto ys = st::data::read_npy(temp("ys.npy"));
  CHECK(ys.shape() == st::Shape{10, 2});
  CHECK(max_diff(ys, seq.predict(xs)) <= 1e-6);
  auto summary = strata_test::run_command({STRATA_CLI_PATH, "summary", seq_path});
  CHECK(summary.exit_code == 0);
  CHECK(contains(summary.output, "function sequential"));
}

TEST_CASE("export: variables are saved with the values they hold when saving") {
  st::Variable w(st::Tensor({1.0f, 2.0f, 3.0f}), {.name = "w"});
  auto f = st::function([&](const st::Tensor& x) { return x * w + 1.0f; });
  const st::Tensor x({1.0f, 1.0f, 1.0f});
  st::save_function(f.get_concrete_function({x}), temp("w.stfn"));
  w.assign(st::Tensor({10.0f, 20.0f, 30.0f}));
  CHECK(f(x).to_vector<float>() == std::vector<float>{11, 21, 31});
  CHECK(st::load_function(temp("w.stfn"))({x})[0].to_vector<float>() == std::vector<float>{2, 3, 4});
}

TEST_CASE("export: random ops in a loaded function draw new numbers at every call") {
  auto f = st::function([](const st::Tensor& x) { return x + st::uniform({256}); });
  st::save_function(f.get_concrete_function({st::zeros({256})}), temp("random.stfn"));
  auto g = st::load_function(temp("random.stfn"));
  const auto a = g({st::zeros({256})})[0].to_vector<float>(), b = g({st::zeros({256})})[0].to_vector<float>();
  CHECK(a != b);
  for (float v : a) CHECK((v >= 0.0f && v < 1.0f));
}

TEST_CASE("export: st::cond and st::while_loop are saved with their sub-graphs and decide at every call") {
  st::Variable counter(st::zeros({}), {.name = "counter"});
  auto f = st::function([&](const std::vector<st::Tensor>& in) {
    const st::Tensor& x = in[0];
    const st::Tensor& n = in[1];
    // Doubles x until its sum reaches n (at most 20 times), then picks a branch on the result; the
    // taken branch may count in a variable.
    auto grown = st::while_loop([&](const std::vector<st::Tensor>& v) { return st::less(st::sum(v[0]), n); },
                                [](const std::vector<st::Tensor>& v) { return std::vector<st::Tensor>{v[0] * 2.0f}; },
                                {x}, {.maximum_iterations = 20})[0];
    auto picked = st::cond(st::greater(st::sum(grown), st::Tensor(100.0f)), [&] {
      counter.assign_add(st::Tensor(1.0f));
      return grown - 100.0f;
    }, [&] { return grown + counter; });
    return std::vector<st::Tensor>{picked};
  }, {.name = "grow_and_pick"});
  const st::Tensor x({1.0f, 2.0f});
  auto run = [&](const auto& fn, float n) -> std::vector<float> {
    const std::vector<st::Tensor> out = fn({x, st::Tensor(n)});
    return out[0].to_vector<float>();
  };
  CHECK(run(f, 10.0f) == std::vector<float>{4, 8});          // 3 + 6 + 12 >= 10: x*4, sum 12 <= 100
  st::save_function(f.get_concrete_function({x, st::Tensor(10.0f)}), temp("flow.stfn"));
  auto g = st::load_function(temp("flow.stfn"));
  CHECK(contains(g.listing(), "while_loop"));
  CHECK(contains(g.listing(), "cond"));
  for (float n : {1.0f, 10.0f, 50.0f, 150.0f, 1000.0f}) {
    CAPTURE(n);
    CHECK(run(g, n) == run(f, n));  // both count in their own counter: f's, and the file's copy
  }
  CHECK(counter.value().item<float>() == 2.0f);  // n = 150 and 1000 took the counting branch in f
  CHECK(run(g, 1.0f) == std::vector<float>{3, 4});  // the file's counter is 2 as well: 1 + 2, 2 + 2
}

TEST_CASE("export: what cannot be saved, and files that are not function files") {
  // A train step runs its optimizer update on the host: not a kernel graph.
  st::Sequential model({Input({3}), Dense(2)});
  model.compile({.optimizer = "sgd", .loss = "mse"});
  st::Variable v(st::zeros({3}), {.name = "v"});
  auto step = st::function([&](const st::Tensor& x) {
    st::host_step("log", {x}, [](const std::vector<st::Tensor>&) {});
    return x * 2.0f;
  }, {.name = "with_host_step"});
  const auto err = message_of([&] { st::save_function(step.get_concrete_function({st::ones({3})}), temp("h.stfn")); });
  CHECK(contains(err, "function 'with_host_step' cannot be saved"));
  CHECK(contains(err, "host.log"));
  // A host step inside a branch cannot be saved either.
  auto branching = st::function([](const st::Tensor& x) {
    return st::cond(st::greater(st::sum(x), st::Tensor(0.0f)), [&] {
      st::host_step("inner", {x}, [](const std::vector<st::Tensor>&) {});
      return x * 2.0f;
    }, [&] { return x; });
  }, {.name = "branching"});
  CHECK(contains(message_of([&] { st::save_function(branching.get_concrete_function({st::ones({2})}), temp("c.stfn")); }),
                 "its node 'host.inner'"));

  CHECK(contains(message_of([&] { st::load_function(temp("nothing_here.stfn")); }), "cannot open"));
  model.save(temp("model.h5"));
  CHECK(contains(message_of([&] { st::load_function(temp("model.h5")); }), "is not a Strata function file"));

  // A model with no known input shape cannot be exported; the error says what to do.
  TwoTower unbuilt;
  CHECK(contains(message_of([&] { st::models::export_model(unbuilt, temp("u.stfn")); }), "no known input shape"));
}

TEST_CASE("export: truncated and corrupted files give IOErrors, never a crash") {
  auto model = convnet();
  const std::string path = temp("fuzzed_base.stfn");
  st::models::export_model(*model, path, {.batch_size = 2});
  const auto good = file_bytes(path);
  const auto x = st::uniform({2, 8, 8, 2}, {.seed = 1});
  const std::string bad = temp("fuzzed.stfn");

  // Every cut of the file, at a stride that visits every section.
  int rejected = 0;
  for (std::size_t cut = 0; cut < good.size(); cut += 1 + cut / 64) {
    write_bytes(bad, std::vector<std::byte>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut)));
    CHECK_THROWS_AS(st::load_function(bad), st::IOError);
    ++rejected;
  }
  CHECK(rejected > 100);
  // Trailing bytes.
  auto longer = good;
  longer.push_back(std::byte{0});
  write_bytes(bad, longer);
  CHECK(contains(message_of([&] { st::load_function(bad); }), "bytes after the end"));

  // Random byte flips: a strata::Error or a function that runs; nothing else.
  std::mt19937 rng(17);
  int loaded = 0, errors = 0;
  for (int trial = 0; trial < 400; ++trial) {
    auto bytes = good;
    for (int flips = 0; flips < 1 + trial % 4; ++flips)
      bytes[rng() % bytes.size()] = static_cast<std::byte>(rng() & 0xff);
    write_bytes(bad, bytes);
    try {
      auto f = st::load_function(bad);
      ++loaded;
      if (f.input_specs().size() == 1 && f.input_specs()[0].shape == x.shape() && f.input_specs()[0].dtype == st::float32)
        f({x});
    } catch (const st::Error&) {
      ++errors;
    }
  }
  MESSAGE("corrupted files: " << loaded << " loaded, " << errors << " rejected");
  CHECK(errors > 0);

  // The untouched file still loads and runs.
  write_bytes(bad, good);
  CHECK(max_diff(st::load_function(bad)({x})[0], st::load_function(path)({x})[0]) == 0.0);
}

namespace {
// A function file written field by field (the layout of framework/graph/export.cpp): one input
// buffer of `input_bytes`, one buffer of 400 bytes at `arena_offset` in an arena of `arena` bytes,
// and one node applying relu to `rank_dims` floats of the input.
std::vector<std::byte> hostile_file(std::int64_t input_bytes, std::int64_t arena_offset, std::int64_t rank_dims,
                                    std::int64_t arena = 960) {
  using st::graph::detail::CallWriter;
  using st::graph::detail::Kernel;
  CallWriter w;
  for (char c : std::string("STRATAFN")) w.u8(static_cast<std::uint8_t>(c));
  w.i64(1).text("hostile").text("cpu");
  for (int i = 0; i < 7; ++i) w.i64(0);  // statistics
  w.i64(arena);
  w.i64(2);     // buffers
  w.u8(2).i64(input_bytes).i64(0).u8(0).text("input 0").u8(0);
  w.u8(0).i64(400).i64(arena_offset).u8(0).text("").u8(0);
  w.i64(1).i64(0).shape(st::Shape{input_bytes / 4}).dtype(st::float32);  // inputs
  w.i64(1).i64(1).i64(0).shape(st::Shape{100}).dtype(st::float32);        // outputs
  CallWriter call(Kernel::unary);
  call.u8(static_cast<std::uint8_t>(st::backend::UnaryOp::relu)).shape(st::Shape{rank_dims}).dtype(st::float32);
  call.dtype(st::float32).f64(0.0);
  const auto record = call.take();
  w.i64(1).text("unary.relu").text("").u8(0).i64(2).i64(0).i64(0).u8(0).i64(1).i64(0).u8(1);
  w.bytes(record.data(), record.size());
  return w.take();
}
}  // namespace

TEST_CASE("export: a kernel that would reach past its buffer is refused before anything runs") {
  const std::string path = temp("hostile.stfn");
  write_bytes(path, hostile_file(400, 512, 100));  // well-formed: relu of 100 floats
  auto f = st::load_function(path);
  std::vector<float> v(100);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) - 50.0f;
  const auto y = f({st::Tensor::from_vector(v, {100})})[0].to_vector<float>();
  CHECK(y[10] == 0.0f);
  CHECK(y[70] == 20.0f);

  write_bytes(path, hostile_file(16, 512, 100));  // the input holds 4 floats, the kernel reads 100
  CHECK(contains(message_of([&] { st::load_function(path); }),
                 "node 0 ('unary.relu'): argument 0 reaches 400 bytes from offset 0 of buffer 0, which has 16"));
  write_bytes(path, hostile_file(400, 900, 100));  // the arena buffer overruns the arena
  CHECK(contains(message_of([&] { st::load_function(path); }), "lies outside the arena of 960 bytes"));
  write_bytes(path, hostile_file(400, 512, 100, std::int64_t(40) << 30));  // a 40 GiB arena for 912 bytes
  CHECK(contains(message_of([&] { st::load_function(path); }), "for buffers that end at 912"));
  write_bytes(path, hostile_file(400, 512, std::int64_t(1) << 50));  // a dimension past every limit
  CHECK(contains(message_of([&] { st::load_function(path); }), "is out of range"));
}
