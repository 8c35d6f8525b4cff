// Launch(): validates a configuration, resolves constant registers, and spreads the grid's
// blocks over the thread pool (the caller works too).
#include <atomic>
#include <mutex>
#include <new>

#include "common/log.h"
#include "server/backends/emu/ptx/execute.h"
#include "server/backends/emu/ptx/ir.h"
#include "server/backends/emu/ptx/ptx.h"
#include "server/backends/emu/ptx/thread_pool.h"

namespace vgpu::ptx {
namespace {

// Limits on per-thread state (real GPUs allow 512 KiB of local memory per thread).
constexpr uint64_t kMaxLocalBytesPerThread = 512 * 1024;
constexpr uint64_t kMaxBlockStateBytes = uint64_t{1} << 30;

std::atomic<uint64_t> g_executed{0};
std::atomic<uint64_t> g_serial{1};

}  // namespace

Status LaunchLimits::Check(const std::string& kernel) const {
  if (cancelled && cancelled()) {
    return Status(Code::kLaunchFailed, "ptx: launch of " + kernel + " stopped: its client is gone or the server is stopping");
  }
  if (std::chrono::steady_clock::now() >= deadline) {
    return Status(Code::kLaunchTimeout, "ptx: launch of " + kernel + " ran past the kernel timeout");
  }
  return Status();
}

uint64_t ExecutedThreadInstructions() { return g_executed.load(); }

Status Launch(const Module& module, std::string_view kernel, const LaunchConfig& config,
              std::span<const uint8_t> params, DeviceMemory& memory,
              const std::unordered_map<std::string, uint64_t>& global_addresses, const LaunchLimits& limits) {
  const ModuleData& data = module.data();
  auto it = data.kernel_index.find(std::string(kernel));
  if (it == data.kernel_index.end()) return NotFound("ptx: no kernel named '" + std::string(kernel) + "'");
  const Kernel& k = module.kernels()[it->second];
  const KernelLayout& lay = data.layouts[it->second];
  for (int i = 0; i < 3; ++i) {
    if (config.grid[i] == 0 || config.block[i] == 0) return InvalidValue("ptx: zero grid or block dimension");
  }
  if (config.block[2] > 64 || config.grid[1] > 65535 || config.grid[2] > 65535 || config.grid[0] > 0x7FFFFFFFu)
    return InvalidValue("ptx: grid or block dimension out of range");
  uint64_t threads = uint64_t{config.block[0]} * config.block[1] * config.block[2];
  if (threads > 1024 || threads > k.max_threads_per_block)
    return InvalidValue("ptx: " + std::to_string(threads) + " threads per block exceeds the limit of " +
                        std::to_string(std::min<uint32_t>(1024, k.max_threads_per_block)));
  if (params.size() < k.param_bytes)
    return InvalidValue("ptx: " + std::to_string(params.size()) + " parameter bytes, kernel needs " +
                        std::to_string(k.param_bytes));
  uint64_t dyn_offset = (uint64_t{lay.static_shared_bytes} + 15) / 16 * 16;
  uint64_t shared = config.dynamic_shared_bytes ? dyn_offset + config.dynamic_shared_bytes : lay.static_shared_bytes;
  if (shared > kMaxSharedBytesPerBlock)
    return Status(Code::kLaunchOutOfResources,
                  "ptx: " + std::to_string(shared) + " bytes of shared memory exceeds the limit");
  if (lay.recursive) return NotSupported("ptx: recursive device functions are not supported");
  // Untrusted PTX may declare huge register files or frames: bound what one block needs.
  uint64_t warps = (threads + 31) / 32;
  uint64_t block_bytes = warps * 32 * (uint64_t{lay.total_regs} * 8 + lay.local_bytes + lay.param_frame_bytes);
  if (lay.local_bytes > kMaxLocalBytesPerThread || block_bytes > kMaxBlockStateBytes)
    return Status(Code::kLaunchOutOfResources, "ptx: " + k.name + " needs " + std::to_string(block_bytes) +
                                                   " bytes of registers and local memory per block");

  LaunchState ls;
  ls.serial = g_serial.fetch_add(1);
  ls.data = &data;
  ls.layout = &lay;
  ls.kernel_name = k.name;
  ls.config = config;
  ls.params = params;
  ls.memory = &memory;
  ls.shared_bytes = static_cast<uint32_t>(shared);
  ls.threads_per_block = static_cast<uint32_t>(threads);
  ls.limits = &limits;
  for (uint32_t f : lay.reachable) {
    for (const ConstSlot& c : data.funcs[f].consts) {
      uint64_t v = 0;
      switch (c.kind) {
        case ConstSlot::Kind::kLiteral:
          v = c.value;
          break;
        case ConstSlot::Kind::kGlobal: {
          const std::string& name = module.globals()[c.symbol].name;
          auto g = global_addresses.find(name);
          if (g == global_addresses.end())
            return InvalidValue("ptx: no device address for global '" + name + "'");
          v = g->second + c.value;
          break;
        }
        case ConstSlot::Kind::kShared:
          v = lay.shared_offset[c.symbol] + c.value;
          break;
        case ConstSlot::Kind::kLocal:
          v = lay.local_base[c.symbol] + c.value;
          break;
        case ConstSlot::Kind::kKernelParam:
          v = c.value;
          break;
      }
      ls.consts.push_back({lay.reg_base[f] + c.reg, v});
    }
  }

  uint64_t blocks = uint64_t{config.grid[0]} * config.grid[1] * config.grid[2];
  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex err_mu;
  Status first_error;
  uint64_t first_error_block = UINT64_MAX;
  ThreadPool& pool = ThreadPool::Get();
  size_t workers = static_cast<size_t>(std::min<uint64_t>(blocks, pool.size()));
  pool.Run(workers, [&] {
    uint64_t executed = 0;
    while (!failed.load(std::memory_order_relaxed)) {
      uint64_t b = next.fetch_add(1);
      if (b >= blocks) break;
      Status s = limits.Check(ls.kernel_name);
      if (s.ok()) {
        try {
          s = RunBlock(ls, b, &executed);
        } catch (const std::bad_alloc&) {
          s = OutOfMemory("ptx: no host memory for a thread block of " + ls.kernel_name);
        }
      }
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(err_mu);
        // Report the lowest failing block, so the message does not depend on scheduling.
        if (b < first_error_block) {
          first_error_block = b;
          first_error = s;
        }
        failed.store(true);
      }
    }
    g_executed.fetch_add(executed, std::memory_order_relaxed);
  });
  if (!first_error.ok()) {
    VGPU_LOG(Debug, "ptx", "launch of %s failed: %s", k.name.c_str(), first_error.ToString().c_str());
  }
  return first_error;
}

}  // namespace vgpu::ptx
