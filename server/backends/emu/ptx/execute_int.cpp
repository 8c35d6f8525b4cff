// Integer and bitwise operations (and the float forms of the arithmetic they share names with).
#include "server/backends/emu/ptx/coverage_math.h"
#include "server/backends/emu/ptx/runner.h"

#include <algorithm>
#include <bit>

namespace vgpu::ptx {

Status BlockRunner::ExecInt(const Instr& in, const Operands& o) {
  Status result;
  [[maybe_unused]] uint64_t* R = o.R;
  [[maybe_unused]] uint64_t* d = o.d;
  [[maybe_unused]] const uint64_t* a = o.a;
  [[maybe_unused]] const uint64_t* b = o.b;
  [[maybe_unused]] const uint64_t* c = o.c;
  [[maybe_unused]] const uint32_t exec = o.exec;
  switch (in.op) {
    case Op::kAdd:
    case Op::kSub: {
      if (IsFloat(in.type)) {
        result = FloatArith(in, R, exec);
        break;
      }
      bool sub = in.op == Op::kSub;
      if (in.flags & (kCarryIn | kCarryOut)) {
        uint64_t* cc = R + size_t{in.e} * 32;
        bool cin = in.flags & kCarryIn, cout = in.flags & kCarryOut;
        bool is64 = TypeBytes(in.type) == 8;
        ForLanes(exec, [&](int l) {
          unsigned __int128 x = is64 ? a[l] : uint32_t(a[l]), y = is64 ? b[l] : uint32_t(b[l]);
          unsigned __int128 ci = cin ? (cc[l] & 1) : 0;
          unsigned __int128 r = sub ? x - y - ci : x + y + ci;
          int bits = is64 ? 64 : 32;
          d[l] = static_cast<uint64_t>(r);
          if (cout) cc[l] = static_cast<uint64_t>(r >> bits) & 1;
        });
        break;
      }
      if (in.flags & kSat) {  // add.sat.s32
        ForLanes(exec, [&](int l) {
          int64_t r = sub ? int64_t{int32_t(a[l])} - int32_t(b[l]) : int64_t{int32_t(a[l])} + int32_t(b[l]);
          d[l] = Bits(static_cast<int32_t>(std::clamp<int64_t>(r, INT32_MIN, INT32_MAX)));
        });
        break;
      }
      if (sub) ForLanes(exec, [&](int l) { d[l] = a[l] - b[l]; });
      else ForLanes(exec, [&](int l) { d[l] = a[l] + b[l]; });
      break;  // readers truncate, so 64-bit arithmetic serves every width
    }
    case Op::kMulLo:
      if (IsFloat(in.type)) {
        result = FloatArith(in, R, exec);
        break;
      }
      ForLanes(exec, [&](int l) { d[l] = a[l] * b[l]; });
      break;
    case Op::kMulHi:
      VGPU_INT_CASES(in.type, ForLanes(exec, [&](int l) { d[l] = Bits(MulHi<T>(As<T>(a[l]), As<T>(b[l]))); }));
      break;
    case Op::kMulWide:
      VGPU_INT_CASES(in.type, ForLanes(exec, [&](int l) {
        d[l] = static_cast<uint64_t>(static_cast<Wide<T>>(As<T>(a[l])) * static_cast<Wide<T>>(As<T>(b[l])));
      }));
      break;
    case Op::kMadLo:
    case Op::kMadHi:
      if (in.flags & (kCarryIn | kCarryOut)) {
        uint64_t* cc = R + size_t{in.e} * 32;
        bool cin = in.flags & kCarryIn, cout = in.flags & kCarryOut, hi = in.op == Op::kMadHi;
        bool is64 = TypeBytes(in.type) == 8;
        if (IsSigned(in.type)) {
          result = Unsupported(in, "signed mad.cc");
          break;
        }
        ForLanes(exec, [&](int l) {
          unsigned __int128 p;
          int bits = is64 ? 64 : 32;
          if (is64) p = static_cast<unsigned __int128>(a[l]) * b[l];
          else p = static_cast<unsigned __int128>(uint64_t{uint32_t(a[l])} * uint32_t(b[l]));
          unsigned __int128 part = hi ? (p >> bits) : p;
          uint64_t m = is64 ? ~uint64_t{0} : 0xFFFFFFFFull;
          unsigned __int128 r = (part & m) + (c[l] & m) + (cin ? (cc[l] & 1) : 0);
          d[l] = static_cast<uint64_t>(r);
          if (cout) cc[l] = static_cast<uint64_t>(r >> bits) & 1;
        });
        break;
      }
      if (in.op == Op::kMadLo) {
        ForLanes(exec, [&](int l) { d[l] = a[l] * b[l] + c[l]; });
      } else {
        VGPU_INT_CASES(in.type, ForLanes(exec, [&](int l) {
          d[l] = Bits(MulHi<T>(As<T>(a[l]), As<T>(b[l]))) + c[l];  // wraps; readers truncate
        }));
      }
      break;
    case Op::kMadWide:
      VGPU_INT_CASES(in.type, ForLanes(exec, [&](int l) {
        d[l] = static_cast<uint64_t>(static_cast<Wide<T>>(As<T>(a[l])) * static_cast<Wide<T>>(As<T>(b[l]))) + c[l];
      }));
      break;
    case Op::kMul24Lo:
    case Op::kMul24Hi:
    case Op::kMad24Lo: {
      bool s = IsSigned(in.type);
      ForLanes(exec, [&](int l) {
        int64_t x = s ? (int64_t{int32_t(uint32_t(a[l]) << 8)} >> 8) : static_cast<int64_t>(a[l] & 0xFFFFFF);
        int64_t y = s ? (int64_t{int32_t(uint32_t(b[l]) << 8)} >> 8) : static_cast<int64_t>(b[l] & 0xFFFFFF);
        uint64_t p = static_cast<uint64_t>(x * y);
        if (in.op == Op::kMul24Hi) d[l] = (p >> 16) & 0xFFFFFFFF;
        else if (in.op == Op::kMad24Lo) d[l] = uint32_t(p) + uint32_t(c[l]);
        else d[l] = uint32_t(p);
      });
      break;
    }
    case Op::kSad:
      VGPU_INT_CASES(in.type, ForLanes(exec, [&](int l) {
        Wide<T> x = As<T>(a[l]), y = As<T>(b[l]);
        d[l] = static_cast<uint64_t>(x < y ? y - x : x - y) + c[l];
      }));
      break;
    case Op::kDiv:
    case Op::kRem:
      if (IsFloat(in.type)) {
        result = FloatArith(in, R, exec);
        break;
      }
      if (in.op == Op::kDiv)
        VGPU_INT_CASES(in.type, ForLanes(exec, [&](int l) { d[l] = Bits(IntDiv<T>(As<T>(a[l]), As<T>(b[l]))); }))
      else
        VGPU_INT_CASES(in.type, ForLanes(exec, [&](int l) { d[l] = Bits(IntRem<T>(As<T>(a[l]), As<T>(b[l]))); }))
      break;
    case Op::kMin:
    case Op::kMax:
      if (IsFloat(in.type)) {
        result = FloatArith(in, R, exec);
        break;
      }
      if (in.op == Op::kMin)
        VGPU_INT_CASES(in.type, ForLanes(exec, [&](int l) { d[l] = Bits(std::min(As<T>(a[l]), As<T>(b[l]))); }))
      else
        VGPU_INT_CASES(in.type, ForLanes(exec, [&](int l) { d[l] = Bits(std::max(As<T>(a[l]), As<T>(b[l]))); }))
      break;
    case Op::kAbs:
    case Op::kNeg:
      if (IsFloat(in.type)) {
        result = FloatArith(in, R, exec);
        break;
      }
      if (in.op == Op::kNeg)
        ForLanes(exec, [&](int l) { d[l] = ~a[l] + 1; });
      else
        VGPU_INT_CASES(in.type, ForLanes(exec, [&](int l) {
          d[l] = Bits(AbsInt<T>(As<T>(a[l])));
        }));
      break;
    case Op::kAnd:
      ForLanes(exec, [&](int l) { d[l] = a[l] & b[l]; });
      break;
    case Op::kOr:
      ForLanes(exec, [&](int l) { d[l] = a[l] | b[l]; });
      break;
    case Op::kXor:
      ForLanes(exec, [&](int l) { d[l] = a[l] ^ b[l]; });
      break;
    case Op::kNot:
      if (in.type == Type::kPred) ForLanes(exec, [&](int l) { d[l] = (a[l] & 1) ^ 1; });
      else ForLanes(exec, [&](int l) { d[l] = ~a[l]; });
      break;
    case Op::kCnot:
      ForLanes(exec, [&](int l) { d[l] = ZeroExtend(a[l], in.type) == 0 ? 1 : 0; });
      break;
    case Op::kShl: {
      uint32_t bits = TypeBytes(in.type) * 8;
      ForLanes(exec, [&](int l) {
        uint32_t s = static_cast<uint32_t>(b[l]);
        d[l] = s >= bits ? 0 : a[l] << s;
      });
      break;
    }
    case Op::kShr:
      VGPU_INT_CASES(in.type, ForLanes(exec, [&](int l) {
        uint32_t s = static_cast<uint32_t>(b[l]);
        T x = As<T>(a[l]);
        if (s >= 8 * sizeof(T)) {
          x = std::is_signed_v<T> ? static_cast<T>(x >> (8 * sizeof(T) - 1)) : T(0);
        } else {
          x = static_cast<T>(x >> s);
        }
        d[l] = Bits(x);
      }));
      break;
    case Op::kBfe: {
      bool s = IsSigned(in.type);
      uint32_t bits = TypeBytes(in.type) * 8;
      ForLanes(exec, [&](int l) {
        uint64_t x = ZeroExtend(a[l], in.type);
        uint32_t pos = b[l] & 0xFF, len = c[l] & 0xFF;
        uint64_t r = 0;
        bool sbit = false;
        if (s && len > 0) {
          uint32_t top = std::min(pos + len - 1, bits - 1);
          sbit = (x >> top) & 1;
        }
        for (uint32_t i = 0; i < bits; ++i) {
          bool bit = (i < len && pos + i < bits) ? ((x >> (pos + i)) & 1) : sbit;
          r |= uint64_t{bit} << i;
        }
        d[l] = r;
      });
      break;
    }
    case Op::kBfi: {
      uint32_t bits = TypeBytes(in.type) * 8;
      const uint64_t* e = R + size_t{in.e} * 32;
      ForLanes(exec, [&](int l) {
        uint64_t r = b[l];
        uint32_t pos = c[l] & 0xFF, len = e[l] & 0xFF;
        for (uint32_t i = 0; i < len && pos + i < bits; ++i) {
          uint64_t bit = (a[l] >> i) & 1;
          r = (r & ~(uint64_t{1} << (pos + i))) | (bit << (pos + i));
        }
        d[l] = r;
      });
      break;
    }
    case Op::kPopc:
      ForLanes(exec, [&](int l) { d[l] = std::popcount(ZeroExtend(a[l], in.type)); });
      break;
    case Op::kClz: {
      uint32_t bits = TypeBytes(in.type) * 8;
      ForLanes(exec, [&](int l) { d[l] = std::countl_zero(ZeroExtend(a[l], in.type)) - (64 - bits); });
      break;
    }
    case Op::kBrev: {
      uint32_t bits = TypeBytes(in.type) * 8;
      ForLanes(exec, [&](int l) {
        uint64_t x = a[l], r = 0;
        for (uint32_t i = 0; i < bits; ++i) r |= ((x >> i) & 1) << (bits - 1 - i);
        d[l] = r;
      });
      break;
    }
    case Op::kBfind: {
      uint32_t bits = TypeBytes(in.type) * 8;
      bool s = IsSigned(in.type), shiftamt = in.flags & kWide;
      ForLanes(exec, [&](int l) {
        uint64_t x = ZeroExtend(a[l], in.type);
        if (s && ((x >> (bits - 1)) & 1)) x = ZeroExtend(~x, in.type);
        if (x == 0) {
          d[l] = 0xFFFFFFFF;
          return;
        }
        uint32_t msb = 63 - std::countl_zero(x);
        d[l] = shiftamt ? bits - 1 - msb : msb;
      });
      break;
    }
    case Op::kPrmt:
      ForLanes(exec, [&](int l) {
        uint64_t tmp = (uint64_t{uint32_t(b[l])} << 32) | uint32_t(a[l]);
        uint32_t sel = uint32_t(c[l]), r = 0;
        for (int i = 0; i < 4; ++i) {
          uint32_t n = (sel >> (4 * i)) & 0xF;
          uint32_t byte = (tmp >> ((n & 7) * 8)) & 0xFF;
          if (n & 8) byte = (byte & 0x80) ? 0xFF : 0;
          r |= byte << (8 * i);
        }
        d[l] = r;
      });
      break;
    case Op::kDp4a: {
      bool sa = IsSigned(in.type), sb = IsSigned(in.type2);
      ForLanes(exec, [&](int l) {
        int64_t acc = int32_t(c[l]);
        if (!sa && !sb) acc = uint32_t(c[l]);
        for (int i = 0; i < 4; ++i) {
          int32_t x = sa ? int8_t(a[l] >> (8 * i)) : uint8_t(a[l] >> (8 * i));
          int32_t y = sb ? int8_t(b[l] >> (8 * i)) : uint8_t(b[l] >> (8 * i));
          acc += int64_t{x} * y;
        }
        d[l] = uint32_t(acc);
      });
      break;
    }
    case Op::kBmsk:
      ForLanes(exec, [&](int l) { d[l] = Bmsk(uint32_t(a[l]), uint32_t(b[l]), in.mod & 1); });
      break;
    case Op::kVshr: {
      const VideoOp op = static_cast<VideoOp>(in.mod >> 1);
      ForLanes(exec, [&](int l) { d[l] = VshrU32(uint32_t(a[l]), uint32_t(b[l]), c ? uint32_t(c[l]) : 0, in.mod & 1, op); });
      break;
    }
    case Op::kDp2a:
      result = Unsupported(in, "dp2a");
      break;
    case Op::kShf: {
      bool right = in.mod & 1, clamp = in.mod & 2;
      ForLanes(exec, [&](int l) {
        uint32_t n = uint32_t(c[l]);
        n = clamp ? std::min(n, 32u) : n & 31;
        uint64_t both = (uint64_t{uint32_t(b[l])} << 32) | uint32_t(a[l]);
        d[l] = right ? uint32_t(both >> n) : uint32_t((both << n) >> 32);
      });
      break;
    }
    case Op::kLop3: {
      uint32_t lut = uint32_t(in.imm);
      ForLanes(exec, [&](int l) {
        uint64_t x = a[l], y = b[l], z = c[l], r = 0;
        for (int i = 0; i < 8; ++i) {
          if (!((lut >> i) & 1)) continue;
          r |= ((i & 4) ? x : ~x) & ((i & 2) ? y : ~y) & ((i & 1) ? z : ~z);
        }
        d[l] = r;
      });
      break;
    }
    default:
      break;
  }
  return result;
}

}  // namespace vgpu::ptx
