// Float arithmetic in f32, f64 and the 16-bit formats, with .ftz/.sat and directed rounding.
#include "server/backends/emu/ptx/runner.h"

#include <cmath>

#include "server/backends/emu/ptx/rounding.h"

namespace vgpu::ptx {

Status BlockRunner::FloatArith(const Instr& in, uint64_t* R, uint32_t exec) {
  uint64_t* d = R + size_t{in.d} * 32;
  const uint64_t* a = R + size_t{in.a} * 32;
  const uint64_t* b = in.b != kNoReg ? R + size_t{in.b} * 32 : a;
  const uint64_t* c = in.c != kNoReg ? R + size_t{in.c} * 32 : a;
  const Op op = in.op;
  const bool ftz = in.flags & kFtz, sat = in.flags & kSat;
  const uint8_t rnd = in.rnd;
  auto compute = [op](auto x, auto y, auto z) -> decltype(x) {
    using F = decltype(x);
    switch (op) {
      case Op::kAdd: return x + y;
      case Op::kSub: return x - y;
      case Op::kMulLo: return x * y;
      case Op::kFma: return std::fma(x, y, z);
      case Op::kDiv: return x / y;
      case Op::kMin: return std::fmin(x, y);
      case Op::kMax: return std::fmax(x, y);
      case Op::kAbs: return std::fabs(x);
      case Op::kNeg: return -x;
      case Op::kRcp: return F(1) / x;
      case Op::kSqrt: return std::sqrt(x);
      case Op::kRsqrt: return F(1) / std::sqrt(x);
      case Op::kSin: return std::sin(x);
      case Op::kCos: return std::cos(x);
      case Op::kEx2: return std::exp2(x);
      case Op::kLg2: return std::log2(x);
      case Op::kTanh: return std::tanh(x);
      case Op::kCopysign: return std::copysign(y, x);
      default: return x;
    }
  };
  // .rz/.rm/.rp on the correctly rounded operations; approximate ones ignore the mode.
  bool directed = rnd == kRz || rnd == kRm || rnd == kRp;
  RoundedOp rop = RoundedOp::kAdd;
  switch (op) {
    case Op::kAdd: rop = RoundedOp::kAdd; break;
    case Op::kSub: rop = RoundedOp::kSub; break;
    case Op::kMulLo: rop = RoundedOp::kMul; break;
    case Op::kFma: rop = RoundedOp::kFma; break;
    case Op::kDiv: rop = RoundedOp::kDiv; break;
    case Op::kSqrt: rop = RoundedOp::kSqrt; break;
    case Op::kRcp: rop = RoundedOp::kRcp; break;
    default: directed = false; break;
  }
  switch (in.type) {
    case Type::kF32: {
      if (!ftz && !sat && (rnd == kRnd || rnd == kRn)) {
        switch (op) {
          case Op::kAdd: ForLanes(exec, [&](int l) { d[l] = FloatBits(BitsFloat(a[l]) + BitsFloat(b[l])); }); return Status::Ok();
          case Op::kSub: ForLanes(exec, [&](int l) { d[l] = FloatBits(BitsFloat(a[l]) - BitsFloat(b[l])); }); return Status::Ok();
          case Op::kMulLo: ForLanes(exec, [&](int l) { d[l] = FloatBits(BitsFloat(a[l]) * BitsFloat(b[l])); }); return Status::Ok();
          case Op::kFma:
            ForLanes(exec, [&](int l) { d[l] = FloatBits(std::fma(BitsFloat(a[l]), BitsFloat(b[l]), BitsFloat(c[l]))); });
            return Status::Ok();
          default:
            break;
        }
      }
      ForLanes(exec, [&](int l) {
        float x = BitsFloat(a[l]), y = BitsFloat(b[l]), z = BitsFloat(c[l]);
        if (ftz) {
          x = FlushF32(x);
          y = FlushF32(y);
          z = FlushF32(z);
        }
        float r = directed ? RoundedF32(rop, x, y, z, rnd) : compute(x, y, z);
        if (ftz) r = FlushF32(r);
        if (sat) r = Saturate(r);
        d[l] = FloatBits(r);
      });
      return Status::Ok();
    }
    case Type::kF64:
      ForLanes(exec, [&](int l) {
        double x = BitsDouble(a[l]), y = BitsDouble(b[l]), z = BitsDouble(c[l]);
        double r = directed ? RoundedF64(rop, x, y, z, rnd) : compute(x, y, z);
        if (sat) r = Saturate(r);
        d[l] = DoubleBits(r);
      });
      return Status::Ok();
    case Type::kF16:
    case Type::kBF16:
    case Type::kF16x2:
    case Type::kBF16x2: {
      bool bf = in.type == Type::kBF16 || in.type == Type::kBF16x2;
      int halves = (in.type == Type::kF16x2 || in.type == Type::kBF16x2) ? 2 : 1;
      ForLanes(exec, [&](int l) {
        uint64_t out = 0;
        for (int h = 0; h < halves; ++h) {
          int sh = 16 * h;
          double x = HalfToDouble(static_cast<uint16_t>(a[l] >> sh), bf);
          double y = HalfToDouble(static_cast<uint16_t>(b[l] >> sh), bf);
          double z = HalfToDouble(static_cast<uint16_t>(c[l] >> sh), bf);
          double r = compute(x, y, z);
          if (sat) r = Saturate(r);
          uint16_t hr;
          if (op == Op::kNeg) hr = static_cast<uint16_t>((a[l] >> sh) ^ 0x8000);
          else if (op == Op::kAbs) hr = static_cast<uint16_t>((a[l] >> sh) & 0x7FFF);
          else hr = DoubleToHalf(r, bf, rnd);
          out |= uint64_t{hr} << sh;
        }
        d[l] = out;
      });
      return Status::Ok();
    }
    default:
      return Unsupported(in, "float type");
  }
}

}  // namespace vgpu::ptx
