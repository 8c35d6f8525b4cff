// vgpu::ptx: a PTX parser and interpreter, the software GPU behind the emu backend.
// Parse() turns nvcc's PTX text into a Module (kernels, parameter layouts, globals) and
// decodes every function once into compact instructions; Launch() runs one kernel over a
// grid with warps of 32 threads, blocks spread over a process-wide thread pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace vgpu::ptx {

enum class Space { kGlobal, kConst };

struct Param {
  std::string name;
  uint32_t offset;
  uint32_t size;
  uint32_t align;
};

struct Kernel {
  std::string name;                 // mangled .entry name
  std::vector<Param> params;        // in order; offsets as the driver packs them
  uint32_t param_bytes = 0;         // total packed size
  uint32_t static_shared_bytes = 0; // .shared reachable by this kernel (module-level ones count)
  uint32_t local_bytes_per_thread = 0;
  uint32_t max_threads_per_block = 1024;  // .maxntid/.reqntid product, else 1024
  uint32_t num_regs = 0;                  // estimate, for cuFuncGetAttribute
};

struct Global {
  std::string name;
  Space space;
  uint64_t size;
  uint32_t align;
  std::vector<uint8_t> init;  // size bytes (zeros when the PTX has no initializer)
};

// Generic addresses of the kernel-parameter, shared and local windows. Device allocations
// handed to a launch must not overlap [kParamWindow, kWindowEnd].
inline constexpr uint64_t kParamWindow = 0xFD00'0000'0000'0000ull;
inline constexpr uint64_t kSharedWindow = 0xFE00'0000'0000'0000ull;
inline constexpr uint64_t kLocalWindow = 0xFF00'0000'0000'0000ull;
inline constexpr uint64_t kWindowEnd = 0xFFFF'FFFF'FFFF'FFFFull;

struct ModuleData;  // decoded functions; internal

class Module {
 public:
  // Parses untrusted PTX text; errors are Status(kInvalidImage / kInvalidSource, "line N: ...").
  static Result<std::shared_ptr<const Module>> Parse(std::string_view ptx);

  const std::vector<Kernel>& kernels() const { return kernels_; }
  const std::vector<Global>& globals() const { return globals_; }  // module-scope .global/.const
  uint32_t ptx_version() const { return ptx_version_; }            // 90 for ".version 9.0"
  uint32_t target_sm() const { return target_sm_; }                // 75 for ".target sm_75"

  const Kernel* FindKernel(std::string_view name) const;
  const ModuleData& data() const { return *data_; }

  Module();
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

 private:
  friend class ModuleBuilder;
  std::vector<Kernel> kernels_;
  std::vector<Global> globals_;
  uint32_t ptx_version_ = 0;
  uint32_t target_sm_ = 0;
  std::unique_ptr<ModuleData> data_;
};

// Device memory a launch may touch: the session's allocations. Implemented by the emu backend.
class DeviceMemory {
 public:
  virtual ~DeviceMemory() = default;
  // Host pointer for [address, address+size) when that range lies inside one live allocation,
  // else nullptr.
  virtual uint8_t* Translate(uint64_t address, uint64_t size) = 0;
  // What a kernel's loads and stores use: like Translate, but an implementation may let a
  // kernel run a little past an allocation's end, as hardware does (its pages are larger than
  // the allocation).
  virtual uint8_t* TranslateKernelAccess(uint64_t address, uint64_t size) { return Translate(address, size); }
};

// Receives the text of device printf (vprintf) calls, formatted, in the order the threads
// ran them. Several of a launch's worker threads may call it at once.
class HostOutput {
 public:
  virtual ~HostOutput() = default;
  virtual void Printf(std::string_view text) = 0;
};

struct LaunchConfig {
  uint32_t grid[3];
  uint32_t block[3];
  uint32_t dynamic_shared_bytes;
  HostOutput* output = nullptr;  // null: printf text is dropped
};

// Most shared memory (static + dynamic) one block may use.
inline constexpr uint32_t kMaxSharedBytesPerBlock = 163 * 1024;  // the opt-in limit the emu device reports

// Stops a launch between thread blocks (a block that has started runs to its end):
// `cancelled` (client gone, server stopping; polled often, so keep it cheap) fails the
// launch with kLaunchFailed, passing `deadline` fails it with kLaunchTimeout.
struct LaunchLimits {
  std::function<bool()> cancelled;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Why the launch of `kernel` must stop now, if it must (checked between blocks and, for a
  // block that never ends, every few hundred thousand instructions inside it).
  Status Check(const std::string& kernel) const;
};

// Runs `kernel` to completion. A thread that calls __assertfail (device assert) stops the
// launch with Code::kAssert and "file:line: function: Assertion `expr` failed.".
// `params` is the packed parameter buffer (layout of
// Kernel::params). `global_addresses` gives the device address of every Module::globals()
// entry (the caller allocates and initialises them in `memory`). Thread-safe: several launches
// may run at once on different modules/memories.
Status Launch(const Module& module, std::string_view kernel, const LaunchConfig& config,
              std::span<const uint8_t> params, DeviceMemory& memory,
              const std::unordered_map<std::string, uint64_t>& global_addresses,
              const LaunchLimits& limits = {});

// Counts executed thread-instructions (summed over lanes) since process start; for benchmarks.
uint64_t ExecutedThreadInstructions();

}  // namespace vgpu::ptx
