// Conversions: cvt between every pair of types, cvta between state spaces.
#include "server/backends/emu/ptx/coverage_math.h"
#include "server/backends/emu/ptx/runner.h"

#include <algorithm>

namespace vgpu::ptx {

Status BlockRunner::Convert(const Instr& in, uint64_t* R, uint32_t exec) {
  uint64_t* d = R + size_t{in.d} * 32;
  const uint64_t* a = R + size_t{in.a} * 32;
  const Type dt = in.type, st = in.type2;
  const uint8_t rnd = in.rnd;
  const bool sat = in.flags & kSat, ftz = in.flags & kFtz;
  // Common forms first.
  if (!sat && !ftz) {
    if ((dt == Type::kU64 || dt == Type::kS64) && (st == Type::kU32 || st == Type::kU16 || st == Type::kU8)) {
      ForLanes(exec, [&](int l) { d[l] = ZeroExtend(a[l], st); });
      return Status::Ok();
    }
    if ((dt == Type::kS64 || dt == Type::kU64) && (st == Type::kS32 || st == Type::kS16 || st == Type::kS8)) {
      ForLanes(exec, [&](int l) { d[l] = static_cast<uint64_t>(SignExtend(a[l], st)); });
      return Status::Ok();
    }
    if (dt == Type::kF32 && st == Type::kS32 && (rnd == kRn || rnd == kRnd)) {
      ForLanes(exec, [&](int l) { d[l] = FloatBits(static_cast<float>(static_cast<int32_t>(a[l]))); });
      return Status::Ok();
    }
    if (dt == Type::kF32 && st == Type::kU32 && (rnd == kRn || rnd == kRnd)) {
      ForLanes(exec, [&](int l) { d[l] = FloatBits(static_cast<float>(static_cast<uint32_t>(a[l]))); });
      return Status::Ok();
    }
  }
  if (dt == Type::kF16x2 || dt == Type::kBF16x2) {
    bool bf = dt == Type::kBF16x2;
    const uint64_t* b = R + size_t{in.b} * 32;
    ForLanes(exec, [&](int l) {
      double hi = FloatValue(a[l], st), lo = FloatValue(b[l], st);
      if (sat) {
        hi = Saturate(hi);
        lo = Saturate(lo);
      }
      d[l] = (uint64_t{DoubleToHalf(hi, bf, rnd)} << 16) | DoubleToHalf(lo, bf, rnd);
    });
    return Status::Ok();
  }
  bool src_float = IsFloat(st), dst_float = IsFloat(dt);
  if (st == Type::kF16x2 || st == Type::kBF16x2 || st == Type::kPred || dt == Type::kPred || st == Type::kB128 ||
      dt == Type::kB128)
    return Unsupported(in, "cvt types");
  ForLanes(exec, [&](int l) {
    uint64_t v = a[l];
    if (!src_float && !dst_float) {
      if (!sat) {
        // Extend from the source type, then narrow to the destination and extend again,
        // as a destination register wider than the type sees it.
        uint64_t x = IsSigned(st) ? static_cast<uint64_t>(SignExtend(v, st)) : ZeroExtend(v, st);
        d[l] = IsSigned(dt) ? static_cast<uint64_t>(SignExtend(x, dt)) : ZeroExtend(x, dt);
        return;
      }
      // Saturate the source value into the destination range.
      __int128 x = IsSigned(st) ? __int128{SignExtend(v, st)} : __int128{ZeroExtend(v, st)};
      int bits = 8 * TypeBytes(dt);
      __int128 lo = IsSigned(dt) ? -(__int128{1} << (bits - 1)) : 0;
      __int128 hi = IsSigned(dt) ? (__int128{1} << (bits - 1)) - 1 : (__int128{1} << bits) - 1;
      x = std::clamp(x, lo, hi);
      d[l] = static_cast<uint64_t>(x);
      return;
    }
    if (!src_float) {  // int -> float
      long double x = IsSigned(st) ? static_cast<long double>(SignExtend(v, st))
                                   : static_cast<long double>(ZeroExtend(v, st));
      uint8_t r = rnd == kRnd ? uint8_t{kRn} : rnd;
      switch (dt) {
        case Type::kF32: { float f = LongToF32(x, r); if (sat) f = Saturate(f); d[l] = FloatBits(f); break; }
        case Type::kF64: { double f = LongToF64(x, r); if (sat) f = Saturate(f); d[l] = DoubleBits(f); break; }
        case Type::kF16: d[l] = LongToF16(sat ? Saturate(x) : x, r); break;
        case Type::kBF16: d[l] = LongToBF16(sat ? Saturate(x) : x, r); break;
        default: break;
      }
      return;
    }
    double x = FloatValue(v, st);
    if (ftz && st == Type::kF32) x = FlushF32(static_cast<float>(x));
    if (!dst_float) {  // float -> int (saturating)
      uint64_t r;
      switch (dt) {
        case Type::kS8: r = Bits(FloatToInt<int8_t>(x, rnd)); break;
        case Type::kS16: r = Bits(FloatToInt<int16_t>(x, rnd)); break;
        case Type::kS32: r = Bits(FloatToInt<int32_t>(x, rnd)); break;
        case Type::kS64: r = Bits(FloatToInt<int64_t>(x, rnd)); break;
        case Type::kU8: r = Bits(FloatToInt<uint8_t>(x, rnd)); break;
        case Type::kU16: r = Bits(FloatToInt<uint16_t>(x, rnd)); break;
        case Type::kU32: r = Bits(FloatToInt<uint32_t>(x, rnd)); break;
        default: r = Bits(FloatToInt<uint64_t>(x, rnd)); break;
      }
      d[l] = r;
      return;
    }
    // float -> float
    bool integral = rnd == kRni || rnd == kRzi || rnd == kRmi || rnd == kRpi;
    if (integral) x = RoundIntegral(x, rnd);
    if (sat) x = Saturate(x);
    uint8_t r = integral || rnd == kRnd ? uint8_t{kRn} : rnd;
    switch (dt) {
      case Type::kF32: {
        float f = st == Type::kF64 ? LongToF32(x, r) : static_cast<float>(x);
        if (ftz) f = FlushF32(f);
        d[l] = FloatBits(f);
        break;
      }
      case Type::kF64: d[l] = DoubleBits(x); break;
      case Type::kF16: d[l] = LongToF16(x, r); break;
      case Type::kBF16: d[l] = LongToBF16(x, r); break;
      default: break;
    }
  });
  return Status::Ok();
}

Status BlockRunner::ExecConvert(const Instr& in, const Operands& o) {
  Status result;
  [[maybe_unused]] uint64_t* R = o.R;
  [[maybe_unused]] uint64_t* d = o.d;
  [[maybe_unused]] const uint64_t* a = o.a;
  [[maybe_unused]] const uint64_t* b = o.b;
  [[maybe_unused]] const uint64_t* c = o.c;
  [[maybe_unused]] const uint32_t exec = o.exec;
  switch (in.op) {
    case Op::kCvt:
      result = Convert(in, R, exec);
      break;
    case Op::kCvtFp8:
      ForLanes(exec, [&](int l) { d[l] = Fp8x2ToF16x2(uint16_t(a[l]), in.mod & 1, in.mod & 2); });
      break;
    case Op::kCvtaToGeneric:
    case Op::kCvtaFromGeneric: {
      Mem m = static_cast<Mem>(in.mod2);
      uint64_t base = m == Mem::kShared ? kSharedWindow
                      : m == Mem::kLocal ? kLocalWindow
                      : m == Mem::kKernelParam ? kParamWindow
                                                : 0;
      bool to_generic = in.op == Op::kCvtaToGeneric;
      bool narrow = TypeBytes(in.type) == 4;
      ForLanes(exec, [&](int l) {
        uint64_t v = narrow ? uint32_t(a[l]) : a[l];
        d[l] = to_generic ? v + base : v - base;
      });
      break;
    }
    default:
      break;
  }
  return result;
}

}  // namespace vgpu::ptx
