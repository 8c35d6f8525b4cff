// The interpreter proper. Warps of 32 lanes keep registers as [register][lane] so every
// instruction is one switch followed by a tight loop over the active lanes. Divergence is
// handled by per-lane program counters: the warp runs the lowest pc among its runnable
// lanes, which reconverges structured code at its join points; while all lanes agree the
// warp stays "converged" and skips that search.
#include "server/backends/emu/ptx/execute.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <type_traits>

#include "common/log.h"
#include "server/backends/emu/ptx/math.h"
#include "server/backends/emu/ptx/mma.h"
#include "server/backends/emu/ptx/rounding.h"

namespace vgpu::ptx {
namespace {

constexpr uint32_t kFullMask = 0xFFFFFFFFu;
constexpr int kMaxCallDepth = 32;
constexpr int kNumBarriers = 16;

template <typename F>
inline void ForLanes(uint32_t mask, F&& f) {
  if (mask == kFullMask) {
    for (int l = 0; l < 32; ++l) f(l);
  } else {
    while (mask) {
      int l = std::countr_zero(mask);
      mask &= mask - 1;
      f(l);
    }
  }
}

// Register slot <-> typed value. Readers truncate to their type, so writers may leave
// garbage above a narrow value's width.
template <typename T>
inline T As(uint64_t v) {
  if constexpr (std::is_same_v<T, float>) return BitsFloat(v);
  else if constexpr (std::is_same_v<T, double>) return BitsDouble(v);
  else return static_cast<T>(v);
}
template <typename T>
inline uint64_t Bits(T v) {
  if constexpr (std::is_same_v<T, float>) return FloatBits(v);
  else if constexpr (std::is_same_v<T, double>) return DoubleBits(v);
  else if constexpr (std::is_same_v<T, bool>) return v ? 1 : 0;
  else return static_cast<uint64_t>(static_cast<std::make_unsigned_t<T>>(v));
}

// Integer type dispatch: binds T to the C++ type of `t` and runs the statement.
#define VGPU_INT_CASES(t, ...)                                                   \
  switch (t) {                                                                   \
    case Type::kS8: { using T = int8_t; __VA_ARGS__; } break;                    \
    case Type::kS16: { using T = int16_t; __VA_ARGS__; } break;                  \
    case Type::kS32: { using T = int32_t; __VA_ARGS__; } break;                  \
    case Type::kS64: { using T = int64_t; __VA_ARGS__; } break;                  \
    case Type::kU8: case Type::kB8: { using T = uint8_t; __VA_ARGS__; } break;   \
    case Type::kU16: case Type::kB16: { using T = uint16_t; __VA_ARGS__; } break; \
    case Type::kU32: case Type::kB32: { using T = uint32_t; __VA_ARGS__; } break; \
    case Type::kU64: case Type::kB64: { using T = uint64_t; __VA_ARGS__; } break; \
    default: return Unsupported(in, std::string(TypeName(in.type)) + " operands");                                     \
  }

template <typename T>
using Wide = std::conditional_t<sizeof(T) <= 4, std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>,
                                std::conditional_t<std::is_signed_v<T>, __int128, unsigned __int128>>;

template <typename T>
inline T MulHi(T a, T b) {
  return static_cast<T>((static_cast<Wide<T>>(a) * static_cast<Wide<T>>(b)) >> (8 * sizeof(T)));
}

template <typename T>
inline T AbsInt(T x) {
  using U = std::make_unsigned_t<T>;
  if constexpr (std::is_signed_v<T>) return x < 0 ? static_cast<T>(U(0) - static_cast<U>(x)) : x;
  return x;
}

template <typename T>
inline T IntDiv(T a, T b) {
  if (b == 0) return static_cast<T>(~T(0));  // hardware: all ones
  if constexpr (std::is_signed_v<T>) {
    if (a == std::numeric_limits<T>::min() && b == -1) return a;
  }
  return a / b;
}
template <typename T>
inline T IntRem(T a, T b) {
  if (b == 0) return a;
  if constexpr (std::is_signed_v<T>) {
    if (a == std::numeric_limits<T>::min() && b == -1) return 0;
  }
  return a % b;
}

template <typename T>
inline bool CompareInt(T a, T b, Cmp c) {
  switch (c) {
    case Cmp::kEq: return a == b;
    case Cmp::kNe: return a != b;
    case Cmp::kLt: case Cmp::kLo: return a < b;
    case Cmp::kLe: case Cmp::kLs: return a <= b;
    case Cmp::kGt: case Cmp::kHi: return a > b;
    case Cmp::kGe: case Cmp::kHs: return a >= b;
    default: return false;
  }
}
inline bool CompareFloat(double a, double b, Cmp c) {
  bool nan = std::isnan(a) || std::isnan(b);
  switch (c) {
    case Cmp::kEq: return !nan && a == b;
    case Cmp::kNe: return !nan && a != b;
    case Cmp::kLt: return !nan && a < b;
    case Cmp::kLe: return !nan && a <= b;
    case Cmp::kGt: return !nan && a > b;
    case Cmp::kGe: return !nan && a >= b;
    case Cmp::kEqu: return nan || a == b;
    case Cmp::kNeu: return nan || a != b;
    case Cmp::kLtu: return nan || a < b;
    case Cmp::kLeu: return nan || a <= b;
    case Cmp::kGtu: return nan || a > b;
    case Cmp::kGeu: return nan || a >= b;
    case Cmp::kNum: return !nan;
    case Cmp::kNan: return nan;
    default: return false;
  }
}

// A 16-bit float lane (f16 or bf16) as double, and back with rounding.
inline double HalfToDouble(uint16_t h, bool bf) { return bf ? BF16ToF32(h) : F16ToF32(h); }
inline uint16_t DoubleToHalf(double x, bool bf, uint8_t rnd) {
  uint8_t r = rnd == kRnd ? uint8_t{kRn} : rnd;
  return bf ? LongToBF16(x, r) : LongToF16(x, r);
}

// Reads a float operand of any float type as double (for compares, cvt).
inline double FloatValue(uint64_t v, Type t) {
  switch (t) {
    case Type::kF32: return BitsFloat(v);
    case Type::kF64: return BitsDouble(v);
    case Type::kF16: return F16ToF32(static_cast<uint16_t>(v));
    case Type::kBF16: return BF16ToF32(static_cast<uint16_t>(v));
    default: return 0;  // decode only pairs float types with FloatValue
  }
}

inline int64_t SignExtend(uint64_t v, Type t) {
  switch (TypeBytes(t)) {
    case 1: return static_cast<int8_t>(v);
    case 2: return static_cast<int16_t>(v);
    case 4: return static_cast<int32_t>(v);
    default: return static_cast<int64_t>(v);
  }
}
inline uint64_t ZeroExtend(uint64_t v, Type t) {
  switch (TypeBytes(t)) {
    case 1: return static_cast<uint8_t>(v);
    case 2: return static_cast<uint16_t>(v);
    case 4: return static_cast<uint32_t>(v);
    default: return v;
  }
}

struct Frame {
  uint32_t ret_pc;
  uint32_t call;
};

struct Warp {
  uint64_t* regs = nullptr;
  uint32_t index = 0;
  uint32_t live = 0;     // lanes that have not exited
  uint32_t blocked = 0;  // lanes waiting at a barrier
  uint32_t parked = 0;   // lanes waiting for the rest of a .sync member mask
  bool converged = true;
  uint32_t pc = 0;
  uint32_t lane_pc[32];
  uint32_t blocked_by[kNumBarriers];
  uint32_t red_dst[kNumBarriers];
  uint8_t depth[32];
  Frame stack[32][kMaxCallDepth];
  uint32_t tid[3][32];
};

struct TranslateEntry {
  uint64_t base = ~uint64_t{0};
  uint64_t len = 0;
  uint8_t* host = nullptr;
};

class BlockRunner {
 public:
  Status Run(const LaunchState& ls, uint64_t linear, uint64_t* executed);

 private:
  Status RunWarp(Warp& w);
  Status Fail(Status s) {
    if (err_.ok()) err_ = std::move(s);
    return err_;
  }
  // `what` names the instruction for ops decoded normally (e.g. "cvt with .f16x2 source").
  Status Unsupported(const Instr& in, const std::string& what);
  Status Illegal(const Instr& in, uint64_t addr, uint32_t size, const char* what);
  uint8_t* Global(uint64_t addr, uint32_t size) {
    TranslateEntry& e = cache_[(addr >> 8) & 1023];
    if (size <= e.len && addr - e.base <= e.len - size) return e.host + (addr - e.base);
    return GlobalSlow(addr, size);
  }
  uint8_t* GlobalSlow(uint64_t addr, uint32_t size);
  uint8_t* Resolve(const Instr& in, Mem mem, uint64_t addr, uint32_t size, int lane, const Warp& w,
                   bool write = false);
  void Diverge(Warp& w) {
    if (!w.converged) return;
    uint32_t cand = w.live & ~w.blocked;
    ForLanes(cand, [&](int l) { w.lane_pc[l] = w.pc; });
    w.converged = false;
  }
  void SetPc(Warp& w, uint32_t mask, uint32_t pc) {
    if (w.converged) {
      w.pc = pc;
      return;
    }
    ForLanes(mask, [&](int l) { w.lane_pc[l] = pc; });
  }
  void TryConverge(Warp& w) {
    if (w.converged || w.parked) return;
    uint32_t cand = w.live & ~w.blocked;
    if (!cand) return;
    uint32_t pc = w.lane_pc[std::countr_zero(cand)];
    bool same = true;
    ForLanes(cand, [&](int l) { same &= w.lane_pc[l] == pc; });
    if (same && w.blocked == 0) {
      w.converged = true;
      w.pc = pc;
    }
  }
  uint64_t SpecialValue(Special s, const Warp& w, int lane);
  Status Call(Warp& w, const Instr& in, uint32_t exec, uint32_t mask, uint32_t pc);
  Status Ret(Warp& w, const Instr& in, uint32_t exec, uint32_t mask, uint32_t pc);
  Status Atomic(const Instr& in, uint64_t* R, uint32_t exec, Warp& w);
  Status AtomicHalf(const Instr& in, uint64_t* R, uint32_t exec, Warp& w);
  Status Convert(const Instr& in, uint64_t* R, uint32_t exec);
  Status FloatArith(const Instr& in, uint64_t* R, uint32_t exec);
  Status ReleaseBarriers(bool* released);

  const LaunchState* ls_ = nullptr;
  uint64_t serial_ = 0;
  const Instr* code_ = nullptr;
  const uint32_t* reg_base_ = nullptr;
  Status err_;
  uint32_t block_idx_[3] = {0, 0, 0};
  uint32_t nwarps_ = 0;
  uint32_t live_threads_ = 0;
  uint64_t steps_ = 0;
  uint64_t executed_ = 0;
  std::vector<Warp> warps_;
  std::vector<uint64_t> regs_;
  std::vector<uint8_t> shared_;
  std::vector<uint8_t> local_;
  std::vector<uint8_t> pframes_;
  uint32_t local_stride_ = 0;
  uint32_t pframe_stride_ = 0;
  uint32_t arrived_[kNumBarriers] = {};
  uint32_t expected_[kNumBarriers] = {};
  uint32_t red_popc_[kNumBarriers] = {};
  bool red_and_[kNumBarriers] = {};
  bool red_or_[kNumBarriers] = {};
  uint8_t red_mode_[kNumBarriers] = {};
  TranslateEntry cache_[1024];
};

uint8_t* BlockRunner::GlobalSlow(uint64_t addr, uint32_t size) {
  DeviceMemory* mem = ls_->memory;
  TranslateEntry& e = cache_[(addr >> 8) & 1023];
  for (uint64_t granule : {uint64_t{4096}, uint64_t{256}}) {
    uint64_t base = addr & ~(granule - 1);
    if (addr + size > base + granule || addr + size < addr) continue;
    if (uint8_t* p = mem->Translate(base, granule)) {
      e = {base, granule, p};
      return p + (addr - base);
    }
  }
  if (addr + size < addr) return nullptr;
  return mem->Translate(addr, size);
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

uint8_t* BlockRunner::Resolve(const Instr& in, Mem mem, uint64_t addr, uint32_t size, int lane, const Warp& w,
                              bool write) {
  switch (mem) {
    case Mem::kGeneric:
      if (addr >= kLocalWindow) {
        mem = Mem::kLocal;
        addr -= kLocalWindow;
      } else if (addr >= kSharedWindow) {
        mem = Mem::kShared;
        addr -= kSharedWindow;
      } else if (addr >= kParamWindow) {
        mem = Mem::kKernelParam;
        addr -= kParamWindow;
      } else {
        mem = Mem::kGlobal;
      }
      return Resolve(in, mem, addr, size, lane, w, write);
    case Mem::kGlobal:
    case Mem::kConst:
      if (uint8_t* p = Global(addr, size)) return p;
      (void)Illegal(in, addr, size, mem == Mem::kConst ? "const" : "global");
      return nullptr;
    case Mem::kShared:
      if (addr <= shared_.size() && size <= shared_.size() - addr) return shared_.data() + addr;
      (void)Illegal(in, addr, size, "shared");
      return nullptr;
    case Mem::kLocal:
      if (addr <= local_stride_ && size <= local_stride_ - addr)
        return local_.data() + size_t(w.index * 32 + lane) * local_stride_ + addr;
      (void)Illegal(in, addr, size, "local");
      return nullptr;
    case Mem::kKernelParam:
      if (write) {
        (void)Illegal(in, addr, size, "write to kernel parameters");
        return nullptr;
      }
      if (addr <= ls_->params.size() && size <= ls_->params.size() - addr)
        return const_cast<uint8_t*>(ls_->params.data()) + addr;
      (void)Illegal(in, addr, size, "param");
      return nullptr;
    case Mem::kFuncParam: {
      uint64_t off = ls_->layout->param_base[in.func] + addr;
      if (off <= pframe_stride_ && size <= pframe_stride_ - off)
        return pframes_.data() + size_t(w.index * 32 + lane) * pframe_stride_ + off;
      (void)Illegal(in, addr, size, "param");
      return nullptr;
    }
  }
  return nullptr;
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

Status BlockRunner::Call(Warp& w, const Instr& in, uint32_t exec, uint32_t mask, uint32_t pc) {
  const CallInfo& ci = ls_->data->calls[in.imm];
  const Function& callee = ls_->data->funcs[ci.callee];
  if (!callee.has_body) return Unsupported(in, "call to " + callee.name + ", which has no body in this module");
  const KernelLayout& lay = *ls_->layout;
  uint32_t caller_base = lay.param_base[in.func], callee_base = lay.param_base[ci.callee];
  bool overflow = false;
  ForLanes(exec, [&](int l) {
    uint8_t* frame = pframes_.data() + size_t(w.index * 32 + l) * pframe_stride_;
    for (const CallInfo::Copy& cp : ci.args)
      std::memmove(frame + callee_base + cp.callee_off, frame + caller_base + cp.caller_off, cp.size);
    if (w.depth[l] >= kMaxCallDepth) {
      overflow = true;
      return;
    }
    w.stack[l][w.depth[l]++] = {pc + 1, static_cast<uint32_t>(in.imm)};
  });
  if (overflow) return Fail(Status(Code::kLaunchFailed, "ptx: call stack overflow"));
  if (exec == mask) {
    SetPc(w, mask, callee.entry_pc);
  } else {
    Diverge(w);
    SetPc(w, exec, callee.entry_pc);
    SetPc(w, mask & ~exec, pc + 1);
  }
  return Status::Ok();
}

Status BlockRunner::Ret(Warp& w, const Instr& in, uint32_t exec, uint32_t mask, uint32_t pc) {
  Diverge(w);
  const KernelLayout& lay = *ls_->layout;
  uint32_t exited = 0;
  ForLanes(exec, [&](int l) {
    if (w.depth[l] == 0) {
      exited |= uint32_t{1} << l;
      return;
    }
    Frame f = w.stack[l][--w.depth[l]];
    const CallInfo& ci = ls_->data->calls[f.call];
    uint8_t* frame = pframes_.data() + size_t(w.index * 32 + l) * pframe_stride_;
    uint32_t caller_func = code_[f.ret_pc - 1].func;
    for (const CallInfo::Copy& cp : ci.rets)
      std::memmove(frame + lay.param_base[caller_func] + cp.caller_off,
                   frame + lay.param_base[in.func] + cp.callee_off, cp.size);
    w.lane_pc[l] = f.ret_pc;
  });
  SetPc(w, mask & ~exec, pc + 1);
  if (exited) {
    w.live &= ~exited;
    live_threads_ -= std::popcount(exited);
  }
  TryConverge(w);
  return Status::Ok();
}

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

template <typename T>
T AtomicApply(AtomOp op, T old, T b, T c, bool* store) {
  *store = true;
  switch (op) {
    case AtomOp::kAdd:
      if constexpr (std::is_integral_v<T>) {
        using U = std::make_unsigned_t<T>;
        return static_cast<T>(static_cast<U>(old) + static_cast<U>(b));
      }
      return old + b;
    case AtomOp::kMin: return std::min(old, b);
    case AtomOp::kMax: return std::max(old, b);
    case AtomOp::kExch: return b;
    case AtomOp::kCas:
      *store = old == b;
      return c;
    case AtomOp::kAnd:
      if constexpr (std::is_integral_v<T>) return old & b;
      return old;
    case AtomOp::kOr:
      if constexpr (std::is_integral_v<T>) return old | b;
      return old;
    case AtomOp::kXor:
      if constexpr (std::is_integral_v<T>) return old ^ b;
      return old;
    case AtomOp::kInc: return old >= b ? T(0) : T(old + 1);
    case AtomOp::kDec: return (old == 0 || old > b) ? b : T(old - 1);
  }
  return old;
}

template <typename T, typename U>
U AtomicRmw(uint8_t* p, AtomOp op, U bv, U cv) {
  static_assert(sizeof(T) == sizeof(U));
  std::atomic_ref<U> ref(*reinterpret_cast<U*>(p));
  if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) {
    if (op == AtomOp::kAdd) return ref.fetch_add(bv);
    if (op == AtomOp::kAnd) return ref.fetch_and(bv);
    if (op == AtomOp::kOr) return ref.fetch_or(bv);
    if (op == AtomOp::kXor) return ref.fetch_xor(bv);
    if (op == AtomOp::kExch) return ref.exchange(bv);
  }
  U old = ref.load(std::memory_order_relaxed);
  while (true) {
    bool store;
    T r = AtomicApply<T>(op, As<T>(old), As<T>(bv), As<T>(cv), &store);
    if (!store) return old;
    U nv = static_cast<U>(Bits<T>(r));
    if (ref.compare_exchange_weak(old, nv)) return old;
  }
}

Status BlockRunner::Atomic(const Instr& in, uint64_t* R, uint32_t exec, Warp& w) {
  const Mem mem = static_cast<Mem>(in.mod2);
  const AtomOp op = static_cast<AtomOp>(in.mod);
  const uint32_t size = TypeBytes(in.type);
  if (size == 2 || in.type == Type::kF16x2 || in.type == Type::kBF16x2) return AtomicHalf(in, R, exec, w);
  if (size != 4 && size != 8) return Unsupported(in, "atomic size");
  if (IsFloat(in.type) && op != AtomOp::kAdd && op != AtomOp::kExch && op != AtomOp::kMin && op != AtomOp::kMax)
    return Unsupported(in, "float atomic");
  const uint64_t* a = in.a != kNoReg ? R + size_t{in.a} * 32 : nullptr;
  const uint64_t* b = R + size_t{in.b} * 32;
  const uint64_t* c = in.c != kNoReg ? R + size_t{in.c} * 32 : b;
  uint64_t* d = in.d != kNoReg ? R + size_t{in.d} * 32 : nullptr;
  Status st;
  ForLanes(exec, [&](int l) {
    if (!st.ok()) return;
    uint64_t addr = (a ? a[l] : 0) + static_cast<uint64_t>(in.imm);
    uint8_t* p = Resolve(in, mem, addr, size, l, w, /*write=*/true);
    if (!p) {
      st = err_;
      return;
    }
    if (reinterpret_cast<uintptr_t>(p) % size != 0) {
      st = Illegal(in, addr, size, "misaligned atomic");
      return;
    }
    uint64_t old = 0;
    if (size == 4) {
      uint32_t bv = static_cast<uint32_t>(b[l]), cv = static_cast<uint32_t>(c[l]);
      switch (in.type) {
        case Type::kS32: old = AtomicRmw<int32_t, uint32_t>(p, op, bv, cv); break;
        case Type::kF32: old = AtomicRmw<float, uint32_t>(p, op, bv, cv); break;
        default: old = AtomicRmw<uint32_t, uint32_t>(p, op, bv, cv); break;
      }
    } else {
      uint64_t bv = b[l], cv = c[l];
      switch (in.type) {
        case Type::kS64: old = AtomicRmw<int64_t, uint64_t>(p, op, bv, cv); break;
        case Type::kF64: old = AtomicRmw<double, uint64_t>(p, op, bv, cv); break;
        default: old = AtomicRmw<uint64_t, uint64_t>(p, op, bv, cv); break;
      }
    }
    if (d) d[l] = old;
  });
  return st;
}

// 16-bit atomics (and packed f16x2/bf16x2 add): a compare-and-swap loop on the aligned
// 32-bit word that holds the value.
Status BlockRunner::AtomicHalf(const Instr& in, uint64_t* R, uint32_t exec, Warp& w) {
  const Mem mem = static_cast<Mem>(in.mod2);
  const AtomOp op = static_cast<AtomOp>(in.mod);
  const bool packed = in.type == Type::kF16x2 || in.type == Type::kBF16x2;
  const bool bf = in.type == Type::kBF16 || in.type == Type::kBF16x2;
  const bool is_float = IsFloat(in.type);
  if (is_float && op != AtomOp::kAdd && op != AtomOp::kMin && op != AtomOp::kMax && op != AtomOp::kExch)
    return Unsupported(in, "16-bit float atomic");
  const uint64_t* a = in.a != kNoReg ? R + size_t{in.a} * 32 : nullptr;
  const uint64_t* b = R + size_t{in.b} * 32;
  const uint64_t* c = in.c != kNoReg ? R + size_t{in.c} * 32 : b;
  uint64_t* d = in.d != kNoReg ? R + size_t{in.d} * 32 : nullptr;
  auto apply16 = [&](uint16_t old, uint16_t bv, uint16_t cv, bool* store) -> uint16_t {
    *store = true;
    if (is_float) {
      double x = HalfToDouble(old, bf), y = HalfToDouble(bv, bf);
      switch (op) {
        case AtomOp::kAdd: return DoubleToHalf(x + y, bf, kRn);
        case AtomOp::kMin: return std::isnan(y) || x <= y ? old : bv;
        case AtomOp::kMax: return std::isnan(y) || x >= y ? old : bv;
        default: return bv;
      }
    }
    return AtomicApply<uint16_t>(op, old, bv, cv, store);
  };
  Status st;
  ForLanes(exec, [&](int l) {
    if (!st.ok()) return;
    uint64_t addr = (a ? a[l] : 0) + static_cast<uint64_t>(in.imm);
    uint32_t size = packed ? 4 : 2;
    if (addr % size != 0) {
      st = Illegal(in, addr, size, "misaligned atomic");
      return;
    }
    uint8_t* p = Resolve(in, mem, addr & ~uint64_t{3}, 4, l, w, /*write=*/true);
    if (!p) {
      st = err_;
      return;
    }
    std::atomic_ref<uint32_t> ref(*reinterpret_cast<uint32_t*>(p));
    int shift = packed ? 0 : int(addr & 2) * 8;
    uint32_t old = ref.load(std::memory_order_relaxed);
    while (true) {
      uint32_t nv = old;
      bool store = true;
      if (packed) {
        nv = 0;
        for (int h = 0; h < 2; ++h) {
          bool s;
          nv |= uint32_t{apply16(uint16_t(old >> (16 * h)), uint16_t(b[l] >> (16 * h)), 0, &s)} << (16 * h);
        }
      } else {
        uint16_t r = apply16(uint16_t(old >> shift), uint16_t(b[l]), uint16_t(c[l]), &store);
        nv = (old & ~(0xFFFFu << shift)) | (uint32_t{r} << shift);
      }
      if (!store || ref.compare_exchange_weak(old, nv)) break;
    }
    if (d) d[l] = packed ? old : (old >> shift) & 0xFFFF;
  });
  return st;
}

// Global memory is shared with blocks on other threads, as on a GPU where plain loads and
// stores may race with atomics: aligned accesses are relaxed atomics (plain moves on x86).
template <typename U>
inline U RelaxedLoad(const uint8_t* p) {
  if (reinterpret_cast<uintptr_t>(p) % sizeof(U) == 0) return __atomic_load_n(reinterpret_cast<const U*>(p), __ATOMIC_RELAXED);
  U v;
  std::memcpy(&v, p, sizeof(U));
  return v;
}
template <typename U>
inline void RelaxedStore(uint8_t* p, U v) {
  if (reinterpret_cast<uintptr_t>(p) % sizeof(U) == 0) {
    __atomic_store_n(reinterpret_cast<U*>(p), v, __ATOMIC_RELAXED);
  } else {
    std::memcpy(p, &v, sizeof(U));
  }
}

inline uint64_t LoadValue(const uint8_t* p, Type t) {
  switch (t) {
    case Type::kS8: return static_cast<uint64_t>(int64_t{static_cast<int8_t>(RelaxedLoad<uint8_t>(p))});
    case Type::kU8: case Type::kB8: case Type::kPred: return RelaxedLoad<uint8_t>(p);
    case Type::kS16: return static_cast<uint64_t>(int64_t{static_cast<int16_t>(RelaxedLoad<uint16_t>(p))});
    case Type::kU16: case Type::kB16: case Type::kF16: case Type::kBF16: return RelaxedLoad<uint16_t>(p);
    case Type::kS32: return static_cast<uint64_t>(int64_t{static_cast<int32_t>(RelaxedLoad<uint32_t>(p))});
    case Type::kU32: case Type::kB32: case Type::kF32: case Type::kF16x2: case Type::kBF16x2:
      return RelaxedLoad<uint32_t>(p);
    default: return RelaxedLoad<uint64_t>(p);
  }
}
inline void StoreValue(uint8_t* p, Type t, uint64_t v) {
  switch (TypeBytes(t)) {
    case 1: RelaxedStore<uint8_t>(p, static_cast<uint8_t>(v)); break;
    case 2: RelaxedStore<uint16_t>(p, static_cast<uint16_t>(v)); break;
    case 4: RelaxedStore<uint32_t>(p, static_cast<uint32_t>(v)); break;
    default: RelaxedStore<uint64_t>(p, v); break;
  }
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
    ++steps_;
    uint64_t* d = in.d != kNoReg ? R + size_t{in.d} * 32 : nullptr;
    const uint64_t* a = in.a != kNoReg ? R + size_t{in.a} * 32 : nullptr;
    const uint64_t* b = in.b != kNoReg ? R + size_t{in.b} * 32 : nullptr;
    const uint64_t* c = in.c != kNoReg ? R + size_t{in.c} * 32 : nullptr;
    // Sync operations wait for the rest of their member mask (lanes that diverged).
    auto park = [&](uint32_t member) {
      if (w.converged || forced) return false;
      uint32_t missing = member & w.live & ~w.blocked & ~mask;
      if (!missing) return false;
      w.parked |= mask;
      return true;
    };
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
      case Op::kFma:
      case Op::kRcp:
      case Op::kSqrt:
      case Op::kRsqrt:
      case Op::kSin:
      case Op::kCos:
      case Op::kEx2:
      case Op::kLg2:
      case Op::kTanh:
      case Op::kCopysign:
        result = FloatArith(in, R, exec);
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
      case Op::kCvt:
        result = Convert(in, R, exec);
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
      case Op::kLd: {
        Mem m = static_cast<Mem>(in.mod2);
        uint32_t size = TypeBytes(in.type);
        uint32_t total = size * in.vec;
        int64_t imm = in.imm;
        for (int l = 0; l < 32 && exec; ++l) {
          if (!((exec >> l) & 1)) continue;
          uint64_t addr = (a ? a[l] : 0) + static_cast<uint64_t>(imm);
          uint8_t* p = Resolve(in, m, addr, total, l, w);
          if (!p) {
            result = err_;
            break;
          }
          for (int i = 0; i < in.vec; ++i) R[size_t{in.v[i]} * 32 + l] = LoadValue(p + i * size, in.type);
        }
        break;
      }
      case Op::kSt: {
        Mem m = static_cast<Mem>(in.mod2);
        uint32_t size = TypeBytes(in.type);
        uint32_t total = size * in.vec;
        for (int l = 0; l < 32 && exec; ++l) {
          if (!((exec >> l) & 1)) continue;
          uint64_t addr = (a ? a[l] : 0) + static_cast<uint64_t>(in.imm);
          uint8_t* p = Resolve(in, m, addr, total, l, w, /*write=*/true);
          if (!p) {
            result = err_;
            break;
          }
          for (int i = 0; i < in.vec; ++i) StoreValue(p + i * size, in.type, R[size_t{in.v[i]} * 32 + l]);
        }
        break;
      }
      case Op::kAtom:
      case Op::kRed:
        result = Atomic(in, R, exec, w);
        break;
      case Op::kBra:
        if (exec == mask) {
          SetPc(w, mask, static_cast<uint32_t>(in.imm));
        } else if (exec == 0) {
          SetPc(w, mask, pc + 1);
        } else {
          Diverge(w);
          SetPc(w, exec, static_cast<uint32_t>(in.imm));
          SetPc(w, mask & ~exec, pc + 1);
        }
        if (!w.converged) TryConverge(w);
        goto next;
      case Op::kCall:
        result = Call(w, in, exec, mask, pc);
        if (!result.ok()) break;
        if (!w.converged) TryConverge(w);
        goto next;
      case Op::kRet:
        if (exec == 0) break;
        result = Ret(w, in, exec, mask, pc);
        goto next;
      case Op::kExit:
        if (exec == 0) break;
        Diverge(w);
        w.live &= ~exec;
        live_threads_ -= std::popcount(exec);
        SetPc(w, mask & ~exec, pc + 1);
        TryConverge(w);
        goto next;
      case Op::kTrap:
        if (exec) result = Fail(Status(Code::kLaunchFailed, "ptx: trap at line " + std::to_string(in.line)));
        break;
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
        goto next;
      }
      case Op::kWarpSync: {
        if (park(exec ? uint32_t(b[std::countr_zero(exec)]) : 0)) goto next;
        break;
      }
      case Op::kLdmatrix: {
        if (!exec) break;
        const uint32_t count = in.vec;
        uint8_t rows[32][16];
        bool ok = true;
        for (uint32_t r = 0; r < count * 8 && ok; ++r) {
          uint64_t addr = a[r] + static_cast<uint64_t>(in.imm);
          const uint8_t* p = Resolve(in, static_cast<Mem>(in.mod2), addr, 16, int(r), w, false);
          if (!p) {
            result = err_;
            ok = false;
          } else {
            std::memcpy(rows[r], p, 16);
          }
        }
        if (!ok) break;
        uint32_t out[4][32];
        Ldmatrix(rows, count, (in.flags & kWide) != 0, out);
        for (uint32_t m = 0; m < count; ++m) {
          uint64_t* dm = R + size_t{in.v[m]} * 32;
          ForLanes(exec, [&](int l) { dm[l] = out[m][l]; });
        }
        break;
      }
      case Op::kMovmatrix: {
        if (!exec) break;
        uint32_t src[32];
        for (int l = 0; l < 32; ++l) src[l] = uint32_t(a[l]);
        ForLanes(exec, [&](int l) {
          uint32_t word = 0;
          for (int e = 0; e < 2; ++e) {
            // Element (row l/4, col 2(l%4)+e) of the transpose is element
            // (2(l%4)+e, l/4) of the source, held by lane row*4 + col/2.
            int row = 2 * (l % 4) + e, col = l / 4;
            uint32_t half = (src[row * 4 + col / 2] >> (16 * (col % 2))) & 0xFFFF;
            word |= half << (16 * e);
          }
          d[l] = word;
        });
        break;
      }
      case Op::kMma: {
        if (!exec) break;
        const MmaForm& form = ls_->data->mma_forms[in.v[0]];
        MmaCounts counts;
        (void)CountMmaRegisters(form, &counts);
        const uint32_t* list = ls_->data->operand_lists.data() + in.imm;
        uint64_t* regs[24];
        for (uint32_t i = 0; i < counts.d + counts.a + counts.b + counts.c; ++i) regs[i] = R + size_t{list[i]} * 32;
        RunMma(form, counts, regs, exec);
        break;
      }
      case Op::kCpAsync: {
        const uint32_t size = in.vec;
        const uint64_t* src_size = c;
        bool ok = true;
        ForLanes(exec, [&](int l) {
          if (!ok) return;
          uint64_t dst_addr = (a ? a[l] : 0) + static_cast<uint64_t>(in.imm);
          uint64_t src_addr = (b ? b[l] : 0) + static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(in.v[0])));
          uint32_t n = src_size ? std::min<uint32_t>(size, uint32_t(src_size[l])) : size;
          uint8_t* dst = Resolve(in, Mem::kShared, dst_addr, size, l, w, true);
          const uint8_t* src = n ? Resolve(in, Mem::kGlobal, src_addr, n, l, w, false) : nullptr;
          if (!dst || (n && !src)) {
            result = err_;
            ok = false;
            return;
          }
          if (n) std::memcpy(dst, src, n);
          std::memset(dst + n, 0, size - n);
        });
        break;
      }
      case Op::kShfl: {
        if (!exec) break;
        const uint64_t* e = in.e != kNoReg ? R + size_t{in.e} * 32 : nullptr;
        if (park(e ? uint32_t(e[std::countr_zero(exec)]) : kFullMask)) goto next;
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
        if (park(e ? uint32_t(e[std::countr_zero(exec)]) : kFullMask)) goto next;
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
      case Op::kMatch: {
        if (!exec) break;
        const uint64_t* e = R + size_t{in.e} * 32;
        if (park(uint32_t(e[std::countr_zero(exec)]))) goto next;
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
      case Op::kActivemask:
        ForLanes(exec, [&](int l) { d[l] = exec; });
        break;
    }
    if (!result.ok()) break;
    // Straight-line instruction: every lane at this pc moves on.
    if (w.converged) {
      w.pc = pc + 1;
    } else {
      ForLanes(mask, [&](int l) { w.lane_pc[l] = pc + 1; });
      TryConverge(w);
    }
    continue;
  next:
    if (!result.ok()) break;
  }
  executed_ += executed;
  return result;
}

}  // namespace

Status RunBlock(const LaunchState& launch, uint64_t linear, uint64_t* executed) {
  thread_local BlockRunner runner;
  return runner.Run(launch, linear, executed);
}

}  // namespace vgpu::ptx
