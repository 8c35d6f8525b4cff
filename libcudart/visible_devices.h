// CUDA_VISIBLE_DEVICES: which driver devices the runtime shows, in order.
#pragma once

#include <string>
#include <vector>

namespace vgpu::rt {

struct DriverDeviceId {
  int ordinal;       // driver ordinal (CUdevice)
  std::string uuid;  // "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
};

// Applies CUDA's rules: a comma-separated list of driver ordinals or
// "GPU-<uuid or unique prefix>" entries (whitespace around entries ignored).
// Parsing stops at the first entry that is invalid, out of range, ambiguous or
// repeated; entries before it stay visible. A null spec shows every device;
// an empty one shows none. Returns driver ordinals in runtime order.
std::vector<int> ParseVisibleDevices(const char* spec, const std::vector<DriverDeviceId>& devices);

}  // namespace vgpu::rt
