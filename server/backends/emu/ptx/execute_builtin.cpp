// Calls to functions the CUDA driver provides rather than the module: device printf
// (vprintf) and device assert (__assertfail), as nvcc declares them (.extern .func).
#include <cinttypes>
#include <cstring>
#include <optional>

#include "common/log.h"
#include "server/backends/emu/ptx/builtins.h"
#include "server/backends/emu/ptx/device_printf.h"
#include "server/backends/emu/ptx/runner.h"

namespace vgpu::ptx {

std::optional<std::string> BlockRunner::ReadString(const Warp& w, int lane, uint64_t addr) {
  // Like Resolve for generic addresses, but a bad pointer is only "unreadable", not a fault.
  std::string out;
  while (out.size() < kMaxDeviceString) {
    uint64_t a = addr + out.size();
    const uint8_t* p = nullptr;
    if (a >= kLocalWindow) {
      uint64_t off = a - kLocalWindow;
      if (off < local_stride_) p = local_.data() + size_t(w.index * 32 + lane) * local_stride_ + off;
    } else if (a >= kSharedWindow) {
      uint64_t off = a - kSharedWindow;
      if (off < shared_.size()) p = shared_.data() + off;
    } else if (a < kParamWindow) {
      p = Global(a, 1);
    }
    if (!p) return std::nullopt;
    if (*p == 0) return out;
    out.push_back(static_cast<char>(*p));
  }
  return out;
}

Status BlockRunner::CallBuiltin(Warp& w, const Instr& in, uint32_t exec, uint32_t mask, uint32_t pc,
                                const Function& callee, const CallInfo& ci) {
  const uint32_t caller_base = ls_->layout->param_base[in.func];
  auto arg = [&](int lane, size_t k) -> uint64_t {
    uint64_t v = 0;
    if (k >= ci.args.size()) return 0;
    const uint8_t* frame = pframes_.data() + size_t(w.index * 32 + lane) * pframe_stride_;
    std::memcpy(&v, frame + caller_base + ci.args[k].caller_off, std::min<uint32_t>(ci.args[k].size, 8));
    return v;
  };
  if (callee.name == "vprintf") {
    Status status;
    ForLanes(exec, [&](int l) {
      if (!status.ok()) return;
      std::optional<std::string> format = ReadString(w, l, arg(l, 0));
      if (!format) {
        status = Illegal(in, arg(l, 0), 1, "printf format");
        return;
      }
      // The argument buffer: exactly as many bytes as the format reads.
      size_t bytes = DevicePrintfArgBytes(*format);
      std::vector<uint8_t> args(bytes);
      if (bytes) {
        const uint8_t* p = Resolve(in, Mem::kGeneric, arg(l, 1), static_cast<uint32_t>(bytes), l, w);
        if (!p) {
          status = err_;
          return;
        }
        std::memcpy(args.data(), p, bytes);
      }
      std::string text =
          FormatDevicePrintf(*format, args, [&](uint64_t a) { return ReadString(w, l, a); });
      if (ls_->config.output) ls_->config.output->Printf(text);
      // vprintf returns the number of arguments it consumed; nvcc ignores it.
      if (!ci.rets.empty()) {
        uint8_t* frame = pframes_.data() + size_t(w.index * 32 + l) * pframe_stride_;
        int32_t ret = static_cast<int32_t>(bytes / 4);
        std::memcpy(frame + caller_base + ci.rets[0].caller_off, &ret, std::min<uint32_t>(ci.rets[0].size, 4));
      }
    });
    VGPU_RETURN_IF_ERROR(status);
    SetPc(w, mask, pc + 1);
    return Status::Ok();
  }
  if (callee.name == "__assertfail" && exec) {
    // __assertfail(message, file, line, function, charSize): the first failing thread
    // stops the kernel with the message glibc's assert would print.
    int l = std::countr_zero(exec);
    std::string expr = ReadString(w, l, arg(l, 0)).value_or("?");
    std::string file = ReadString(w, l, arg(l, 1)).value_or("?");
    std::string function = ReadString(w, l, arg(l, 3)).value_or("?");
    std::string message = file + ":" + std::to_string(static_cast<uint32_t>(arg(l, 2))) + ": " + function +
                          ": Assertion `" + expr + "` failed.";
    VGPU_LOG(Error, "ptx", "%s: block [%u,%u,%u], thread [%u,%u,%u]: %s", ls_->kernel_name.c_str(), block_idx_[0],
             block_idx_[1], block_idx_[2], w.tid[0][l], w.tid[1][l], w.tid[2][l], message.c_str());
    return Fail(Status(Code::kAssert, message));
  }
  if (IsBuiltinFunction(callee.name)) {  // __assertfail that no lane executes
    SetPc(w, mask, pc + 1);
    return Status::Ok();
  }
  return Unsupported(in, "call to " + callee.name + ", which has no body in this module");
}

}  // namespace vgpu::ptx
