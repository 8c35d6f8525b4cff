// Comparisons and selects: testp, setp, set, selp, slct.
#include "server/backends/emu/ptx/runner.h"

namespace vgpu::ptx {

Status BlockRunner::ExecCompare(const Instr& in, const Operands& o) {
  Status result;
  [[maybe_unused]] uint64_t* R = o.R;
  [[maybe_unused]] uint64_t* d = o.d;
  [[maybe_unused]] const uint64_t* a = o.a;
  [[maybe_unused]] const uint64_t* b = o.b;
  [[maybe_unused]] const uint64_t* c = o.c;
  [[maybe_unused]] const uint32_t exec = o.exec;
  switch (in.op) {
    case Op::kTestp:
      ForLanes(exec, [&](int l) {
        double x = FloatValue(a[l], in.type);
        bool r = false;
        switch (in.mod) {
          case 0: r = std::isfinite(x); break;
          case 1: r = std::isinf(x); break;
          case 2: r = !std::isnan(x); break;
          case 3: r = std::isnan(x); break;
          case 4: r = in.type == Type::kF32 ? std::fpclassify(float(x)) == FP_NORMAL : std::fpclassify(x) == FP_NORMAL; break;
          case 5: r = in.type == Type::kF32 ? std::fpclassify(float(x)) == FP_SUBNORMAL : std::fpclassify(x) == FP_SUBNORMAL; break;
        }
        d[l] = r;
      });
      break;
    case Op::kSetp:
    case Op::kSet: {
      Cmp cmp = static_cast<Cmp>(in.mod);
      BoolOp bop = static_cast<BoolOp>(in.mod2);
      bool negc = in.flags & kNegC;
      uint64_t* d2 = in.d2 != kNoReg ? R + size_t{in.d2} * 32 : nullptr;
      Type t = in.type2;
      bool f = IsFloat(t);
      auto finish = [&](int l, bool r) {
        bool r2 = !r;
        if (bop != BoolOp::kNone) {
          bool cv = (c[l] & 1) ^ negc;
          if (bop == BoolOp::kAnd) r = r && cv, r2 = r2 && cv;
          else if (bop == BoolOp::kOr) r = r || cv, r2 = r2 || cv;
          else r = r != cv, r2 = r2 != cv;
        }
        if (in.op == Op::kSetp) {
          d[l] = r;
          if (d2) d2[l] = r2;
        } else {
          d[l] = in.type == Type::kF32 ? (r ? FloatBits(1.0f) : 0) : (r ? ~uint64_t{0} : 0);
        }
      };
      if (t == Type::kF16x2 || t == Type::kBF16x2) {
        if (in.op != Op::kSetp) {
          result = Unsupported(in, "packed set");
          break;
        }
        bool bf = t == Type::kBF16x2;
        ForLanes(exec, [&](int l) {
          bool r[2];
          for (int h = 0; h < 2; ++h) {
            r[h] = CompareFloat(HalfToDouble(uint16_t(a[l] >> (16 * h)), bf),
                                HalfToDouble(uint16_t(b[l] >> (16 * h)), bf), cmp);
            if (bop != BoolOp::kNone) {
              bool cv = (c[l] & 1) ^ negc;
              r[h] = bop == BoolOp::kAnd ? r[h] && cv : bop == BoolOp::kOr ? r[h] || cv : r[h] != cv;
            }
          }
          d[l] = r[0];
          if (d2) d2[l] = r[1];
        });
        break;
      }
      if (f) {
        ForLanes(exec, [&](int l) { finish(l, CompareFloat(FloatValue(a[l], t), FloatValue(b[l], t), cmp)); });
      } else if (t == Type::kPred) {
        ForLanes(exec, [&](int l) { finish(l, CompareInt<uint64_t>(a[l] & 1, b[l] & 1, cmp)); });
      } else {
        VGPU_INT_CASES(t, ForLanes(exec, [&](int l) { finish(l, CompareInt<T>(As<T>(a[l]), As<T>(b[l]), cmp)); }));
      }
      break;
    }
    case Op::kSelp: {
      bool negc = in.flags & kNegC;
      ForLanes(exec, [&](int l) { d[l] = ((c[l] & 1) ^ negc) ? a[l] : b[l]; });
      break;
    }
    case Op::kSlct:
      if (in.type2 == Type::kF32)
        ForLanes(exec, [&](int l) { d[l] = BitsFloat(c[l]) >= 0.0f ? a[l] : b[l]; });
      else
        ForLanes(exec, [&](int l) { d[l] = int32_t(c[l]) >= 0 ? a[l] : b[l]; });
      break;
    default:
      break;
  }
  return result;
}

}  // namespace vgpu::ptx
