// Float arithmetic under a directed rounding mode (.rz/.rm/.rp). Lives in its own
// translation unit, built with -frounding-math, so the compiler keeps each operation
// between the fesetround calls.
#pragma once

#include <cstdint>

namespace vgpu::ptx {

enum class RoundedOp : uint8_t { kAdd, kSub, kMul, kFma, kDiv, kSqrt, kRcp };

float RoundedF32(RoundedOp op, float x, float y, float z, uint8_t rnd);
double RoundedF64(RoundedOp op, double x, double y, double z, uint8_t rnd);

}  // namespace vgpu::ptx
