// bmsk, fp8 -> f16, vshr and redux against host references written from the PTX ISA.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "server/backends/emu/ptx/coverage_math.h"

namespace vgpu::ptx {
namespace {

// The ISA's definition, bit by bit.
uint32_t BmskReference(uint32_t a, uint32_t b, bool clamp) {
  if (clamp) {
    a = a > 32 ? 32 : a;
    b = b > 32 ? 32 : b;
  } else {
    a &= 31;
    b &= 31;
  }
  uint32_t mask = 0;
  for (uint32_t bit = 0; bit < 32; ++bit)
    if (bit >= a && bit < a + b) mask |= 1u << bit;
  return mask;
}

TEST_CASE("bmsk.clamp and bmsk.wrap", "[ptx][bmsk]") {
  for (uint32_t a : {0u, 1u, 5u, 16u, 31u, 32u, 33u, 64u, 0xFFFFFFFFu})
    for (uint32_t b : {0u, 1u, 3u, 8u, 31u, 32u, 40u, 0xFFFFFFFFu})
      for (bool clamp : {true, false}) {
        INFO(a << " " << b << " " << clamp);
        CHECK(Bmsk(a, b, clamp) == BmskReference(a, b, clamp));
      }
}

// e4m3: value = (-1)^s * 2^(e-7) * (1 + m/8), subnormal 2^-6 * m/8.
double E4m3Reference(uint8_t v) {
  int s = v >> 7, e = (v >> 3) & 15, m = v & 7;
  double x = e == 0 ? std::ldexp(m / 8.0, -6) : std::ldexp(1 + m / 8.0, e - 7);
  return s ? -x : x;
}

TEST_CASE("fp8 e4m3 and e5m2 to f16 are exact", "[ptx][cvt]") {
  for (int v = 0; v < 256; ++v) {
    uint16_t h = Fp8ToF16(static_cast<uint8_t>(v), false);
    INFO("e4m3 0x" << std::hex << v);
    if ((v & 0x7F) == 0x7F) {
      CHECK(std::isnan(F16ToF32(h)));
    } else {
      CHECK(F16ToF32(h) == E4m3Reference(static_cast<uint8_t>(v)));
    }
    // e5m2 shares f16's exponent: the byte is the f16's high half.
    CHECK(Fp8ToF16(static_cast<uint8_t>(v), true) == v << 8);
  }
  CHECK(F16ToF32(Fp8ToF16(0x7E, false)) == 448.0f);  // largest e4m3
  // Pairs: low byte to the low half; .relu zeroes negatives.
  uint32_t pair = Fp8x2ToF16x2(0xB838, false, false);  // 0x38 = 1.0, 0xB8 = -1.0
  CHECK(F16ToF32(static_cast<uint16_t>(pair)) == 1.0f);
  CHECK(F16ToF32(static_cast<uint16_t>(pair >> 16)) == -1.0f);
  CHECK(Fp8x2ToF16x2(0xB838, false, true) >> 16 == 0);
  CHECK((Fp8x2ToF16x2(0xFF38, false, true) >> 16) == 0x7FFF);
}

TEST_CASE("vshr.u32 with clamp or wrap and a secondary add, min or max", "[ptx][video]") {
  CHECK(VshrU32(0x80000000u, 31, 5, true, VideoOp::kAdd) == 6);
  CHECK(VshrU32(0xFFFFFFFFu, 32, 7, true, VideoOp::kAdd) == 7);    // clamped: all shifted out
  CHECK(VshrU32(0xFFFFFFFFu, 40, 7, true, VideoOp::kAdd) == 7);
  CHECK(VshrU32(0xF0u, 36, 0, false, VideoOp::kAdd) == 0xF);       // wrapped: 36 & 31 = 4
  CHECK(VshrU32(0x100u, 4, 3, true, VideoOp::kMin) == 3);
  CHECK(VshrU32(0x100u, 4, 3, true, VideoOp::kMax) == 16);
}

TEST_CASE("redux.sync over a member mask", "[ptx][redux]") {
  uint32_t lanes[32];
  for (int l = 0; l < 32; ++l) lanes[l] = static_cast<uint32_t>(l % 2 ? -l : l);
  CHECK(Redux(lanes, 0xFFFFFFFFu, ReduxOp::kAdd, true) == static_cast<uint32_t>(-16));
  CHECK(static_cast<int32_t>(Redux(lanes, 0xFFFFFFFFu, ReduxOp::kMin, true)) == -31);
  CHECK(Redux(lanes, 0xFFFFFFFFu, ReduxOp::kMin, false) == 0);
  CHECK(Redux(lanes, 0x0000000Fu, ReduxOp::kMax, false) == static_cast<uint32_t>(-1));
  CHECK(Redux(lanes, 0x00000006u, ReduxOp::kXor, false) == (2u ^ static_cast<uint32_t>(-1)));
  CHECK(Redux(lanes, 0x00000005u, ReduxOp::kOr, false) == (0u | 2u));
  CHECK(Redux(lanes, 0x00000006u, ReduxOp::kAnd, false) == (2u & static_cast<uint32_t>(-1)));
}

}  // namespace
}  // namespace vgpu::ptx
