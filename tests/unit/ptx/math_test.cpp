// The interpreter's pure numeric helpers.
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "server/backends/emu/ptx/math.h"
#include "server/backends/emu/ptx/rounding.h"

namespace vgpu::ptx {
namespace {

TEST_CASE("f16 conversions", "[ptx][math]") {
  CHECK(F32ToF16(1.0f, kRn) == 0x3C00);
  CHECK(F32ToF16(-2.0f, kRn) == 0xC000);
  CHECK(F32ToF16(65504.0f, kRn) == 0x7BFF);
  CHECK(F32ToF16(65520.0f, kRn) == 0x7C00);  // rounds to +inf
  CHECK(F32ToF16(65520.0f, kRz) == 0x7BFF);  // truncates to max finite
  CHECK(F32ToF16(1e-8f, kRn) == 0x0000);
  CHECK(F32ToF16(std::ldexp(1.0f, -24), kRn) == 0x0001);  // smallest subnormal
  CHECK(F32ToF16(std::numeric_limits<float>::infinity(), kRn) == 0x7C00);
  CHECK((F32ToF16(std::nanf(""), kRn) & 0x7C00) == 0x7C00);
  // 1 + 2^-11 is a tie between 1 and 1+2^-10: ties to even.
  CHECK(F32ToF16(1.0f + std::ldexp(1.0f, -11), kRn) == 0x3C00);
  CHECK(F32ToF16(1.0f + std::ldexp(1.0f, -11), kRp) == 0x3C01);
  CHECK(F32ToF16(-(1.0f + std::ldexp(1.0f, -11)), kRm) == 0xBC01);
  CHECK(F32ToF16(-(1.0f + std::ldexp(1.0f, -11)), kRz) == 0xBC00);
  for (uint32_t h = 0; h < 0x7C00; ++h) {  // every finite half round-trips
    REQUIRE(F32ToF16(F16ToF32(uint16_t(h)), kRn) == h);
    REQUIRE(F32ToF16(F16ToF32(uint16_t(h | 0x8000)), kRn) == (h | 0x8000));
  }
}

TEST_CASE("bf16 conversions", "[ptx][math]") {
  CHECK(F32ToBF16(1.0f, kRn) == 0x3F80);
  CHECK(BF16ToF32(0x3F80) == 1.0f);
  CHECK(F32ToBF16(1.0f + std::ldexp(1.0f, -8), kRn) == 0x3F80);  // tie to even
  CHECK(F32ToBF16(1.0f + std::ldexp(1.0f, -8), kRp) == 0x3F81);
  CHECK(F32ToBF16(std::numeric_limits<float>::max(), kRn) == 0x7F80);
  CHECK(F32ToBF16(std::numeric_limits<float>::max(), kRz) == 0x7F7F);
}

TEST_CASE("f64 to f32 with rounding modes", "[ptx][math]") {
  double x = 1.0 + std::ldexp(1.0, -30);
  CHECK(LongToF32(x, kRn) == 1.0f);
  CHECK(LongToF32(x, kRz) == 1.0f);
  CHECK(LongToF32(x, kRp) == std::nextafter(1.0f, 2.0f));
  CHECK(LongToF32(-x, kRm) == -std::nextafter(1.0f, 2.0f));
  CHECK(LongToF32(-x, kRp) == -1.0f);
  CHECK(LongToF32(1e300, kRz) == std::numeric_limits<float>::max());
  CHECK(std::isinf(LongToF32(1e300, kRn)));
}

TEST_CASE("float to int saturates, NaN is zero", "[ptx][math]") {
  CHECK(FloatToInt<int32_t>(1e20, kRzi) == INT32_MAX);
  CHECK(FloatToInt<int32_t>(-1e20, kRzi) == INT32_MIN);
  CHECK(FloatToInt<uint32_t>(-5.0, kRzi) == 0u);
  CHECK(FloatToInt<int32_t>(std::nan(""), kRni) == 0);
  CHECK(FloatToInt<int32_t>(2.5, kRni) == 2);
  CHECK(FloatToInt<int32_t>(3.5, kRni) == 4);
  CHECK(FloatToInt<int32_t>(-2.5, kRmi) == -3);
  CHECK(FloatToInt<int32_t>(-2.5, kRpi) == -2);
  CHECK(FloatToInt<int32_t>(-2.7, kRzi) == -2);
  CHECK(FloatToInt<uint64_t>(1e30, kRzi) == std::numeric_limits<uint64_t>::max());
}

TEST_CASE("integral rounding, flush and saturate", "[ptx][math]") {
  CHECK(RoundIntegral(2.5, kRni) == 2.0);
  CHECK(RoundIntegral(-2.5, kRmi) == -3.0);
  CHECK(RoundIntegral(2.1, kRpi) == 3.0);
  CHECK(RoundIntegral(-2.9, kRzi) == -2.0);
  CHECK(FlushF32(std::numeric_limits<float>::denorm_min()) == 0.0f);
  CHECK(std::signbit(FlushF32(-std::numeric_limits<float>::denorm_min())));
  CHECK(FlushF32(1.0f) == 1.0f);
  CHECK(Saturate(1.5f) == 1.0f);
  CHECK(Saturate(-0.5f) == 0.0f);
  CHECK(Saturate(std::nanf("")) == 0.0f);
}

TEST_CASE("directed rounding of arithmetic", "[ptx][math]") {
  float a = 1.0f, b = std::ldexp(1.0f, -30);
  CHECK(RoundedF32(RoundedOp::kAdd, a, b, 0, kRz) == 1.0f);
  CHECK(RoundedF32(RoundedOp::kAdd, a, b, 0, kRp) == std::nextafter(1.0f, 2.0f));
  CHECK(RoundedF32(RoundedOp::kSub, -a, b, 0, kRm) == -std::nextafter(1.0f, 2.0f));
  CHECK(RoundedF64(RoundedOp::kDiv, 1.0, 3.0, 0, kRp) > RoundedF64(RoundedOp::kDiv, 1.0, 3.0, 0, kRm));
  CHECK(RoundedF32(RoundedOp::kSqrt, 2.0f, 0, 0, kRz) < RoundedF32(RoundedOp::kSqrt, 2.0f, 0, 0, kRp));
}

}  // namespace
}  // namespace vgpu::ptx
