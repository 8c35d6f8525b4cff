#include "libcudart/context.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "common/log.h"
#include "libcudart/visible_devices.h"

namespace vgpu::rt {
namespace {

struct Runtime {
  std::once_flag init_once;
  Status init_status;
  std::vector<CUdevice> devices;  // runtime ordinal -> driver device
  std::mutex mu;
  std::vector<CUcontext> primary;                    // guarded by mu
  std::vector<std::unique_ptr<DeviceInfo>> info;     // guarded by mu
  std::vector<std::function<void(CUcontext)>> reset_listeners;  // guarded by mu
};

Runtime& State() {
  static Runtime* runtime = new Runtime();  // never destroyed: used from atexit paths
  return *runtime;
}

thread_local int t_device = 0;
thread_local bool t_device_set = false;
// The driver context that was current when cudaSetDevice last ran. A
// different one current now was made current through the driver API since
// (cuCtxCreate, cuCtxSetCurrent, cuCtxPushCurrent), and the runtime uses it,
// as CUDA's does; the same one means cudaSetDevice's device wins.
thread_local CUcontext t_context_at_set = nullptr;

std::string FormatUuid(const CUuuid& u) {
  const auto* b = reinterpret_cast<const unsigned char*>(u.bytes);
  char out[64];
  std::snprintf(out, sizeof(out),
                "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

Status Init(Runtime& rt) {
  log::SetComponent("libcudart");
  log::Configure(std::getenv("VGPU_LOG"));
  VGPU_CU(cuInit(0));
  int count = 0;
  VGPU_CU(cuDeviceGetCount(&count));
  const char* spec = std::getenv("CUDA_VISIBLE_DEVICES");
  bool need_uuid = spec != nullptr && std::strstr(spec, "GPU-") != nullptr;
  std::vector<DriverDeviceId> ids;
  for (int i = 0; i < count; ++i) {
    DriverDeviceId id{i, ""};
    if (need_uuid) {
      CUdevice dev;
      CUuuid uuid;
      if (cuDeviceGet(&dev, i) == CUDA_SUCCESS && cuDeviceGetUuid(&uuid, dev) == CUDA_SUCCESS)
        id.uuid = FormatUuid(uuid);
    }
    ids.push_back(id);
  }
  for (int ordinal : ParseVisibleDevices(spec, ids)) {
    CUdevice dev;
    VGPU_CU(cuDeviceGet(&dev, ordinal));
    rt.devices.push_back(dev);
  }
  rt.primary.assign(rt.devices.size(), nullptr);
  rt.info.resize(rt.devices.size());
  if (rt.devices.empty()) return Status(Code::kNoDevice, "no visible CUDA device");
  return Status::Ok();
}

}  // namespace

Status DriverStatus(CUresult res, const char* call) {
  if (res == CUDA_SUCCESS) return Status::Ok();
  return Status(static_cast<Code>(res), std::string(call) + " failed with " + std::to_string(res));
}

Status EnsureInit() {
  Runtime& rt = State();
  std::call_once(rt.init_once, [&rt] { rt.init_status = Init(rt); });
  return rt.init_status;
}

int DeviceCount() { return static_cast<int>(State().devices.size()); }

Result<CUdevice> DriverDevice(int dev) {
  VGPU_RETURN_IF_ERROR(EnsureInit());
  Runtime& rt = State();
  if (dev < 0 || dev >= static_cast<int>(rt.devices.size()))
    return Status(Code::kInvalidDevice, "device " + std::to_string(dev) + " does not exist");
  return rt.devices[dev];
}

int RuntimeOrdinal(CUdevice device) {
  const auto& devices = State().devices;
  for (size_t i = 0; i < devices.size(); ++i) {
    if (devices[i] == device) return static_cast<int>(i);
  }
  return -1;
}

int CurrentDevice() {
  // A context the program made current through the driver API names the device.
  CUcontext current = nullptr;
  if (cuCtxGetCurrent(&current) == CUDA_SUCCESS && current != nullptr &&
      (!t_device_set || current != t_context_at_set)) {
    CUdevice device = 0;
    if (cuCtxGetDevice(&device) == CUDA_SUCCESS) {
      int ordinal = RuntimeOrdinal(device);
      if (ordinal >= 0) return ordinal;
    }
  }
  return t_device;
}

void SetCurrentDevice(int dev) {
  t_device = dev;
  t_device_set = true;
  CUcontext current = nullptr;
  t_context_at_set = cuCtxGetCurrent(&current) == CUDA_SUCCESS ? current : nullptr;
}

Result<const DeviceInfo*> GetDeviceInfo(int dev) {
  VGPU_ASSIGN_OR_RETURN(CUdevice device, DriverDevice(dev));
  Runtime& rt = State();
  std::lock_guard lock(rt.mu);
  if (!rt.info[dev]) {
    char name[256] = {};
    VGPU_CU(cuDeviceGetName(name, sizeof(name), device));
    CUuuid uuid{};
    VGPU_CU(cuDeviceGetUuid(&uuid, device));
    size_t total = 0;
    VGPU_CU(cuDeviceTotalMem(&total, device));
    auto attr = [device](CUdevice_attribute a) {
      int value = 0;
      return cuDeviceGetAttribute(&value, a, device) == CUDA_SUCCESS ? value : 0;
    };
    rt.info[dev] = std::make_unique<DeviceInfo>(BuildDeviceInfo(attr, name, uuid, total));
  }
  return rt.info[dev].get();
}

Result<CUcontext> PrimaryContext(int dev) {
  VGPU_ASSIGN_OR_RETURN(CUdevice device, DriverDevice(dev));
  Runtime& rt = State();
  std::lock_guard lock(rt.mu);
  if (rt.primary[dev] == nullptr) {
    CUcontext ctx = nullptr;
    VGPU_CU(cuDevicePrimaryCtxRetain(&ctx, device));
    rt.primary[dev] = ctx;
  }
  return rt.primary[dev];
}

Result<CUcontext> EnsureContext() {
  VGPU_RETURN_IF_ERROR(EnsureInit());
  CUcontext current = nullptr;
  VGPU_CU(cuCtxGetCurrent(&current));
  if (current != nullptr && (!t_device_set || current != t_context_at_set)) return current;
  VGPU_ASSIGN_OR_RETURN(CUcontext primary, PrimaryContext(t_device));
  if (current != primary) VGPU_CU(cuCtxSetCurrent(primary));
  // Now current because of cudaSetDevice's device: later driver-API changes
  // are still told apart from it.
  t_context_at_set = primary;
  return primary;
}

Status ResetDevice(int dev) {
  VGPU_ASSIGN_OR_RETURN(CUdevice device, DriverDevice(dev));
  Runtime& rt = State();
  CUcontext old;
  std::vector<std::function<void(CUcontext)>> listeners;
  {
    std::lock_guard lock(rt.mu);
    old = rt.primary[dev];
    rt.primary[dev] = nullptr;
    listeners = rt.reset_listeners;
  }
  if (old == nullptr) return Status::Ok();  // never used: nothing to reset
  for (auto& listener : listeners) listener(old);
  VGPU_CU(cuDevicePrimaryCtxReset(device));
  VGPU_CU(cuDevicePrimaryCtxRelease(device));
  CUcontext current = nullptr;
  if (cuCtxGetCurrent(&current) == CUDA_SUCCESS && current == old) cuCtxSetCurrent(nullptr);
  return Status::Ok();
}

void AddResetListener(std::function<void(CUcontext)> listener) {
  Runtime& rt = State();
  std::lock_guard lock(rt.mu);
  rt.reset_listeners.push_back(std::move(listener));
}

}  // namespace vgpu::rt
