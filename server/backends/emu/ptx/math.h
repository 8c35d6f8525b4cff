// Pure numeric helpers of the interpreter: bit casts, f16/bf16, rounding-mode conversions
// and PTX's saturating float->int rules. No state; unit-tested directly.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "server/backends/emu/ptx/ir.h"

namespace vgpu::ptx {

inline uint64_t FloatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline uint64_t DoubleBits(double d) {
  uint64_t u;
  std::memcpy(&u, &d, 8);
  return u;
}
inline float BitsFloat(uint64_t v) {
  uint32_t u = static_cast<uint32_t>(v);
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline double BitsDouble(uint64_t v) {
  double d;
  std::memcpy(&d, &v, 8);
  return d;
}

// Rounds |x| (exact, as long double) to a binary format with `mant` fraction bits and
// minimum normal exponent `emin`, honouring PTX rounding `rnd` for a value of sign `neg`.
// Returns the rounded magnitude (may be +inf on overflow past `max_finite`).
inline long double RoundToFormat(long double a, bool neg, uint8_t rnd, int mant, int emin, long double max_finite) {
  if (a == 0 || std::isinf(a) || std::isnan(a)) return a;
  int e;
  std::frexp(a, &e);  // a = f * 2^e, f in [0.5, 1)
  int exp = e - 1;
  if (exp < emin) exp = emin;
  long double ulp = std::ldexp(1.0L, exp - mant);
  long double m = a / ulp;
  bool up = (rnd == kRp && !neg) || (rnd == kRm && neg);
  bool down = rnd == kRz || (rnd == kRm && !neg) || (rnd == kRp && neg);
  long double r;
  if (up) r = std::ceil(m);
  else if (down) r = std::floor(m);
  else if (rnd == kRna) r = std::floor(m + 0.5L);
  else {
    r = std::floor(m);
    long double frac = m - r;
    if (frac > 0.5L || (frac == 0.5L && std::fmod(r, 2.0L) != 0)) r += 1;
  }
  long double v = r * ulp;
  if (v > max_finite) {
    if (down) return max_finite;
    return std::numeric_limits<long double>::infinity();
  }
  return v;
}

// Encodes an exactly-representable magnitude into IEEE bits with `mant`/`exp_bits`.
inline uint64_t EncodeFormat(long double v, bool neg, int mant, int exp_bits) {
  uint64_t sign = uint64_t{neg} << (mant + exp_bits);
  int bias = (1 << (exp_bits - 1)) - 1;
  if (std::isinf(v)) return sign | (((uint64_t{1} << exp_bits) - 1) << mant);
  if (v == 0) return sign;
  int e;
  long double f = std::frexp(v, &e);  // v = f*2^e
  int exp = e - 1;
  if (exp < 1 - bias) {  // subnormal
    long double m = v / std::ldexp(1.0L, 1 - bias - mant);
    return sign | static_cast<uint64_t>(m);
  }
  long double frac = (f * 2 - 1) * std::ldexp(1.0L, mant);
  return sign | (uint64_t(exp + bias) << mant) | static_cast<uint64_t>(frac);
}

inline uint16_t LongToF16(long double x, uint8_t rnd) {
  if (std::isnan(x)) return 0x7FFF;
  bool neg = std::signbit(x);
  long double v = RoundToFormat(std::fabs(x), neg, rnd, 10, -14, 65504.0L);
  return static_cast<uint16_t>(EncodeFormat(v, neg, 10, 5));
}
inline uint16_t LongToBF16(long double x, uint8_t rnd) {
  if (std::isnan(x)) return 0x7FFF;
  bool neg = std::signbit(x);
  long double maxf = std::ldexp(255.0L / 128.0L, 127);
  long double v = RoundToFormat(std::fabs(x), neg, rnd, 7, -126, maxf);
  return static_cast<uint16_t>(EncodeFormat(v, neg, 7, 8));
}
inline float LongToF32(long double x, uint8_t rnd) {
  if (rnd == kRnd || rnd == kRn) return static_cast<float>(x);
  if (std::isnan(x)) return std::numeric_limits<float>::quiet_NaN();
  bool neg = std::signbit(x);
  long double v = RoundToFormat(std::fabs(x), neg, rnd, 23, -126, std::numeric_limits<float>::max());
  return static_cast<float>(neg ? -v : v);
}
inline double LongToF64(long double x, uint8_t rnd) {
  if (rnd == kRnd || rnd == kRn) return static_cast<double>(x);
  if (std::isnan(x)) return std::numeric_limits<double>::quiet_NaN();
  bool neg = std::signbit(x);
  long double v = RoundToFormat(std::fabs(x), neg, rnd, 52, -1022, std::numeric_limits<double>::max());
  return static_cast<double>(neg ? -v : v);
}

inline uint16_t F32ToF16(float f, uint8_t rnd) { return LongToF16(f, rnd); }
inline uint16_t F32ToBF16(float f, uint8_t rnd) { return LongToBF16(f, rnd); }

inline float F16ToF32(uint16_t h) {
  uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
  float v;
  if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31) v = mant ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  else v = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}
inline float BF16ToF32(uint16_t h) { return BitsFloat(uint32_t{h} << 16); }

// Rounds to an integral value in the same float format (cvt.rni/rzi/rmi/rpi, and .rn etc).
inline double RoundIntegral(double x, uint8_t rnd) {
  switch (rnd) {
    case kRzi: case kRz: return std::trunc(x);
    case kRmi: case kRm: return std::floor(x);
    case kRpi: case kRp: return std::ceil(x);
    default: return std::nearbyint(x);  // ties to even in the default environment
  }
}

// PTX float->integer: round, then saturate to the destination range; NaN gives 0.
template <typename I>
inline I FloatToInt(double x, uint8_t rnd) {
  if (std::isnan(x)) return 0;
  double r = RoundIntegral(x, rnd == kRnd ? uint8_t{kRzi} : rnd);
  if (r <= static_cast<double>(std::numeric_limits<I>::min())) return std::numeric_limits<I>::min();
  if (r >= static_cast<double>(std::numeric_limits<I>::max())) return std::numeric_limits<I>::max();
  return static_cast<I>(r);
}

inline float FlushF32(float x) { return std::fpclassify(x) == FP_SUBNORMAL ? std::copysign(0.0f, x) : x; }
inline double FlushF64(double x) { return std::fpclassify(x) == FP_SUBNORMAL ? std::copysign(0.0, x) : x; }
template <typename F>
inline F Saturate(F x) {
  if (std::isnan(x)) return 0;
  return x < 0 ? F(0) : x > 1 ? F(1) : x;
}

}  // namespace vgpu::ptx
