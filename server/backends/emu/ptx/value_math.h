// Pure functions on register values: typed views of a 64-bit register slot, integer
// helpers with PTX's edge cases, comparisons, and float-format conversions.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "server/backends/emu/ptx/ir.h"
#include "server/backends/emu/ptx/math.h"
#include "server/backends/emu/ptx/types.h"

namespace vgpu::ptx {

// Register slot <-> typed value. Readers truncate to their type, so writers may leave
// garbage above a narrow value's width.
template <typename T>
inline T As(uint64_t v) {
  if constexpr (std::is_same_v<T, float>) return BitsFloat(v);
  else if constexpr (std::is_same_v<T, double>) return BitsDouble(v);
  else return static_cast<T>(v);
}
template <typename T>
inline uint64_t Bits(T v) {
  if constexpr (std::is_same_v<T, float>) return FloatBits(v);
  else if constexpr (std::is_same_v<T, double>) return DoubleBits(v);
  else if constexpr (std::is_same_v<T, bool>) return v ? 1 : 0;
  else return static_cast<uint64_t>(static_cast<std::make_unsigned_t<T>>(v));
}

template <typename T>
using Wide = std::conditional_t<sizeof(T) <= 4, std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>,
                                std::conditional_t<std::is_signed_v<T>, __int128, unsigned __int128>>;

template <typename T>
inline T MulHi(T a, T b) {
  return static_cast<T>((static_cast<Wide<T>>(a) * static_cast<Wide<T>>(b)) >> (8 * sizeof(T)));
}

template <typename T>
inline T AbsInt(T x) {
  using U = std::make_unsigned_t<T>;
  if constexpr (std::is_signed_v<T>) return x < 0 ? static_cast<T>(U(0) - static_cast<U>(x)) : x;
  return x;
}

template <typename T>
inline T IntDiv(T a, T b) {
  if (b == 0) return static_cast<T>(~T(0));  // hardware: all ones
  if constexpr (std::is_signed_v<T>) {
    if (a == std::numeric_limits<T>::min() && b == -1) return a;
  }
  return a / b;
}
template <typename T>
inline T IntRem(T a, T b) {
  if (b == 0) return a;
  if constexpr (std::is_signed_v<T>) {
    if (a == std::numeric_limits<T>::min() && b == -1) return 0;
  }
  return a % b;
}

template <typename T>
inline bool CompareInt(T a, T b, Cmp c) {
  switch (c) {
    case Cmp::kEq: return a == b;
    case Cmp::kNe: return a != b;
    case Cmp::kLt: case Cmp::kLo: return a < b;
    case Cmp::kLe: case Cmp::kLs: return a <= b;
    case Cmp::kGt: case Cmp::kHi: return a > b;
    case Cmp::kGe: case Cmp::kHs: return a >= b;
    default: return false;
  }
}
inline bool CompareFloat(double a, double b, Cmp c) {
  bool nan = std::isnan(a) || std::isnan(b);
  switch (c) {
    case Cmp::kEq: return !nan && a == b;
    case Cmp::kNe: return !nan && a != b;
    case Cmp::kLt: return !nan && a < b;
    case Cmp::kLe: return !nan && a <= b;
    case Cmp::kGt: return !nan && a > b;
    case Cmp::kGe: return !nan && a >= b;
    case Cmp::kEqu: return nan || a == b;
    case Cmp::kNeu: return nan || a != b;
    case Cmp::kLtu: return nan || a < b;
    case Cmp::kLeu: return nan || a <= b;
    case Cmp::kGtu: return nan || a > b;
    case Cmp::kGeu: return nan || a >= b;
    case Cmp::kNum: return !nan;
    case Cmp::kNan: return nan;
    default: return false;
  }
}

// A 16-bit float lane (f16 or bf16) as double, and back with rounding.
inline double HalfToDouble(uint16_t h, bool bf) { return bf ? BF16ToF32(h) : F16ToF32(h); }
inline uint16_t DoubleToHalf(double x, bool bf, uint8_t rnd) {
  uint8_t r = rnd == kRnd ? uint8_t{kRn} : rnd;
  return bf ? LongToBF16(x, r) : LongToF16(x, r);
}

// Reads a float operand of any float type as double (for compares, cvt).
inline double FloatValue(uint64_t v, Type t) {
  switch (t) {
    case Type::kF32: return BitsFloat(v);
    case Type::kF64: return BitsDouble(v);
    case Type::kF16: return F16ToF32(static_cast<uint16_t>(v));
    case Type::kBF16: return BF16ToF32(static_cast<uint16_t>(v));
    default: return 0;  // decode only pairs float types with FloatValue
  }
}

inline int64_t SignExtend(uint64_t v, Type t) {
  switch (TypeBytes(t)) {
    case 1: return static_cast<int8_t>(v);
    case 2: return static_cast<int16_t>(v);
    case 4: return static_cast<int32_t>(v);
    default: return static_cast<int64_t>(v);
  }
}
inline uint64_t ZeroExtend(uint64_t v, Type t) {
  switch (TypeBytes(t)) {
    case 1: return static_cast<uint8_t>(v);
    case 2: return static_cast<uint16_t>(v);
    case 4: return static_cast<uint32_t>(v);
    default: return v;
  }
}

}  // namespace vgpu::ptx
