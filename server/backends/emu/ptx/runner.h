// The interpreter's internals, shared by execute.cpp (the block and warp scheduler) and the
// execute_<family>.cpp files that run each opcode family of opcodes.def. Warps of 32 lanes
// keep registers as [register][lane], so every instruction is one dispatch followed by a
// tight loop over the active lanes.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/backends/emu/ptx/execute.h"
#include "server/backends/emu/ptx/ir.h"
#include "server/backends/emu/ptx/value_math.h"

namespace vgpu::ptx {

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

// What one instruction works on, resolved by RunWarp before it dispatches.
struct Operands {
  uint64_t* R;        // the executing function's registers, [register][lane]
  uint64_t* d;        // lanes of Instr::d / a / b / c, nullptr where the register is kNoReg
  const uint64_t* a;
  const uint64_t* b;
  const uint64_t* c;
  uint32_t exec;      // lanes that run it (the guard applied)
  uint32_t mask;      // lanes at this pc
  uint32_t pc;
  bool forced;        // every runnable lane is parked: sync operations must go ahead
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
  inline uint8_t* Resolve(const Instr& in, Mem mem, uint64_t addr, uint32_t size, int lane, const Warp& w,
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
  // vprintf and __assertfail (execute_builtin.cpp); others are unsupported.
  Status CallBuiltin(Warp& w, const Instr& in, uint32_t exec, uint32_t mask, uint32_t pc, const Function& callee,
                     const CallInfo& ci);
  // The NUL-terminated string at a generic address, or nullopt where it is not readable.
  std::optional<std::string> ReadString(const Warp& w, int lane, uint64_t addr);
  Status Ret(Warp& w, const Instr& in, uint32_t exec, uint32_t mask, uint32_t pc);
  Status Atomic(const Instr& in, uint64_t* R, uint32_t exec, Warp& w);
  Status AtomicHalf(const Instr& in, uint64_t* R, uint32_t exec, Warp& w);
  Status Convert(const Instr& in, uint64_t* R, uint32_t exec);
  Status FloatArith(const Instr& in, uint64_t* R, uint32_t exec);
  Status ReleaseBarriers(bool* released);

  // One family of opcodes.def each, in execute_<family>.cpp. Those that may move the
  // program counters set *jumped when they did.
  Status ExecInt(const Instr& in, const Operands& o);
  Status ExecCompare(const Instr& in, const Operands& o);
  Status ExecConvert(const Instr& in, const Operands& o);
  Status ExecMemory(Warp& w, const Instr& in, const Operands& o);
  // wmma.load / wmma.store of one fragment per lane (execute_memory.cpp).
  Status WmmaMemory(Warp& w, const Instr& in, const Operands& o);
  Status ExecControl(Warp& w, const Instr& in, const Operands& o, bool* jumped);
  Status ExecWarp(Warp& w, const Instr& in, const Operands& o, bool* jumped);
  Status ExecMma(const Instr& in, const Operands& o);

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

inline uint8_t* BlockRunner::Resolve(const Instr& in, Mem mem, uint64_t addr, uint32_t size, int lane, const Warp& w,
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

}  // namespace vgpu::ptx
