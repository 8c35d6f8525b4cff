// The interpreter's scheduler: blocks, warps, barriers, divergence. Divergence is handled by
// per-lane program counters: the warp runs the lowest pc among its runnable lanes, which
// reconverges structured code at its join points; while all lanes agree the warp stays
// "converged" and skips that search. RunWarp resolves an instruction's guard and operands,
// runs the data-movement ops inline and hands the rest to its family (opcodes.def), in
// execute_<family>.cpp.
#include "server/backends/emu/ptx/execute.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "common/log.h"
#include "server/backends/emu/ptx/runner.h"

namespace vgpu::ptx {

// Warp steps between checks of the launch's limits inside a block (a mask: every 256K steps).
constexpr uint64_t kLimitCheckSteps = (uint64_t{1} << 18) - 1;

uint8_t* BlockRunner::GlobalSlow(uint64_t addr, uint32_t size) {
  DeviceMemory* mem = ls_->memory;
  TranslateEntry& e = cache_[(addr >> 8) & 1023];
  for (uint64_t granule : {uint64_t{4096}, uint64_t{256}}) {
    uint64_t base = addr & ~(granule - 1);
    if (addr + size > base + granule || addr + size < addr) continue;
    if (uint8_t* p = mem->TranslateKernelAccess(base, granule)) {
      e = {base, granule, p};
      return p + (addr - base);
    }
  }
  if (addr + size < addr) return nullptr;
  return mem->TranslateKernelAccess(addr, size);
}

Status BlockRunner::Unsupported(const Instr& in, const std::string& what) {
  std::string text = ls_->data->texts[in.text];
  if (!what.empty()) text += " (" + what + ")";
  VGPU_LOG(Error, "ptx", "unsupported instruction '%s' at PTX line %u in kernel %s", text.c_str(), in.line,
           ls_->kernel_name.c_str());
  return Fail(NotSupported("ptx: unsupported instruction '" + text + "' at line " + std::to_string(in.line)));
}

Status BlockRunner::Illegal(const Instr& in, uint64_t addr, uint32_t size, const char* what) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), "ptx: illegal address 0x%" PRIx64 " (%u bytes, %s) at PTX line %u in %s", addr,
                size, what, in.line, ls_->kernel_name.c_str());
  VGPU_LOG(Debug, "ptx", "%s", buf);
  return Fail(IllegalAddress(buf));
}

uint64_t BlockRunner::SpecialValue(Special s, const Warp& w, int lane) {
  const LaunchConfig& c = ls_->config;
  switch (s) {
    case Special::kTidX: return w.tid[0][lane];
    case Special::kTidY: return w.tid[1][lane];
    case Special::kTidZ: return w.tid[2][lane];
    case Special::kNtidX: return c.block[0];
    case Special::kNtidY: return c.block[1];
    case Special::kNtidZ: return c.block[2];
    case Special::kCtaidX: return block_idx_[0];
    case Special::kCtaidY: return block_idx_[1];
    case Special::kCtaidZ: return block_idx_[2];
    case Special::kNctaidX: return c.grid[0];
    case Special::kNctaidY: return c.grid[1];
    case Special::kNctaidZ: return c.grid[2];
    case Special::kLaneId: return static_cast<uint64_t>(lane);
    case Special::kWarpId: return w.index;
    case Special::kNWarpId: return nwarps_;
    case Special::kSmId: return 0;
    case Special::kNSmId: return 1;
    case Special::kGridId: return ls_->serial;
    case Special::kClock: case Special::kClock64: return steps_;
    case Special::kGlobalTimer:
      return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    case Special::kLanemaskEq: return uint32_t{1} << lane;
    case Special::kLanemaskLe: return lane == 31 ? kFullMask : (uint32_t{2} << lane) - 1;
    case Special::kLanemaskLt: return (uint32_t{1} << lane) - 1;
    case Special::kLanemaskGe: return ~((uint32_t{1} << lane) - 1);
    case Special::kLanemaskGt: return lane == 31 ? 0u : ~((uint32_t{2} << lane) - 1);
    case Special::kDynSmem: return c.dynamic_shared_bytes;
    case Special::kTotalSmem: return ls_->shared_bytes;
  }
  return 0;
}

Status BlockRunner::Run(const LaunchState& ls, uint64_t linear, uint64_t* executed) {
  if (serial_ != ls.serial) {  // another launch: device memory may have changed
    for (TranslateEntry& e : cache_) e = TranslateEntry();
    serial_ = ls.serial;
  }
  ls_ = &ls;
  err_ = Status::Ok();
  code_ = ls.data->code.data();
  reg_base_ = ls.layout->reg_base.data();
  const LaunchConfig& c = ls.config;
  block_idx_[0] = static_cast<uint32_t>(linear % c.grid[0]);
  block_idx_[1] = static_cast<uint32_t>((linear / c.grid[0]) % c.grid[1]);
  block_idx_[2] = static_cast<uint32_t>(linear / (uint64_t{c.grid[0]} * c.grid[1]));
  uint32_t threads = ls.threads_per_block;
  nwarps_ = (threads + 31) / 32;
  live_threads_ = threads;
  const KernelLayout& lay = *ls.layout;
  size_t regs_per_warp = size_t{lay.total_regs} * 32;
  regs_.assign(regs_per_warp * nwarps_, 0);
  shared_.assign(ls.shared_bytes, 0);
  local_stride_ = lay.local_bytes;
  local_.assign(size_t{local_stride_} * nwarps_ * 32, 0);
  pframe_stride_ = lay.param_frame_bytes;
  pframes_.assign(size_t{pframe_stride_} * nwarps_ * 32, 0);
  std::memset(arrived_, 0, sizeof(arrived_));
  std::memset(expected_, 0, sizeof(expected_));
  std::memset(red_popc_, 0, sizeof(red_popc_));
  std::memset(red_mode_, 0xFF, sizeof(red_mode_));
  if (warps_.size() < nwarps_) warps_.resize(nwarps_);
  const uint32_t entry = ls.data->funcs[lay.function].entry_pc;
  for (uint32_t wi = 0; wi < nwarps_; ++wi) {
    Warp& w = warps_[wi];
    w.regs = regs_.data() + regs_per_warp * wi;
    for (auto [reg, value] : ls.consts) std::fill_n(w.regs + size_t{reg} * 32, 32, value);
    w.index = wi;
    uint32_t n = std::min<uint32_t>(32, threads - wi * 32);
    w.live = n == 32 ? kFullMask : (uint32_t{1} << n) - 1;
    w.blocked = 0;
    w.parked = 0;
    w.converged = true;
    w.pc = entry;
    std::memset(w.blocked_by, 0, sizeof(w.blocked_by));
    std::memset(w.depth, 0, sizeof(w.depth));
    for (int l = 0; l < 32; ++l) {
      uint32_t t = wi * 32 + l;
      w.tid[0][l] = t % c.block[0];
      w.tid[1][l] = (t / c.block[0]) % c.block[1];
      w.tid[2][l] = t / (c.block[0] * c.block[1]);
    }
  }
  executed_ = 0;
  while (true) {
    bool progress = false;
    bool all_done = true;
    for (uint32_t wi = 0; wi < nwarps_; ++wi) {
      Warp& w = warps_[wi];
      if (w.live) all_done = false;
      if (w.live & ~w.blocked) {
        Status s = RunWarp(w);
        if (!s.ok()) {
          *executed += executed_;
          return s;
        }
        progress = true;
      }
    }
    if (all_done) break;
    bool released = false;
    VGPU_RETURN_IF_ERROR(ReleaseBarriers(&released));
    if (!progress && !released) {
      bool any_live = false;
      for (uint32_t wi = 0; wi < nwarps_; ++wi) any_live |= warps_[wi].live != 0;
      if (!any_live) break;
      *executed += executed_;
      return Fail(Status(Code::kLaunchFailed, "ptx: barrier deadlock in " + ls.kernel_name));
    }
  }
  *executed += executed_;
  return Status::Ok();
}

Status BlockRunner::ReleaseBarriers(bool* released) {
  for (int id = 0; id < kNumBarriers; ++id) {
    if (arrived_[id] == 0) continue;
    // Without a thread count, every thread that has not exited takes part.
    uint32_t expected = expected_[id] ? expected_[id] : live_threads_;
    if (arrived_[id] < expected) continue;
    for (uint32_t wi = 0; wi < nwarps_; ++wi) {
      Warp& w = warps_[wi];
      uint32_t m = w.blocked_by[id];
      if (!m) continue;
      if (red_mode_[id] != 0xFF && w.red_dst[id] != kNoReg) {
        uint64_t v = red_mode_[id] == 0 ? red_popc_[id] : red_mode_[id] == 1 ? red_and_[id] : red_or_[id];
        ForLanes(m, [&](int l) { w.regs[size_t{w.red_dst[id]} * 32 + l] = v; });
      }
      w.blocked &= ~m;
      w.blocked_by[id] = 0;
      w.converged = false;
      TryConverge(w);
    }
    arrived_[id] = 0;
    expected_[id] = 0;
    red_popc_[id] = 0;
    red_and_[id] = true;
    red_or_[id] = false;
    red_mode_[id] = 0xFF;
    *released = true;
  }
  return Status::Ok();
}

Status BlockRunner::RunWarp(Warp& w) {
  const Instr* code = code_;
  uint64_t executed = 0;
  Status result;
  while (true) {
    uint32_t pc, mask;
    bool forced = false;
    if (w.converged) {
      pc = w.pc;
      mask = w.live & ~w.blocked;
      if (!mask) break;
    } else {
      uint32_t cand = w.live & ~w.blocked;
      if (!cand) break;
      uint32_t pool = cand & ~w.parked;
      if (!pool) {
        pool = cand;
        forced = true;
      }
      pc = UINT32_MAX;
      ForLanes(pool, [&](int l) { pc = std::min(pc, w.lane_pc[l]); });
      mask = 0;
      ForLanes(cand, [&](int l) {
        if (w.lane_pc[l] == pc) mask |= uint32_t{1} << l;
      });
      w.parked &= ~mask;
    }
    const Instr& in = code[pc];
    uint64_t* R = w.regs + size_t{reg_base_[in.func]} * 32;
    uint32_t exec = mask;
    if (in.guard != kNoReg) {
      const uint64_t* g = R + size_t{in.guard} * 32;
      uint32_t gm = 0;
      ForLanes(mask, [&](int l) { gm |= static_cast<uint32_t>(g[l] & 1) << l; });
      exec = (in.flags & kGuardNeg) ? mask & ~gm : mask & gm;
    }
    executed += std::popcount(mask);
    // A block that never ends must still stop at disconnect, SIGTERM or the kernel timeout.
    if ((++steps_ & kLimitCheckSteps) == 0 && ls_->limits) {
      result = ls_->limits->Check(ls_->kernel_name);
      if (!result.ok()) break;
    }
    uint64_t* d = in.d != kNoReg ? R + size_t{in.d} * 32 : nullptr;
    const uint64_t* a = in.a != kNoReg ? R + size_t{in.a} * 32 : nullptr;
    const uint64_t* b = in.b != kNoReg ? R + size_t{in.b} * 32 : nullptr;
    const uint64_t* c = in.c != kNoReg ? R + size_t{in.c} * 32 : nullptr;
    const Operands o{R, d, a, b, c, exec, mask, pc, forced};
    bool jumped = false;
    switch (OpFamily(in.op)) {
      case Family::kMove:
        switch (in.op) {
          case Op::kNop:
            break;
          case Op::kUnsupported:
            if (exec) result = Unsupported(in, "");
            break;
          case Op::kMov:
            ForLanes(exec, [&](int l) { d[l] = a[l]; });
            break;
          case Op::kMovSpecial: {
            Special s = static_cast<Special>(in.mod);
            ForLanes(exec, [&](int l) { d[l] = SpecialValue(s, w, l); });
            break;
          }
          case Op::kPack: {
            uint32_t width = TypeBytes(in.type) * 8 / in.vec;
            uint64_t m = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
            ForLanes(exec, [&](int l) {
              uint64_t v = 0;
              for (int i = 0; i < in.vec; ++i) v |= (R[size_t{in.v[i]} * 32 + l] & m) << (i * width);
              d[l] = v;
            });
            break;
          }
          case Op::kUnpack: {
            uint32_t width = TypeBytes(in.type) * 8 / in.vec;
            uint64_t m = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
            ForLanes(exec, [&](int l) {
              uint64_t v = a[l];
              for (int i = 0; i < in.vec; ++i) R[size_t{in.v[i]} * 32 + l] = (v >> (i * width)) & m;
            });
            break;
          }
          default:
            break;
        }
        break;
      case Family::kInt: result = ExecInt(in, o); break;
      case Family::kFloat: result = FloatArith(in, R, exec); break;
      case Family::kCompare: result = ExecCompare(in, o); break;
      case Family::kConvert: result = ExecConvert(in, o); break;
      case Family::kMemory: result = ExecMemory(w, in, o); break;
      case Family::kAtomic: result = Atomic(in, R, exec, w); break;
      case Family::kControl: result = ExecControl(w, in, o, &jumped); break;
      case Family::kWarp: result = ExecWarp(w, in, o, &jumped); break;
      case Family::kMma: result = ExecMma(in, o); break;
    }
    if (!result.ok()) break;
    if (jumped) continue;
    // Straight-line instruction: every lane at this pc moves on.
    if (w.converged) {
      w.pc = pc + 1;
    } else {
      ForLanes(mask, [&](int l) { w.lane_pc[l] = pc + 1; });
      TryConverge(w);
    }
  }
  executed_ += executed;
  return result;
}

Status RunBlock(const LaunchState& launch, uint64_t linear, uint64_t* executed) {
  thread_local BlockRunner runner;
  return runner.Run(launch, linear, executed);
}

}  // namespace vgpu::ptx
