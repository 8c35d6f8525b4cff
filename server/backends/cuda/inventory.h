// What the host's GPUs are: read once at start, sent to every client in Hello.
#pragma once

#include <vector>

#include "server/backends/backend.h"
#include "server/backends/cuda/driver.h"

namespace vgpu::backend::cuda {

struct Inventory {
  std::vector<DeviceInfo> devices;  // by ordinal
  std::vector<CUdevice> handles;    // the driver's CUdevice for each ordinal
};

// Name, UUID, total memory, PCI location and every CUdevice_attribute
// 1..CU_DEVICE_ATTRIBUTE_MAX-1 of every device (0 where the driver rejects
// one, e.g. an attribute newer than the driver). Code::kNoDevice if none.
Result<Inventory> ReadInventory(const Driver& driver);

}  // namespace vgpu::backend::cuda
