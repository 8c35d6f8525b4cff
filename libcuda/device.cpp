// Device area: every query is answered from the inventory the server sent
// at Hello; none crosses the network.
#include <cstdio>
#include <cstring>

#include "libcuda/areas.h"
#include "libcuda/objects.h"

namespace vgpu::cu::device {
namespace {

int Attribute(const wire::Device& device, int attribute) {
  return attribute >= 0 && attribute < device.attributes_size() ? device.attributes(attribute) : 0;
}

std::string PciBusId(const wire::Device& device) {
  char text[32];
  std::snprintf(text, sizeof(text), "%08X:%02X:%02X.0", device.pci_domain(), device.pci_bus(), device.pci_device());
  return text;
}

}  // namespace

Status cuDeviceGet(CUdevice_v1* device, int ordinal) {
  if (device == nullptr) return InvalidValue("device is null");
  VGPU_ASSIGN_OR_RETURN(const wire::Device* info, DeviceInfo(ordinal));
  (void)info;
  *device = ordinal;
  return Status();
}

Status cuDeviceGetCount(int* count) {
  if (count == nullptr) return InvalidValue("count is null");
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  *count = session->hello().devices_size();
  return Status();
}

Status cuDeviceGetName(char* name, int len, CUdevice_v1 dev) {
  if (name == nullptr || len <= 0) return InvalidValue("name buffer is null or empty");
  VGPU_ASSIGN_OR_RETURN(const wire::Device* info, DeviceInfo(dev));
  std::snprintf(name, static_cast<size_t>(len), "%s", info->name().c_str());
  return Status();
}

Status cuDeviceGetUuid(CUuuid* uuid, CUdevice_v1 dev) {
  if (uuid == nullptr) return InvalidValue("uuid is null");
  VGPU_ASSIGN_OR_RETURN(const wire::Device* info, DeviceInfo(dev));
  std::memset(uuid->bytes, 0, sizeof(uuid->bytes));
  std::memcpy(uuid->bytes, info->uuid().data(), std::min(info->uuid().size(), sizeof(uuid->bytes)));
  return Status();
}

Status cuDeviceGetUuid_v2(CUuuid* uuid, CUdevice_v1 dev) { return device::cuDeviceGetUuid(uuid, dev); }

Status cuDeviceTotalMem_v2(size_t* bytes, CUdevice_v1 dev) {
  if (bytes == nullptr) return InvalidValue("bytes is null");
  VGPU_ASSIGN_OR_RETURN(const wire::Device* info, DeviceInfo(dev));
  *bytes = info->total_memory();
  return Status();
}

Status cuDeviceTotalMem(unsigned int* bytes, CUdevice_v1 dev) {
  if (bytes == nullptr) return InvalidValue("bytes is null");
  size_t total = 0;
  VGPU_RETURN_IF_ERROR(device::cuDeviceTotalMem_v2(&total, dev));
  *bytes = static_cast<unsigned int>(std::min<size_t>(total, UINT32_MAX));
  return Status();
}

Status cuDeviceGetAttribute(int* pi, CUdevice_attribute attrib, CUdevice_v1 dev) {
  if (pi == nullptr) return InvalidValue("pi is null");
  VGPU_ASSIGN_OR_RETURN(const wire::Device* info, DeviceInfo(dev));
  if (attrib <= 0 || attrib >= CU_DEVICE_ATTRIBUTE_MAX) {
    return InvalidValue("device attribute " + std::to_string(attrib) + " does not exist");
  }
  *pi = Attribute(*info, attrib);
  return Status();
}

Status cuDeviceGetPCIBusId(char* pciBusId, int len, CUdevice_v1 dev) {
  if (pciBusId == nullptr || len <= 0) return InvalidValue("pciBusId buffer is null or empty");
  VGPU_ASSIGN_OR_RETURN(const wire::Device* info, DeviceInfo(dev));
  std::snprintf(pciBusId, static_cast<size_t>(len), "%s", PciBusId(*info).c_str());
  return Status();
}

Status cuDeviceGetByPCIBusId(CUdevice_v1* dev, const char* pciBusId) {
  if (dev == nullptr || pciBusId == nullptr) return InvalidValue("null argument");
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  unsigned domain = 0, bus = 0, device = 0;
  if (std::sscanf(pciBusId, "%x:%x:%x", &domain, &bus, &device) != 3) {
    domain = 0;
    if (std::sscanf(pciBusId, "%x:%x", &bus, &device) != 2) return InvalidValue("malformed PCI bus id");
  }
  const auto& devices = session->hello().devices();
  for (int i = 0; i < devices.size(); ++i) {
    const auto& d = devices.Get(i);
    if (d.pci_domain() == domain && d.pci_bus() == bus && d.pci_device() == device) {
      *dev = i;
      return Status();
    }
  }
  return Status(Code::kInvalidDevice, std::string("no device at PCI bus id ") + pciBusId);
}

Status cuDeviceComputeCapability(int* major, int* minor, CUdevice_v1 dev) {
  if (major == nullptr || minor == nullptr) return InvalidValue("null argument");
  VGPU_ASSIGN_OR_RETURN(const wire::Device* info, DeviceInfo(dev));
  *major = Attribute(*info, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
  *minor = Attribute(*info, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
  return Status();
}

Status cuDeviceGetLuid(char* luid, unsigned int* deviceNodeMask, CUdevice_v1 dev) {
  if (luid == nullptr || deviceNodeMask == nullptr) return InvalidValue("null argument");
  VGPU_ASSIGN_OR_RETURN(const wire::Device* info, DeviceInfo(dev));
  (void)info;
  return NotSupported("device LUIDs exist on Windows only");
}

Status cuDeviceCanAccessPeer(int* canAccessPeer, CUdevice_v1 dev, CUdevice_v1 peerDev) {
  if (canAccessPeer == nullptr) return InvalidValue("canAccessPeer is null");
  VGPU_ASSIGN_OR_RETURN(const wire::Device* a, DeviceInfo(dev));
  VGPU_ASSIGN_OR_RETURN(const wire::Device* b, DeviceInfo(peerDev));
  (void)a;
  (void)b;
  *canAccessPeer = 0;  // peer access is not forwarded yet
  return Status();
}

Status cuDeviceGetProperties(CUdevprop_v1* prop, CUdevice_v1 dev) {
  if (prop == nullptr) return InvalidValue("prop is null");
  VGPU_ASSIGN_OR_RETURN(const wire::Device* info, DeviceInfo(dev));
  prop->maxThreadsPerBlock = Attribute(*info, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
  for (int i = 0; i < 3; ++i) {
    prop->maxThreadsDim[i] = Attribute(*info, CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X + i);
    prop->maxGridSize[i] = Attribute(*info, CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X + i);
  }
  prop->sharedMemPerBlock = Attribute(*info, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK);
  prop->totalConstantMemory = Attribute(*info, CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY);
  prop->SIMDWidth = Attribute(*info, CU_DEVICE_ATTRIBUTE_WARP_SIZE);
  prop->memPitch = Attribute(*info, CU_DEVICE_ATTRIBUTE_MAX_PITCH);
  prop->regsPerBlock = Attribute(*info, CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK);
  prop->clockRate = Attribute(*info, CU_DEVICE_ATTRIBUTE_CLOCK_RATE);
  prop->textureAlign = Attribute(*info, CU_DEVICE_ATTRIBUTE_TEXTURE_ALIGNMENT);
  return Status();
}

}  // namespace vgpu::cu::device
