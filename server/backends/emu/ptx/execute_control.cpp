// Control flow: branches, calls and returns, exit, trap.
#include "server/backends/emu/ptx/runner.h"

#include <bit>
#include <cstring>

namespace vgpu::ptx {

Status BlockRunner::Call(Warp& w, const Instr& in, uint32_t exec, uint32_t mask, uint32_t pc) {
  const CallInfo& ci = ls_->data->calls[in.imm];
  const Function& callee = ls_->data->funcs[ci.callee];
  if (!callee.has_body) return CallBuiltin(w, in, exec, mask, pc, callee, ci);
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

Status BlockRunner::ExecControl(Warp& w, const Instr& in, const Operands& o, bool* jumped) {
  Status result;
  [[maybe_unused]] uint64_t* R = o.R;
  [[maybe_unused]] uint64_t* d = o.d;
  [[maybe_unused]] const uint64_t* a = o.a;
  [[maybe_unused]] const uint64_t* b = o.b;
  [[maybe_unused]] const uint64_t* c = o.c;
  [[maybe_unused]] const uint32_t exec = o.exec;
  [[maybe_unused]] const uint32_t mask = o.mask;
  [[maybe_unused]] const uint32_t pc = o.pc;
  switch (in.op) {
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
      *jumped = true;
      return result;
    case Op::kCall:
      result = Call(w, in, exec, mask, pc);
      if (!result.ok()) break;
      if (!w.converged) TryConverge(w);
      *jumped = true;
      return result;
    case Op::kRet:
      if (exec == 0) break;
      result = Ret(w, in, exec, mask, pc);
      *jumped = true;
      return result;
    case Op::kExit:
      if (exec == 0) break;
      Diverge(w);
      w.live &= ~exec;
      live_threads_ -= std::popcount(exec);
      SetPc(w, mask & ~exec, pc + 1);
      TryConverge(w);
      *jumped = true;
      return result;
    case Op::kTrap:
      if (exec) result = Fail(Status(Code::kLaunchFailed, "ptx: trap at line " + std::to_string(in.line)));
      break;
    default:
      break;
  }
  return result;
}

}  // namespace vgpu::ptx
