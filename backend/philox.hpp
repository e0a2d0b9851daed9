#pragma once
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), a
// counter-based generator: the output depends only on (key, counter), so element i of a random
// tensor is a pure function of (seed, i) on every device. Header-only and free of heavy includes so
// that a CUDA kernel can use it as well.
//
// Element i of a tensor uses counter (i, 0, draw, 0) and key (seed low, seed high): the first two
// 32-bit outputs make one double-precision uniform (or one float from the first word), and a
// normal value takes a pair of uniforms through Box–Muller. A truncated normal redraws with the
// third counter word bumped until the value lies within two standard deviations.
#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define STRATA_HOST_DEVICE __host__ __device__
#else
#define STRATA_HOST_DEVICE
#endif

namespace strata::philox {

struct Counter {
  std::uint32_t v[4];
};

struct Key {
  std::uint32_t k[2];
};

STRATA_HOST_DEVICE inline void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
  const std::uint64_t product = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(product >> 32);
  lo = static_cast<std::uint32_t>(product);
}

// The ten rounds of Philox4x32 with the standard multipliers and Weyl key increments.
STRATA_HOST_DEVICE inline Counter philox4x32_10(Counter c, Key key) {
  constexpr std::uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr std::uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    std::uint32_t hi0, lo0, hi1, lo1;
    mulhilo(kMul0, c.v[0], hi0, lo0);
    mulhilo(kMul1, c.v[2], hi1, lo1);
    c = Counter{{hi1 ^ c.v[1] ^ key.k[0], lo1, hi0 ^ c.v[3] ^ key.k[1], lo0}};
    key.k[0] += kWeyl0;
    key.k[1] += kWeyl1;
  }
  return c;
}

STRATA_HOST_DEVICE inline Key key_of(std::uint64_t seed) {
  return Key{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
}

// The four 32-bit words drawn for element `index`, attempt `draw` (0 for the first).
STRATA_HOST_DEVICE inline Counter bits(std::uint64_t seed, std::uint64_t index, std::uint32_t draw = 0) {
  return philox4x32_10(
      Counter{{static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(index >> 32), draw, 0u}}, key_of(seed));
}

// A float in [0, 1) from the top 24 bits of a word.
STRATA_HOST_DEVICE inline float uniform_float(std::uint32_t word) {
  return static_cast<float>(word >> 8) * (1.0f / 16777216.0f);
}

// A double in [0, 1) from 53 bits of two words.
STRATA_HOST_DEVICE inline double uniform_double(std::uint32_t high, std::uint32_t low) {
  const std::uint64_t mantissa = (static_cast<std::uint64_t>(high) << 21) ^ (low >> 11);
  return static_cast<double>(mantissa & ((std::uint64_t{1} << 53) - 1)) * (1.0 / 9007199254740992.0);
}

// Uniform in [0, 1) for element `index`; Real is float or double.
template <class Real>
STRATA_HOST_DEVICE inline Real uniform(std::uint64_t seed, std::uint64_t index) {
  const Counter r = bits(seed, index);
  if constexpr (sizeof(Real) == 4) {
    return uniform_float(r.v[0]);
  } else {
    return uniform_double(r.v[0], r.v[1]);
  }
}

// A standard normal value from draw `draw` of element `index` (Box–Muller on two uniforms, computed
// in double so that float and double tensors of the same seed agree to float precision).
STRATA_HOST_DEVICE inline double standard_normal(std::uint64_t seed, std::uint64_t index, std::uint32_t draw = 0) {
  const Counter r = bits(seed, index, draw);
  // u1 in (0, 1] so that log(u1) is finite.
  const double u1 = 1.0 - uniform_double(r.v[0], r.v[1]);
  const double u2 = uniform_double(r.v[2], r.v[3]);
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

// A standard normal value within (-2, 2): redraws with a bumped counter until it falls inside.
STRATA_HOST_DEVICE inline double truncated_standard_normal(std::uint64_t seed, std::uint64_t index) {
  for (std::uint32_t draw = 0;; ++draw) {
    const double z = standard_normal(seed, index, draw);
    if (z > -2.0 && z < 2.0) return z;
  }
}

}  // namespace strata::philox
