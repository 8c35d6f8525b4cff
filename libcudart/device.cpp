// Devices: counts, selection, properties and attributes come from state
// cached at init; only synchronize/reset/limits/peer calls reach the driver.
#include <atomic>
#include <cstdio>
#include <cstring>

#include "libcudart/abi12.h"
#include "libcudart/areas.h"
#include "libcudart/context.h"
#include "libcudart/errors.h"

namespace vgpu::rt {
namespace {

#define VGPU_RT_NEED_CONTEXT()                                  \
  if (auto ctx = ::vgpu::rt::EnsureContext(); !ctx.ok()) return \
  ::vgpu::rt::ToCudaError(ctx.status())

// cudaSetDeviceFlags only tunes how the host waits; a remote device has no
// host-side wait strategy to change, so the flags are remembered and reported.
std::atomic<unsigned> g_device_flags{cudaDeviceScheduleAuto};
// Cache and shared-memory bank preferences are hints with no effect on
// results; the runtime keeps them so that a query returns what was set.
std::atomic<int> g_cache_config{cudaFuncCachePreferNone};
std::atomic<int> g_shared_mem_config{cudaSharedMemBankSizeDefault};

cudaError_t Properties(void* prop, int device, int abi, size_t bytes) {
  if (prop == nullptr) return cudaErrorInvalidValue;
  auto info = GetDeviceInfo(device);
  if (!info.ok()) return ToCudaError(info.status());
  if (abi == 13)
    WriteDeviceProp13(**info, static_cast<cudaDeviceProp*>(prop));
  else
    WriteDeviceProp12(**info, prop, bytes);
  return cudaSuccess;
}

cudaError_t GetLimit(size_t* value, cudaLimit limit) {
  if (value == nullptr) return cudaErrorInvalidValue;
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuCtxGetLimit(value, static_cast<CUlimit>(limit)));
}

cudaError_t SetLimit(cudaLimit limit, size_t value) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuCtxSetLimit(static_cast<CUlimit>(limit), value));
}

}  // namespace

namespace device {

cudaError_t cudaGetDeviceCount(int* count) {
  if (count == nullptr) return cudaErrorInvalidValue;
  *count = 0;
  Status s = EnsureInit();
  if (!s.ok()) return ToCudaError(s);
  *count = DeviceCount();
  return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
  auto dev = DriverDevice(device);
  if (!dev.ok()) return ToCudaError(dev.status());
  SetCurrentDevice(device);  // the context follows on first use
  return cudaSuccess;
}

cudaError_t cudaGetDevice(int* device) {
  if (device == nullptr) return cudaErrorInvalidValue;
  Status s = EnsureInit();
  if (!s.ok()) return ToCudaError(s);
  *device = CurrentDevice();
  return cudaSuccess;
}

cudaError_t cudaInitDevice(int device, unsigned int deviceFlags, unsigned int flags) {
  if (flags != 0) return cudaErrorInvalidValue;
  auto ctx = PrimaryContext(device);
  if (!ctx.ok()) return ToCudaError(ctx.status());
  if (deviceFlags != 0) g_device_flags = deviceFlags;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp* prop, int device) {
  return Properties(prop, device, 13, sizeof(cudaDeviceProp));
}
cudaError_t cudaGetDeviceProperties_v2(struct cudaDeviceProp* prop, int device) {
  return Properties(prop, device, 12, abi12::kDevicePropSize);
}
cudaError_t cudaGetDeviceProperties_abi12(struct cudaDeviceProp* prop, int deviceOrdinal) {
  return Properties(prop, deviceOrdinal, 12, abi12::kLegacyDevicePropSize);
}

cudaError_t cudaDeviceGetAttribute(int* value, enum cudaDeviceAttr attr, int device) {
  if (value == nullptr) return cudaErrorInvalidValue;
  auto dev = DriverDevice(device);
  if (!dev.ok()) return ToCudaError(dev.status());
  // cudaDeviceAttr values equal CUdevice_attribute values; libcuda answers
  // from its cached inventory.
  return ToCudaError(cuDeviceGetAttribute(value, static_cast<CUdevice_attribute>(attr), *dev));
}

cudaError_t cudaDeviceGetPCIBusId(char* pciBusId, int len, int device) {
  if (pciBusId == nullptr || len <= 0) return cudaErrorInvalidValue;
  auto info = GetDeviceInfo(device);
  if (!info.ok()) return ToCudaError(info.status());
  const cudaDeviceProp& p = (*info)->prop;
  char text[32];
  std::snprintf(text, sizeof(text), "%04x:%02x:%02x.0", p.pciDomainID, p.pciBusID, p.pciDeviceID);
  std::snprintf(pciBusId, static_cast<size_t>(len), "%s", text);
  return cudaSuccess;
}

cudaError_t cudaDeviceGetByPCIBusId(int* device, const char* pciBusId) {
  if (device == nullptr || pciBusId == nullptr) return cudaErrorInvalidValue;
  unsigned domain = 0, bus = 0, dev = 0;
  if (std::sscanf(pciBusId, "%x:%x:%x", &domain, &bus, &dev) != 3) {
    domain = 0;
    if (std::sscanf(pciBusId, "%x:%x", &bus, &dev) != 2) return cudaErrorInvalidValue;
  }
  Status s = EnsureInit();
  if (!s.ok()) return ToCudaError(s);
  for (int i = 0; i < DeviceCount(); ++i) {
    auto info = GetDeviceInfo(i);
    if (!info.ok()) return ToCudaError(info.status());
    const cudaDeviceProp& p = (*info)->prop;
    if (static_cast<unsigned>(p.pciDomainID) == domain && static_cast<unsigned>(p.pciBusID) == bus &&
        static_cast<unsigned>(p.pciDeviceID) == dev) {
      *device = i;
      return cudaSuccess;
    }
  }
  return cudaErrorInvalidDevice;
}

cudaError_t cudaDeviceSynchronize(void) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuCtxSynchronize());
}
cudaError_t cudaThreadSynchronize(void) { return cudaDeviceSynchronize(); }

cudaError_t cudaDeviceReset(void) {
  Status s = EnsureInit();
  if (!s.ok()) return ToCudaError(s);
  return ToCudaError(ResetDevice(CurrentDevice()));
}
cudaError_t cudaThreadExit(void) { return cudaDeviceReset(); }

cudaError_t cudaSetDeviceFlags(unsigned int flags) {
  constexpr unsigned kKnown = cudaDeviceScheduleMask | cudaDeviceMapHost | cudaDeviceLmemResizeToMax;
  if (flags & ~kKnown) return cudaErrorInvalidValue;
  Status s = EnsureInit();
  if (!s.ok()) return ToCudaError(s);
  g_device_flags = flags;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceFlags(unsigned int* flags) {
  if (flags == nullptr) return cudaErrorInvalidValue;
  Status s = EnsureInit();
  if (!s.ok()) return ToCudaError(s);
  *flags = g_device_flags;
  return cudaSuccess;
}

cudaError_t cudaDeviceGetLimit(size_t* pValue, enum cudaLimit limit) { return GetLimit(pValue, limit); }
cudaError_t cudaDeviceSetLimit(enum cudaLimit limit, size_t value) { return SetLimit(limit, value); }
cudaError_t cudaThreadGetLimit(size_t* pValue, enum cudaLimit limit) { return GetLimit(pValue, limit); }
cudaError_t cudaThreadSetLimit(enum cudaLimit limit, size_t value) { return SetLimit(limit, value); }

cudaError_t cudaDeviceGetStreamPriorityRange(int* leastPriority, int* greatestPriority) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuCtxGetStreamPriorityRange(leastPriority, greatestPriority));
}

cudaError_t cudaDeviceCanAccessPeer(int* canAccessPeer, int device, int peerDevice) {
  if (canAccessPeer == nullptr) return cudaErrorInvalidValue;
  auto a = DriverDevice(device);
  if (!a.ok()) return ToCudaError(a.status());
  auto b = DriverDevice(peerDevice);
  if (!b.ok()) return ToCudaError(b.status());
  if (device == peerDevice) {
    *canAccessPeer = 0;
    return cudaSuccess;
  }
  return ToCudaError(cuDeviceCanAccessPeer(canAccessPeer, *a, *b));
}

cudaError_t cudaDeviceEnablePeerAccess(int peerDevice, unsigned int flags) {
  VGPU_RT_NEED_CONTEXT();
  auto peer = PrimaryContext(peerDevice);
  if (!peer.ok()) return ToCudaError(peer.status());
  return ToCudaError(cuCtxEnablePeerAccess(*peer, flags));
}

cudaError_t cudaDeviceDisablePeerAccess(int peerDevice) {
  VGPU_RT_NEED_CONTEXT();
  auto peer = PrimaryContext(peerDevice);
  if (!peer.ok()) return ToCudaError(peer.status());
  return ToCudaError(cuCtxDisablePeerAccess(*peer));
}

cudaError_t cudaDeviceGetCacheConfig(enum cudaFuncCache* pCacheConfig) {
  if (pCacheConfig == nullptr) return cudaErrorInvalidValue;
  *pCacheConfig = static_cast<cudaFuncCache>(g_cache_config.load());
  return cudaSuccess;
}
cudaError_t cudaDeviceSetCacheConfig(enum cudaFuncCache cacheConfig) {
  if (cacheConfig < cudaFuncCachePreferNone || cacheConfig > cudaFuncCachePreferEqual) return cudaErrorInvalidValue;
  g_cache_config = cacheConfig;
  return cudaSuccess;
}
cudaError_t cudaThreadGetCacheConfig(enum cudaFuncCache* pCacheConfig) {
  return device::cudaDeviceGetCacheConfig(pCacheConfig);
}
cudaError_t cudaThreadSetCacheConfig(enum cudaFuncCache cacheConfig) {
  return device::cudaDeviceSetCacheConfig(cacheConfig);
}
cudaError_t cudaDeviceGetSharedMemConfig(enum cudaSharedMemConfig* pConfig) {
  if (pConfig == nullptr) return cudaErrorInvalidValue;
  *pConfig = static_cast<cudaSharedMemConfig>(g_shared_mem_config.load());
  return cudaSuccess;
}
cudaError_t cudaDeviceSetSharedMemConfig(enum cudaSharedMemConfig config) {
  if (config < cudaSharedMemBankSizeDefault || config > cudaSharedMemBankSizeEightByte) return cudaErrorInvalidValue;
  g_shared_mem_config = config;
  return cudaSuccess;
}

}  // namespace device
}  // namespace vgpu::rt
