// Barriers and operations across a warp: bar, bar.red, bar.warp.sync, shfl, vote, match, activemask.
#include "server/backends/emu/ptx/coverage_math.h"
#include "server/backends/emu/ptx/runner.h"

#include <bit>

namespace vgpu::ptx {

Status BlockRunner::ExecWarp(Warp& w, const Instr& in, const Operands& o, bool* jumped) {
  Status result;
  [[maybe_unused]] uint64_t* R = o.R;
  [[maybe_unused]] uint64_t* d = o.d;
  [[maybe_unused]] const uint64_t* a = o.a;
  [[maybe_unused]] const uint64_t* b = o.b;
  [[maybe_unused]] const uint64_t* c = o.c;
  [[maybe_unused]] const uint32_t exec = o.exec;
  [[maybe_unused]] const uint32_t mask = o.mask;
  [[maybe_unused]] const uint32_t pc = o.pc;
  // Sync operations wait for the rest of their member mask (lanes that diverged).
  auto park = [&](uint32_t member) {
    if (w.converged || o.forced) return false;
    uint32_t missing = member & w.live & ~w.blocked & ~mask;
    if (!missing) return false;
    w.parked |= mask;
    return true;
  };
  switch (in.op) {
    case Op::kBar:
    case Op::kBarArrive:
    case Op::kBarRed: {
      if (!exec) break;
      int first = std::countr_zero(exec);
      const uint64_t* idr = in.op == Op::kBarRed ? a : a;
      uint32_t id = static_cast<uint32_t>(idr[first]);
      if (id >= kNumBarriers) {
        result = Fail(Status(Code::kLaunchFailed, "ptx: barrier id out of range"));
        break;
      }
      if (in.flags & kHasCount) expected_[id] = static_cast<uint32_t>(b[first]);
      arrived_[id] += std::popcount(exec);
      if (in.op == Op::kBarRed) {
        if (red_mode_[id] == 0xFF || arrived_[id] == uint32_t(std::popcount(exec))) {
          red_mode_[id] = in.mod;
          red_popc_[id] = 0;
          red_and_[id] = true;
          red_or_[id] = false;
        }
        bool negc = in.flags & kNegC;
        ForLanes(exec, [&](int l) {
          bool p = (c[l] & 1) ^ negc;
          red_popc_[id] += p;
          red_and_[id] = red_and_[id] && p;
          red_or_[id] = red_or_[id] || p;
        });
        w.red_dst[id] = reg_base_[in.func] + in.d;
      } else {
        w.red_dst[id] = kNoReg;
      }
      Diverge(w);
      SetPc(w, mask, pc + 1);
      if (in.op != Op::kBarArrive) {
        w.blocked |= exec;
        w.blocked_by[id] |= exec;
      }
      *jumped = true;
      return result;
    }
    case Op::kWarpSync: {
      if (park(exec ? uint32_t(b[std::countr_zero(exec)]) : 0)) { *jumped = true; return result; }
      break;
    }
    case Op::kShfl: {
      if (!exec) break;
      const uint64_t* e = in.e != kNoReg ? R + size_t{in.e} * 32 : nullptr;
      if (park(e ? uint32_t(e[std::countr_zero(exec)]) : kFullMask)) { *jumped = true; return result; }
      uint32_t src[32];
      for (int l = 0; l < 32; ++l) src[l] = uint32_t(a[l]);
      uint64_t* d2 = in.d2 != kNoReg ? R + size_t{in.d2} * 32 : nullptr;
      ShflMode mode = static_cast<ShflMode>(in.mod);
      ForLanes(exec, [&](int l) {
        int bval = int(b[l] & 31);
        uint32_t cv = uint32_t(c[l]);
        int cval = int(cv & 31), segmask = int((cv >> 8) & 31);
        int max_lane = (l & segmask) | (cval & ~segmask);
        int min_lane = l & segmask;
        int j;
        bool ok;
        switch (mode) {
          case ShflMode::kUp: j = l - bval; ok = j >= max_lane; break;
          case ShflMode::kDown: j = l + bval; ok = j <= max_lane; break;
          case ShflMode::kBfly: j = l ^ bval; ok = j <= max_lane; break;
          default: j = min_lane | (bval & ~segmask); ok = j <= max_lane; break;
        }
        if (!ok || j < 0 || j > 31) j = l;
        d[l] = src[j];
        if (d2) d2[l] = ok;
      });
      break;
    }
    case Op::kVote: {
      if (!exec) break;
      const uint64_t* e = in.e != kNoReg ? R + size_t{in.e} * 32 : nullptr;
      if (park(e ? uint32_t(e[std::countr_zero(exec)]) : kFullMask)) { *jumped = true; return result; }
      bool nega = in.flags & kNegA;
      uint32_t ballot = 0;
      ForLanes(exec, [&](int l) { ballot |= static_cast<uint32_t>((a[l] & 1) ^ nega) << l; });
      uint64_t v;
      switch (static_cast<VoteMode>(in.mod)) {
        case VoteMode::kAll: v = ballot == exec; break;
        case VoteMode::kAny: v = ballot != 0; break;
        case VoteMode::kUni: v = ballot == 0 || ballot == exec; break;
        default: v = ballot; break;
      }
      ForLanes(exec, [&](int l) { d[l] = v; });
      break;
    }
    case Op::kRedux: {
      if (!exec) break;
      const uint64_t* e = R + size_t{in.e} * 32;
      if (park(uint32_t(e[std::countr_zero(exec)]))) { *jumped = true; return result; }
      uint32_t lanes[32] = {};
      ForLanes(exec, [&](int l) { lanes[l] = uint32_t(a[l]); });
      uint32_t v = Redux(lanes, exec, static_cast<ReduxOp>(in.mod), in.type == Type::kS32);
      ForLanes(exec, [&](int l) { d[l] = v; });
      break;
    }
    case Op::kMatch: {
      if (!exec) break;
      const uint64_t* e = R + size_t{in.e} * 32;
      if (park(uint32_t(e[std::countr_zero(exec)]))) { *jumped = true; return result; }
      uint64_t* d2 = in.d2 != kNoReg ? R + size_t{in.d2} * 32 : nullptr;
      uint64_t m = TypeBytes(in.type) == 8 ? ~uint64_t{0} : 0xFFFFFFFFull;
      ForLanes(exec, [&](int l) {
        uint32_t same = 0;
        ForLanes(exec, [&](int k) { same |= static_cast<uint32_t>((a[k] & m) == (a[l] & m)) << k; });
        if (in.mod == 0) {
          d[l] = same;
        } else {
          bool all = same == exec;
          d[l] = all ? exec : 0;
          if (d2) d2[l] = all;
        }
      });
      break;
    }
    case Op::kActivemask:
      ForLanes(exec, [&](int l) { d[l] = exec; });
      break;
    default:
      break;
  }
  return result;
}

}  // namespace vgpu::ptx
