#include "server/backends/cuda/inventory.h"

#include <cstring>
#include <string>

namespace vgpu::backend::cuda {
namespace {

Result<DeviceInfo> ReadDevice(const Driver& d, CUdevice dev, int ordinal) {
  DeviceInfo info;
  const std::string where = " (device " + std::to_string(ordinal) + ")";

  char name[256] = {};
  VGPU_RETURN_IF_ERROR(d.Check(d.cuDeviceGetName(name, sizeof(name) - 1, dev), "cuDeviceGetName" + where));
  info.name = name;

  CUuuid uuid{};
  VGPU_RETURN_IF_ERROR(d.Check(d.cuDeviceGetUuid(&uuid, dev), "cuDeviceGetUuid_v2" + where));
  static_assert(sizeof(uuid.bytes) == sizeof(info.uuid));
  std::memcpy(info.uuid, uuid.bytes, sizeof(info.uuid));

  size_t total = 0;
  VGPU_RETURN_IF_ERROR(d.Check(d.cuDeviceTotalMem(&total, dev), "cuDeviceTotalMem_v2" + where));
  info.total_memory = total;

  info.attributes.assign(CU_DEVICE_ATTRIBUTE_MAX, 0);
  for (int a = 1; a < CU_DEVICE_ATTRIBUTE_MAX; ++a) {
    int value = 0;
    // Attributes newer than the host's driver are rejected: they read as 0.
    if (d.cuDeviceGetAttribute(&value, static_cast<CUdevice_attribute>(a), dev) == CUDA_SUCCESS) {
      info.attributes[a] = value;
    }
  }
  info.pci_domain = static_cast<uint32_t>(info.attributes[CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID]);
  info.pci_bus = static_cast<uint32_t>(info.attributes[CU_DEVICE_ATTRIBUTE_PCI_BUS_ID]);
  info.pci_device = static_cast<uint32_t>(info.attributes[CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID]);
  return info;
}

}  // namespace

Result<Inventory> ReadInventory(const Driver& d) {
  int count = 0;
  if (CUresult r = d.cuDeviceGetCount(&count); r != CUDA_SUCCESS) {
    return Status(Code::kNoDevice, "cuda backend: cuDeviceGetCount failed: " + d.ErrorName(r));
  }
  if (count <= 0) return Status(Code::kNoDevice, "cuda backend: the driver reports no CUDA device");

  Inventory inventory;
  for (int ordinal = 0; ordinal < count; ++ordinal) {
    CUdevice dev = 0;
    VGPU_RETURN_IF_ERROR(d.Check(d.cuDeviceGet(&dev, ordinal), "cuDeviceGet(" + std::to_string(ordinal) + ")"));
    VGPU_ASSIGN_OR_RETURN(DeviceInfo info, ReadDevice(d, dev, ordinal));
    inventory.devices.push_back(std::move(info));
    inventory.handles.push_back(dev);
  }
  return inventory;
}

}  // namespace vgpu::backend::cuda
