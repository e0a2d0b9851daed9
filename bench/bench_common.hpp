#pragma once
// What the benchmarks share: their command line (integer flags, the peers' spelling), timing, the
// machine they ran on, and the fit() run that prints one line per epoch, so that bench_mlp,
// bench_cnn and bench_cuda time an epoch the same way.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <strata/strata.hpp>

#include "strata/backend/cpu/blas.hpp"  // internal (in-tree benchmarks): which BLAS each GEMM got

namespace bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The CPU, as one key=value line: figures from two machines compare only with their CPUs known
// (AVX-512 or not changes every kernel's speed). From /proc/cpuinfo (Linux; "unknown" elsewhere):
//   machine cpu=AMD_EPYC_7B13 family=25 model=1 cores=2 isa=sse4_2,avx,avx2,fma,avx512f,...
// The model name has its spaces turned to '_', so that every field stays one word.
inline std::string machine_line() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, name = "unknown", family = "?", model = "?", flags;
  const auto value = [](const std::string& l) {
    const auto colon = l.find(':');
    std::string v = colon == std::string::npos ? "" : l.substr(colon + 1);
    v.erase(0, v.find_first_not_of(" \t"));
    return v;
  };
  while (std::getline(in, line)) {
    const std::string key = line.substr(0, line.find_first_of("\t:"));
    if (key == "model name" && name == "unknown") name = value(line);
    if (key == "cpu family" && family == "?") family = value(line);
    if (key == "model" && model == "?") model = value(line);
    if (key == "flags" && flags.empty()) flags = " " + value(line) + " ";
  }
  std::replace(name.begin(), name.end(), ' ', '_');
  // The vector extensions that decide kernel speed, widest last.
  std::string isa;
  for (const char* f : {"sse4_2", "avx", "avx2", "fma", "avx_vnni", "avx512f", "avx512dq", "avx512bw", "avx512vl",
                        "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8"})
    if (flags.find(std::string(" ") + f + " ") != std::string::npos) isa += (isa.empty() ? "" : ",") + std::string(f);
  std::ostringstream out;
  out << "machine cpu=" << name << " family=" << family << " model=" << model
      << " cores=" << std::thread::hardware_concurrency() << " isa=" << (isa.empty() ? "unknown" : isa);
  return out.str();
}

inline void print_machine() {
  std::printf("%s\n", machine_line().c_str());
  std::fflush(stdout);
}

// The CPU backend's BLAS choices so far, one line each (blas.hpp: the library each GEMM shape class
// got, from the single-threaded times of its probe):
//   blas_choice trans=NN m_max=128 n=256 k=784 dtype=float32 lib=openblas openblas_us=… blis_us=…
inline void print_blas_choices() {
  namespace cpu = strata::backend::cpu;
  for (const cpu::BlasChoice& c : cpu::blas_choices())
    std::printf("blas_choice trans=%c%c m_max=%lld n=%lld k=%lld dtype=%s lib=%s openblas_us=%.1f blis_us=%.1f "
                "probe=%lldx%lldx%lld\n",
                c.shape.transpose_a ? 'T' : 'N', c.shape.transpose_b ? 'T' : 'N', static_cast<long long>(c.shape.m),
                static_cast<long long>(c.shape.n), static_cast<long long>(c.shape.k),
                c.shape.is_double ? "float64" : "float32", cpu::blas_name(c.lib), c.openblas_us, c.blis_us,
                static_cast<long long>(c.probe_m), static_cast<long long>(c.probe_n), static_cast<long long>(c.shape.k));
  std::fflush(stdout);
}

// One "--name VALUE" integer flag; `metavar` names the value in the usage line.
struct IntFlag {
  const char* name;
  const char* metavar;
  int* value;
};

// Sets each flag given on the command line; on an unknown one prints the usage line and returns false.
inline bool parse_flags(int argc, char** argv, std::initializer_list<IntFlag> flags) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const auto it =
        std::find_if(flags.begin(), flags.end(), [&](const IntFlag& f) { return argv[i] == std::string(f.name); });
    if (it == flags.end()) {
      std::string usage = std::string("usage: ") + argv[0];
      for (const IntFlag& f : flags) usage += std::string(" [") + f.name + " " + f.metavar + "]";
      std::fprintf(stderr, "%s\n", usage.c_str());
      return false;
    }
    *it->value = std::atoi(argv[i + 1]);
  }
  return true;
}

// The two ways fit runs a step: traced graphs (Keras's default) and plain C++ (run_eagerly).
inline const char* mode_name(bool run_eagerly) { return run_eagerly ? "eager" : "compiled"; }

// Compiles `model` as every benchmark does (Adam(1e-3), sparse categorical cross-entropy from
// logits, accuracy) and trains it with fit(), batch 128. After each epoch: `settle` (waits for a
// device, may be empty), the epoch's seconds from on_epoch_begin to then, an untimed evaluate on the
// test set, and report(epoch from 1, seconds, loss, test accuracy).
inline void fit_timed(strata::Sequential& model, const strata::Tensor& x, const strata::Tensor& y,
                      const strata::Tensor& x_test, const strata::Tensor& y_test, int epochs,
                      const std::function<void(int, double, double, double)>& report,
                      const std::function<void()>& settle = {}, bool run_eagerly = false) {
  namespace st = strata;
  model.compile({.optimizer = st::optimizers::Adam(1e-3),
                 .loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {"accuracy"},
                 .run_eagerly = run_eagerly});
  Clock::time_point start;
  auto timer = st::callbacks::LambdaCallback({
      .on_epoch_begin = [&](int, const st::callbacks::Logs&) { start = Clock::now(); },
      .on_epoch_end =
          [&](int epoch, const st::callbacks::Logs& logs) {
            if (settle) settle();
            const double seconds = seconds_since(start);
            auto scores = model.evaluate(x_test, y_test, {.batch_size = 1024, .verbose = 0});
            report(epoch + 1, seconds, logs.at("loss"), scores.at("accuracy"));
            std::fflush(stdout);
          },
  });
  model.fit(x, y, {.epochs = epochs, .batch_size = 128, .callbacks = {timer}, .verbose = 0});
}

}  // namespace bench
