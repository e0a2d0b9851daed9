// Fused elementwise programs on the CPU (float32 / float64). A program is planned once and the
// plan cached per thread: each step becomes a kernel specialised for its op and operand kinds (a
// negative or relu folded into the binary step before it), and each intermediate a scratch slot
// reused as soon as its last reader ran (a chain needs one slot, updated in place). Every chunk of
// 8 KiB per slot then runs the steps one after another, each an xsimd loop over the chunk, so
// intermediates stay in L1. Small programs run on the calling thread; large ones split their chunks
// across the pool, each thread with its own scratch (kept between calls: a replay allocates nothing).
//
// Every step computes eager's formula (unary.cpp, binary.cpp) the way eager's xtensor assignment
// does: batches of xsimd functions up to the last whole batch of the buffer, std:: functions on the
// remainder, and the scalar path everywhere for softplus (which xtensor does not vectorise); float
// tanh and sigmoid are tanh_simd.hpp's batch code for every element, as in eager. So a fused chain is bitwise
// equal to the same ops run one by one.

// GCC 12 warns about its own AVX-512 intrinsics when xsimd inlines them; the warning is spurious.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "strata/backend/cpu/cpu_backend.hpp"
#include "strata/backend/cpu/tanh_simd.hpp"
#include "strata/backend/cpu/thread_pool.hpp"

namespace strata::backend::cpu {
namespace {

template <class T>
using Batch = xsimd::batch<T>;

// xtensor's where / maximum / minimum: a select, lane by lane.
template <class T>
T choose(bool c, T a, T b) {
  return c ? a : b;
}
template <class T, class A>
xsimd::batch<T, A> choose(const xsimd::batch_bool<T, A>& c, const xsimd::batch<T, A>& a, const xsimd::batch<T, A>& b) {
  return xsimd::select(c, a, b);
}

// Ops whose every value goes through batch code (tanh_simd.hpp; a tail padded into one batch), as
// in eager.
template <class T, UnaryOp op>
constexpr bool kBatchOnly = (op == UnaryOp::tanh || op == UnaryOp::sigmoid) && std::is_same_v<T, float>;

template <UnaryOp op>
[[gnu::always_inline]] inline Batch<float> batch_function(Batch<float> v) {
  if constexpr (op == UnaryOp::tanh) return tanh_batch(v);
  else return sigmoid_batch(v);
}

// One unary op on V (a T, or a Batch<T>: std:: or xsimd:: functions by overload, as xtensor
// picks them), written exactly as the eager kernel's expression.
template <UnaryOp op, class T, class V>
[[gnu::always_inline]] inline V unary_formula(V v, T alpha) {
  using std::abs, std::ceil, std::cos, std::erf, std::exp, std::expm1, std::floor, std::log, std::log1p,
      std::nearbyint, std::sin, std::sqrt, std::tanh;
  const V zero(T(0)), one(T(1)), half(T(0.5));
  if constexpr (op == UnaryOp::negative) return -v;
  else if constexpr (op == UnaryOp::abs) return abs(v);
  else if constexpr (op == UnaryOp::sign) return choose(v > zero, one, choose(v < zero, V(-T(1)), v));
  else if constexpr (op == UnaryOp::square) return v * v;
  else if constexpr (op == UnaryOp::sqrt) return sqrt(v);
  else if constexpr (op == UnaryOp::rsqrt) return one / sqrt(v);
  else if constexpr (op == UnaryOp::reciprocal) return one / v;
  else if constexpr (op == UnaryOp::exp) return exp(v);
  else if constexpr (op == UnaryOp::expm1) return expm1(v);
  else if constexpr (op == UnaryOp::log) return log(v);
  else if constexpr (op == UnaryOp::log1p) return log1p(v);
  else if constexpr (op == UnaryOp::sin) return sin(v);
  else if constexpr (op == UnaryOp::cos) return cos(v);
  else if constexpr (kBatchOnly<T, op>) {
    // eager's float tanh / sigmoid: every value through the batch code, a single one too
    if constexpr (std::is_same_v<V, float>) return map_one(v, [](auto b) { return batch_function<op>(b); });
    else return batch_function<op>(v);
  } else if constexpr (op == UnaryOp::tanh) return tanh(v);
  else if constexpr (op == UnaryOp::sigmoid) return one / (one + exp(-v));
  else if constexpr (op == UnaryOp::erf) return erf(v);
  else if constexpr (op == UnaryOp::floor) return floor(v);
  else if constexpr (op == UnaryOp::ceil) return ceil(v);
  else if constexpr (op == UnaryOp::round) return nearbyint(v);
  else if constexpr (op == UnaryOp::relu) return choose(v > zero, v, zero);
  else if constexpr (op == UnaryOp::relu6) {
    const V six(T(6)), m = choose(v > zero, v, zero);
    return choose(m < six, m, six);
  } else if constexpr (op == UnaryOp::leaky_relu) return choose(v >= zero, v, V(alpha) * v);
  else if constexpr (op == UnaryOp::elu) return choose(v > zero, v, V(alpha) * expm1(v));
  else if constexpr (op == UnaryOp::selu) {
    const V scale(T(1.0507009873554804934193349852946)), selu_alpha(T(1.6732632423543772848170429916717));
    return scale * choose(v > zero, v, selu_alpha * expm1(v));
  } else if constexpr (op == UnaryOp::softplus) return log1p(exp(-abs(v))) + choose(v > zero, v, zero);
  else if constexpr (op == UnaryOp::softsign) return v / (one + abs(v));
  else if constexpr (op == UnaryOp::gelu) return half * v * (one + erf(v * V(T(0.70710678118654752440084436210485))));
  else if constexpr (op == UnaryOp::gelu_tanh) {
    const V k(T(0.79788456080286535587989211986876)), c(T(0.044715));
    return half * v * (one + tanh(k * (v + c * v * v * v)));
  } else if constexpr (op == UnaryOp::hard_sigmoid) {
    const V six(T(6)), m = v + V(T(3)), low = choose(m > zero, m, zero);
    return choose(low < six, low, six) * V(T(1) / T(6));
  } else if constexpr (op == UnaryOp::swish) return v / (one + exp(-v));
}

template <BinaryOp op, class V>
V binary_formula(V x, V y) {
  using std::pow;
  if constexpr (op == BinaryOp::add) return x + y;
  else if constexpr (op == BinaryOp::subtract) return x - y;
  else if constexpr (op == BinaryOp::multiply) return x * y;
  else if constexpr (op == BinaryOp::divide) return x / y;
  else if constexpr (op == BinaryOp::pow) return pow(x, y);
  else if constexpr (op == BinaryOp::maximum) return choose(x > y, x, y);
  else if constexpr (op == BinaryOp::minimum) return choose(x < y, x, y);
}

// A step over n elements of a chunk: operands a, b (b unused by unary steps), result out.
template <class T>
using Kernel = void (*)(const T* a, const T* b, T* out, std::int64_t n, T alpha);

// The whole batches of a chunk that starts on a batch boundary: the elements eager's xtensor
// assignment vectorises too (chunks start on multiples of the batch, buffers are 64-byte aligned).
template <class T>
std::int64_t vector_part(std::int64_t n) {
  return n - n % static_cast<std::int64_t>(Batch<T>::size);
}

template <class T, UnaryOp op>
void unary_kernel(const T* a, const T*, T* out, std::int64_t n, T alpha) {
  if constexpr (kBatchOnly<T, op>) return map_batches(a, out, n, [](auto v) { return batch_function<op>(v); });
  std::int64_t i = 0;
  if constexpr (op != UnaryOp::softplus) {
    const std::int64_t body = vector_part<T>(n);
    for (; i < body; i += Batch<T>::size)
      unary_formula<op>(Batch<T>::load_unaligned(a + i), alpha).store_unaligned(out + i);
  }
  for (; i < n; ++i) out[i] = unary_formula<op>(a[i], alpha);
}

// A value as its op rounded it: the compiler may not contract it into an FMA with the op that
// reads it, as eager, which stores every op's result, cannot either.
template <class V>
V rounded(V v) {
  if constexpr (std::is_floating_point_v<V>)
    asm("" : "+x"(v));
  else
    asm("" : "+x"(v.data));
  return v;
}

// The prologue ops a unary step may take from the binary step before it (its only reader): the
// bias add or scale before an activation, in a register instead of a pass over the chunk.
constexpr std::array<BinaryOp, 3> kPrologues{BinaryOp::add, BinaryOp::subtract, BinaryOp::multiply};

// unary(a op b), b full or one broadcast value.
template <class T, UnaryOp op, BinaryOp prologue, bool b_full>
void prologue_unary_kernel(const T* a, const T* b, T* out, std::int64_t n, T alpha) {
  std::int64_t i = 0;
  if constexpr (op != UnaryOp::softplus) {
    const Batch<T> b_value(*b);
    const std::int64_t body = vector_part<T>(n);
    for (; i < body; i += Batch<T>::size) {
      const Batch<T> y = b_full ? Batch<T>::load_unaligned(b + i) : b_value;
      const Batch<T> v = rounded(binary_formula<prologue>(Batch<T>::load_unaligned(a + i), y));
      unary_formula<op>(v, alpha).store_unaligned(out + i);
    }
  }
  if constexpr (kBatchOnly<T, op>) {
    if (i == n) return;
    alignas(64) T tail[Batch<T>::size];
    for (std::int64_t j = i; j < n; ++j) tail[j - i] = binary_formula<prologue>(a[j], b_full ? b[j] : *b);
    return map_batches(tail, out + i, n - i, [](auto v) { return batch_function<op>(v); });
  }
  for (; i < n; ++i) out[i] = unary_formula<op>(rounded(binary_formula<prologue>(a[i], b_full ? b[i] : *b)), alpha);
}

// A unary step on a broadcast program input (one value).
template <class T, UnaryOp op>
void unary_scalar_kernel(const T* a, const T*, T* out, std::int64_t n, T alpha) {
  std::fill_n(out, n, unary_formula<op>(*a, alpha));
}

// A cheap exact unary op folded into the binary step before it (its only reader), so the
// intermediate stays in a register: eager's values, one pass over the chunk less.
enum class Epilogue { none, negative, relu };
constexpr int kEpilogues = 3;

template <Epilogue e, class V>
V epilogue(V v) {
  if constexpr (e == Epilogue::negative) return -v;
  else if constexpr (e == Epilogue::relu) return choose(v > V(0), v, V(0));
  else return v;
}

// a_full / b_full: the operand has an element per output element, else one broadcast value.
template <class T, BinaryOp op, bool a_full, bool b_full, Epilogue e>
void binary_kernel(const T* a, const T* b, T* out, std::int64_t n, T) {
  if constexpr (!a_full && !b_full) {
    std::fill_n(out, n, epilogue<e>(binary_formula<op>(*a, *b)));
  } else {
    const Batch<T> a_value(*a), b_value(*b);
    const std::int64_t body = vector_part<T>(n);
    std::int64_t i = 0;
    for (; i < body; i += Batch<T>::size) {
      const Batch<T> x = a_full ? Batch<T>::load_unaligned(a + i) : a_value;
      const Batch<T> y = b_full ? Batch<T>::load_unaligned(b + i) : b_value;
      epilogue<e>(binary_formula<op>(x, y)).store_unaligned(out + i);
    }
    for (; i < n; ++i) out[i] = epilogue<e>(binary_formula<op>(a_full ? a[i] : *a, b_full ? b[i] : *b));
  }
}

// Kernel tables indexed by op (and operand kinds); null for ops that write bool, which a float
// program cannot hold.
constexpr std::size_t kUnaryOps = static_cast<std::size_t>(UnaryOp::logical_not) + 1;
constexpr std::size_t kBinaryOps = static_cast<std::size_t>(BinaryOp::logical_xor) + 1;

template <class T, UnaryOp op>
constexpr Kernel<T> unary_entry(bool scalar) {
  if constexpr (op == UnaryOp::logical_not) return nullptr;
  else return scalar ? &unary_scalar_kernel<T, op> : &unary_kernel<T, op>;
}

template <class T, BinaryOp op, bool a_full, bool b_full, Epilogue e>
constexpr Kernel<T> binary_entry() {
  if constexpr (op > BinaryOp::minimum) return nullptr;
  else return &binary_kernel<T, op, a_full, b_full, e>;
}

template <class T, std::size_t... I>
constexpr auto unary_table(bool scalar, std::index_sequence<I...>) {
  return std::array<Kernel<T>, sizeof...(I)>{unary_entry<T, static_cast<UnaryOp>(I)>(scalar)...};
}

template <class T, UnaryOp op, BinaryOp prologue, bool b_full>
constexpr Kernel<T> prologue_entry() {
  if constexpr (op == UnaryOp::logical_not) return nullptr;
  else return &prologue_unary_kernel<T, op, prologue, b_full>;
}

template <class T, BinaryOp prologue, bool b_full, std::size_t... I>
constexpr auto prologue_table(std::index_sequence<I...>) {
  return std::array<Kernel<T>, sizeof...(I)>{prologue_entry<T, static_cast<UnaryOp>(I), prologue, b_full>()...};
}

// The kernel of unary step `step` with binary step `prologue` folded in; null when there is none.
template <class T>
Kernel<T> prologue_kernel_of(const FusedStep& prologue, bool b_full, const FusedStep& step) {
  constexpr auto ops = std::make_index_sequence<kUnaryOps>();
  static constexpr std::array<std::array<std::array<Kernel<T>, kUnaryOps>, 2>, kPrologues.size()> tables{{
      {prologue_table<T, kPrologues[0], false>(ops), prologue_table<T, kPrologues[0], true>(ops)},
      {prologue_table<T, kPrologues[1], false>(ops), prologue_table<T, kPrologues[1], true>(ops)},
      {prologue_table<T, kPrologues[2], false>(ops), prologue_table<T, kPrologues[2], true>(ops)},
  }};
  const auto found = std::find(kPrologues.begin(), kPrologues.end(), static_cast<BinaryOp>(prologue.op));
  if (found == kPrologues.end() || step.op < 0 || static_cast<std::size_t>(step.op) >= kUnaryOps) return nullptr;
  return tables[static_cast<std::size_t>(found - kPrologues.begin())][b_full ? 1 : 0][static_cast<std::size_t>(step.op)];
}

template <class T, bool a_full, bool b_full, Epilogue e, std::size_t... I>
constexpr auto binary_table(std::index_sequence<I...>) {
  return std::array<Kernel<T>, sizeof...(I)>{binary_entry<T, static_cast<BinaryOp>(I), a_full, b_full, e>()...};
}

template <class T, Epilogue e>
constexpr auto binary_tables() {
  constexpr auto ops = std::make_index_sequence<kBinaryOps>();
  return std::array<std::array<Kernel<T>, kBinaryOps>, 4>{
      binary_table<T, false, false, e>(ops), binary_table<T, false, true, e>(ops),
      binary_table<T, true, false, e>(ops), binary_table<T, true, true, e>(ops)};
}

template <class T>
Kernel<T> kernel_of(const FusedStep& step, bool a_full, bool b_full, Epilogue e) {
  if (step.unary) {
    static constexpr auto full = unary_table<T>(false, std::make_index_sequence<kUnaryOps>());
    static constexpr auto scalar = unary_table<T>(true, std::make_index_sequence<kUnaryOps>());
    if (step.op < 0 || static_cast<std::size_t>(step.op) >= kUnaryOps) return nullptr;
    return (a_full ? full : scalar)[static_cast<std::size_t>(step.op)];
  }
  static constexpr std::array<std::array<std::array<Kernel<T>, kBinaryOps>, 4>, kEpilogues> tables{
      binary_tables<T, Epilogue::none>(), binary_tables<T, Epilogue::negative>(),
      binary_tables<T, Epilogue::relu>()};
  if (step.op < 0 || static_cast<std::size_t>(step.op) >= kBinaryOps) return nullptr;
  return tables[static_cast<std::size_t>(e)][(a_full ? 2 : 0) + (b_full ? 1 : 0)][static_cast<std::size_t>(step.op)];
}

// The epilogue a unary step can be as part of the binary step before it.
Epilogue epilogue_of(const FusedStep& step) {
  if (step.unary && step.op == static_cast<int>(UnaryOp::negative)) return Epilogue::negative;
  if (step.unary && step.op == static_cast<int>(UnaryOp::relu)) return Epilogue::relu;
  return Epilogue::none;
}

// A planned step: operands and result as places in a chunk's pointer table, which holds the
// program's inputs, then the scratch slots, then the output.
template <class T>
struct PlannedStep {
  Kernel<T> kernel;
  int a, b, target;
  T alpha;
};

template <class T>
struct Plan {
  std::vector<PlannedStep<T>> steps;
  int slots = 0;
  int places = 0;  // inputs + slots + the output
  // The program it was made for (the key of the cache below).
  std::vector<FusedStep> program;
  std::vector<bool> input_scalar;
};

bool same_step(const FusedStep& x, const FusedStep& y) {
  return x.unary == y.unary && x.op == y.op && x.a == y.a && (x.unary || x.b == y.b) && x.alpha == y.alpha;
}

template <class T>
bool is_plan_of(const Plan<T>& plan, const FusedElementwiseArgs& args) {
  return plan.program.size() == args.steps.size() && plan.input_scalar == args.input_scalar &&
         std::equal(args.steps.begin(), args.steps.end(), plan.program.begin(), same_step);
}

// Kernels and scratch slots for a program; false when a step has no kernel here.
template <class T>
bool make_plan(const FusedElementwiseArgs& args, Plan<T>& plan) {
  const int inputs = static_cast<int>(args.inputs.size());
  const int steps = static_cast<int>(args.steps.size());
  auto operands = [](const FusedStep& step) { return std::array<int, 2>{step.a, step.unary ? step.a : step.b}; };
  std::vector<int> last_read(static_cast<std::size_t>(steps), -1), slot_of(static_cast<std::size_t>(steps), -1);
  for (int s = 0; s < steps; ++s)
    for (int operand : operands(args.steps[static_cast<std::size_t>(s)]))
      if (operand < 0) last_read[static_cast<std::size_t>(-1 - operand)] = s;
  // Slots are numbered after the inputs; the output's place is fixed once their count is known.
  std::vector<int> free_slots;
  plan.steps.clear();
  plan.slots = 0;
  plan.program.clear();
  constexpr int kOutput = -1;
  for (int s = 0; s < steps; ++s) {
    const FusedStep& step = args.steps[static_cast<std::size_t>(s)];
    auto place = [&](int operand) {
      return operand >= 0 ? operand : inputs + slot_of[static_cast<std::size_t>(-1 - operand)];
    };
    auto full = [&](int operand) { return operand < 0 || !args.input_scalar[static_cast<std::size_t>(operand)]; };
    // A binary step read only by the next step, a unary one: one kernel for both, the unary op as
    // the binary kernel's epilogue (negative, relu) or the binary op as the unary's prologue.
    int produced = s;
    Kernel<T> kernel = nullptr;
    T alpha = static_cast<T>(step.alpha);
    if (!step.unary && s + 1 < steps && last_read[static_cast<std::size_t>(s)] == s + 1) {
      const FusedStep& next = args.steps[static_cast<std::size_t>(s + 1)];
      if (next.unary && next.a == -1 - s) {
        const Epilogue e = epilogue_of(next);
        if (e != Epilogue::none)
          kernel = kernel_of<T>(step, full(step.a), full(step.b), e);
        else if (full(step.a))
          kernel = prologue_kernel_of<T>(step, full(step.b), next);
        if (kernel) produced = s + 1, alpha = static_cast<T>(next.alpha);
      }
    }
    const int a = place(step.a), b = step.unary ? a : place(step.b);
    if (!kernel) kernel = kernel_of<T>(step, full(step.a), step.unary || full(step.b), Epilogue::none);
    if (!kernel) return false;
    // Operands read for the last time give their slot back first: this step may write in place.
    for (int operand : operands(step)) {
      if (operand >= 0) continue;
      const auto r = static_cast<std::size_t>(-1 - operand);
      if (last_read[r] == s && slot_of[r] >= 0) {
        free_slots.push_back(slot_of[r]);
        slot_of[r] = -1;
      }
    }
    int target = kOutput;
    if (produced + 1 < steps) {
      const auto p = static_cast<std::size_t>(produced);
      if (free_slots.empty()) free_slots.push_back(plan.slots++);
      slot_of[p] = free_slots.back();
      free_slots.pop_back();
      target = inputs + slot_of[p];
      if (last_read[p] < 0) free_slots.push_back(slot_of[p]);
    }
    plan.steps.push_back({kernel, a, b, target, alpha});
    s = produced;
  }
  plan.places = inputs + plan.slots + 1;
  for (auto& step : plan.steps)
    if (step.target == kOutput) step.target = plan.places - 1;
  plan.program = args.steps;
  plan.input_scalar = args.input_scalar;
  return true;
}

// The plans of a thread's recent programs: a replayed graph calls the same few programs again and
// again, and comparing a program with its plan's key costs a fraction of planning it.
template <class T>
struct PlanCache {
  static constexpr std::size_t kSize = 32;
  std::array<Plan<T>, kSize> plans;
  std::size_t next = 0;

  const Plan<T>* find_or_make(const FusedElementwiseArgs& args) {
    for (const auto& plan : plans)
      if (!plan.program.empty() && is_plan_of(plan, args)) return &plan;
    Plan<T>& plan = plans[next];
    next = (next + 1) % kSize;
    if (make_plan(args, plan)) return &plan;
    plan.program.clear();
    return nullptr;
  }
};

// Elements per chunk: 8 KiB per slot, a whole number of batches.
template <class T>
constexpr std::int64_t kChunk = 8192 / sizeof(T);

// Scratch of the thread running chunks, grown when a program needs more slots; 64-byte aligned as
// the allocator's buffers are.
struct Scratch {
  struct Free {
    void operator()(std::byte* p) const { ::operator delete(p, std::align_val_t(64)); }
  };
  std::unique_ptr<std::byte, Free> memory;
  std::size_t bytes = 0;
  std::vector<void*> places;

  std::byte* at_least(std::size_t wanted) {
    if (bytes < wanted) {
      memory.reset(static_cast<std::byte*>(::operator new(wanted, std::align_val_t(64))));
      bytes = wanted;
    }
    return memory.get();
  }
};

template <class T>
void run_chunks(const FusedElementwiseArgs& args, const Plan<T>& plan, std::int64_t first, std::int64_t end) {
  thread_local Scratch scratch;
  constexpr std::int64_t chunk = kChunk<T>;
  std::byte* slots = scratch.at_least(static_cast<std::size_t>(plan.slots * chunk) * sizeof(T));
  auto& places = scratch.places;
  places.resize(static_cast<std::size_t>(plan.places));
  const std::size_t inputs = args.inputs.size();
  for (int s = 0; s < plan.slots; ++s)
    places[inputs + static_cast<std::size_t>(s)] = slots + static_cast<std::size_t>(s * chunk) * sizeof(T);
  for (std::int64_t begin = first; begin < end; begin += chunk) {
    const std::int64_t n = std::min(chunk, end - begin);
    for (std::size_t i = 0; i < inputs; ++i)
      places[i] = const_cast<T*>(static_cast<const T*>(args.inputs[i])) + (args.input_scalar[i] ? 0 : begin);
    places.back() = static_cast<T*>(args.out) + begin;
    for (const auto& step : plan.steps)
      step.kernel(static_cast<const T*>(places[static_cast<std::size_t>(step.a)]),
                  static_cast<const T*>(places[static_cast<std::size_t>(step.b)]),
                  static_cast<T*>(places[static_cast<std::size_t>(step.target)]), n, step.alpha);
  }
}

// Programs this small run on the calling thread (waking the pool costs more).
constexpr std::int64_t kFusedParallelThreshold = kParallelThreshold / 4;

template <class T>
bool run_planned(const FusedElementwiseArgs& args) {
  thread_local PlanCache<T> cache;
  const Plan<T>* found = cache.find_or_make(args);
  if (!found) return false;
  const Plan<T>& plan = *found;
  if (args.count < kFusedParallelThreshold || parallel_threads() < 2) {
    run_chunks(args, plan, 0, args.count);
  } else {
    parallel_for(
        args.count, kChunk<T>, [&](std::int64_t first, std::int64_t end) { run_chunks(args, plan, first, end); },
        kFusedParallelThreshold);
  }
  return true;
}

}  // namespace

void CpuBackend::fused_elementwise(const FusedElementwiseArgs& args) {
  if (args.count == 0 || args.steps.empty()) return;
  if (args.dtype == DType::float32 && run_planned<float>(args)) return;
  if (args.dtype == DType::float64 && run_planned<double>(args)) return;
  // Anything else: the backend's own kernels, chunk by chunk.
  const std::size_t bytes = static_cast<std::size_t>(kFusedChunk) * dtype_size(args.dtype);
  parallel_for(
      args.count, kFusedChunk,
      [&](std::int64_t first, std::int64_t end) {
        thread_local std::vector<std::byte> scratch;
        thread_local std::vector<void*> slots;
        if (scratch.size() < bytes * args.steps.size()) scratch.resize(bytes * args.steps.size());
        slots.resize(args.steps.size());
        for (std::size_t s = 0; s < slots.size(); ++s) slots[s] = scratch.data() + s * bytes;
        for (std::int64_t begin = first; begin < end; begin += kFusedChunk)
          run_fused_chunk(args, begin, std::min(kFusedChunk, end - begin), slots.data());
      },
      kFusedParallelThreshold);
}

}  // namespace strata::backend::cpu
