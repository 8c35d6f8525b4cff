// A module on the software GPU: the PTX entry of an image, parsed by the
// interpreter, plus device memory for its module-scope variables.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/backends/backend.h"
#include "server/backends/emu/memory.h"
#include "server/backends/emu/ptx/ptx.h"

namespace vgpu::backend::emu {

class EmuModule {
 public:
  // Picks the PTX this device can run from any image form, parses it, and
  // allocates and initialises its variables in `memory`.
  static Result<std::unique_ptr<EmuModule>> Load(std::span<const uint8_t> image, const DeviceInfo& device,
                                                 SessionMemory& memory, ModuleInfo* info);
  ~EmuModule();

  Result<GlobalInfo> Global(const std::string& name) const;
  // Device printf text and failed-assert messages go to `output`.
  Status Launch(uint32_t function, const LaunchConfig& config, std::span<const uint8_t> params,
                SessionMemory& memory, DeviceOutput& output, const ptx::LaunchLimits& limits = {});
  Status SetAttribute(uint32_t function, int32_t attribute, int32_t value);

 private:
  explicit EmuModule(SessionMemory& memory) : memory_(memory) {}

  SessionMemory& memory_;
  std::shared_ptr<const ptx::Module> ptx_;  // null for a cubin-only image: listed, not runnable
  std::vector<FunctionInfo> functions_;
  std::vector<uint32_t> max_dynamic_shared_;  // per function, as cuFuncSetAttribute set it
  std::unordered_map<std::string, uint64_t> global_addresses_;
  std::vector<GlobalInfo> globals_;
};

}  // namespace vgpu::backend::emu
