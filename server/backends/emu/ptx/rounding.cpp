#include "server/backends/emu/ptx/rounding.h"

#include <cfenv>
#include <cmath>

#include "server/backends/emu/ptx/ir.h"

namespace vgpu::ptx {
namespace {

int HostMode(uint8_t rnd) {
  switch (rnd) {
    case kRz: return FE_TOWARDZERO;
    case kRm: return FE_DOWNWARD;
    case kRp: return FE_UPWARD;
    default: return FE_TONEAREST;
  }
}

template <typename F>
F Compute(RoundedOp op, F x, F y, F z, uint8_t rnd) {
  int old = std::fegetround();
  std::fesetround(HostMode(rnd));
  F r;
  switch (op) {
    case RoundedOp::kAdd: r = x + y; break;
    case RoundedOp::kSub: r = x - y; break;
    case RoundedOp::kMul: r = x * y; break;
    case RoundedOp::kFma: r = std::fma(x, y, z); break;
    case RoundedOp::kDiv: r = x / y; break;
    case RoundedOp::kSqrt: r = std::sqrt(x); break;
    default: r = F(1) / x; break;
  }
  std::fesetround(old);
  return r;
}

}  // namespace

float RoundedF32(RoundedOp op, float x, float y, float z, uint8_t rnd) { return Compute(op, x, y, z, rnd); }
double RoundedF64(RoundedOp op, double x, double y, double z, uint8_t rnd) { return Compute(op, x, y, z, rnd); }

}  // namespace vgpu::ptx
