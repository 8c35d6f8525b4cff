// cudaDeviceProp from device attributes, written in either ABI's layout.
#pragma once

#include <cuda.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <functional>

namespace vgpu::rt {

// Every property either layout needs: the 13.0 struct plus the fields 13.0 dropped.
struct DeviceInfo {
  cudaDeviceProp prop{};  // 13.0 layout
  int clock_rate = 0;
  int device_overlap = 0;
  int kernel_exec_timeout_enabled = 0;
  int compute_mode = 0;
  int max_texture1d_linear = 0;
  int memory_clock_rate = 0;
  int single_to_double_precision_perf_ratio = 0;
  int cooperative_multi_device_launch = 0;
};

// Returns the attribute's value, or 0 if the driver does not know it.
using AttributeGetter = std::function<int(CUdevice_attribute)>;

DeviceInfo BuildDeviceInfo(const AttributeGetter& attr, const char* name, const CUuuid& uuid,
                           size_t total_mem);

// Writes `bytes` bytes of the 12.x layout: abi12::kDevicePropSize (_v2) or
// abi12::kLegacyDevicePropSize (legacy plain name).
void WriteDeviceProp12(const DeviceInfo& info, void* out, size_t bytes);
void WriteDeviceProp13(const DeviceInfo& info, cudaDeviceProp* out);

}  // namespace vgpu::rt
