// Pure semantics of scalar instructions real ggml-cuda PTX needs beyond the core set
// (found by tools/ptx_coverage): bmsk, redux, fp8 (e4m3/e5m2) to f16 conversion, and the
// video shift vshr. Each follows the PTX ISA's pseudo-code; tests/unit/ptx checks them
// against host references.
#pragma once

#include <algorithm>
#include <cstdint>

#include "server/backends/emu/ptx/math.h"

namespace vgpu::ptx {

// bmsk.{clamp,wrap}.b32: a mask of `width` ones starting at bit `start`.
inline uint32_t Bmsk(uint32_t start, uint32_t width, bool clamp) {
  uint32_t a = clamp ? std::min(start, 32u) : start & 31;
  uint32_t b = clamp ? std::min(width, 32u) : width & 31;
  uint32_t low = a >= 32 ? 0 : ~0u << a;
  uint32_t high = a + b >= 32 ? 0 : ~0u << (a + b);
  return low & ~high;
}

// One fp8 value to f16 bits (exact: f16 has more range and precision than both formats).
// e4m3 ("fn"): bias 7, no infinities, S.1111.111 is NaN. e5m2: bias 15, IEEE-like.
inline uint16_t Fp8ToF16(uint8_t v, bool e5m2) {
  if (e5m2) return static_cast<uint16_t>(uint16_t{v} << 8);  // e5m2 is the top byte of an f16
  uint16_t sign = static_cast<uint16_t>((v & 0x80) << 8);
  uint32_t exp = (v >> 3) & 0xF, mant = v & 7;
  if (exp == 0xF && mant == 7) return 0x7FFF;  // NaN
  if (exp == 0) {
    if (mant == 0) return sign;
    // Subnormal: mant * 2^-9; normalise into f16 (bias 15).
    int e = -6;
    while (!(mant & 8)) {
      mant <<= 1;
      --e;
    }
    return static_cast<uint16_t>(sign | (uint32_t(e + 15) << 10) | ((mant & 7) << 7));
  }
  return static_cast<uint16_t>(sign | ((exp - 7 + 15) << 10) | (mant << 7));
}

// cvt.rn{.relu}.f16x2.{e4m3x2,e5m2x2}: the low byte of `pair` becomes the low half.
inline uint32_t Fp8x2ToF16x2(uint16_t pair, bool e5m2, bool relu) {
  uint32_t out = 0;
  for (int i = 0; i < 2; ++i) {
    uint16_t h = Fp8ToF16(static_cast<uint8_t>(pair >> (8 * i)), e5m2);
    // .relu: negative results become +0, NaN the canonical NaN.
    if (relu) h = (h & 0x7FFF) > 0x7C00 ? 0x7FFF : (h & 0x8000) ? 0 : h;
    out |= uint32_t{h} << (16 * i);
  }
  return out;
}

// vshr.u32.u32.u32{.clamp,.wrap}.{add,min,max} d, a, b, c: (a >> b) combined with c.
// .clamp limits the shift to 32 (everything shifted out), .wrap takes it modulo 32.
enum class VideoOp : uint8_t { kNone, kAdd, kMin, kMax };
inline uint32_t VshrU32(uint32_t a, uint32_t b, uint32_t c, bool clamp, VideoOp op) {
  uint32_t shift = clamp ? std::min(b, 32u) : b & 31;
  uint32_t r = shift >= 32 ? 0 : a >> shift;
  switch (op) {
    case VideoOp::kAdd: return r + c;
    case VideoOp::kMin: return std::min(r, c);
    case VideoOp::kMax: return std::max(r, c);
    case VideoOp::kNone: return r;
  }
  return r;
}

// redux.sync.{add,min,max}.{u32,s32} and {and,or,xor}.b32 over the lanes in `members`.
enum class ReduxOp : uint8_t { kAdd, kMin, kMax, kAnd, kOr, kXor };
inline uint32_t Redux(const uint32_t* lanes, uint32_t members, ReduxOp op, bool is_signed) {
  bool first = true;
  uint32_t acc = 0;
  for (int l = 0; l < 32; ++l) {
    if (!(members >> l & 1)) continue;
    uint32_t v = lanes[l];
    if (first) {
      acc = v;
      first = false;
      continue;
    }
    switch (op) {
      case ReduxOp::kAdd: acc += v; break;
      case ReduxOp::kAnd: acc &= v; break;
      case ReduxOp::kOr: acc |= v; break;
      case ReduxOp::kXor: acc ^= v; break;
      case ReduxOp::kMin:
        acc = is_signed ? static_cast<uint32_t>(std::min(int32_t(acc), int32_t(v))) : std::min(acc, v);
        break;
      case ReduxOp::kMax:
        acc = is_signed ? static_cast<uint32_t>(std::max(int32_t(acc), int32_t(v))) : std::max(acc, v);
        break;
    }
  }
  return acc;
}

}  // namespace vgpu::ptx
