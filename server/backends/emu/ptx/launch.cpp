#include "server/backends/emu/ptx/ptx.h"

namespace vgpu::ptx {

Status Launch(const Module&, std::string_view, const LaunchConfig&, std::span<const uint8_t>, DeviceMemory&,
              const std::unordered_map<std::string, uint64_t>&) {
  return NotSupported("ptx: kernel execution is not implemented yet");
}
uint64_t ExecutedThreadInstructions() { return 0; }

}  // namespace vgpu::ptx
