// Runtime state on top of the driver: one-time init (cuInit and the
// CUDA_VISIBLE_DEVICES mapping), the per-thread current device, and one lazily
// retained primary context per device.
#pragma once

#include <cuda.h>
#include <cuda_runtime_api.h>

#include <functional>

#include "common/status.h"
#include "libcudart/device_props.h"

namespace vgpu::rt {

// cuInit and the device list, once per process. Errors are sticky.
Status EnsureInit();
// Runtime device count (after CUDA_VISIBLE_DEVICES). Requires EnsureInit.
int DeviceCount();
// Driver device of runtime ordinal `dev`, or InvalidDevice.
Result<CUdevice> DriverDevice(int dev);
// Runtime ordinal of a driver device, or -1 if it is hidden.
int RuntimeOrdinal(CUdevice device);

// The calling thread's device (0 until cudaSetDevice).
int CurrentDevice();
void SetCurrentDevice(int dev);

// Cached properties of runtime device `dev` (queried once).
Result<const DeviceInfo*> GetDeviceInfo(int dev);

// Makes sure a context is current on this thread and returns it: the
// context current on the thread when the program made it current through the
// driver API (cuCtxCreate, cuCtxSetCurrent, cuCtxPushCurrent) after its last
// cudaSetDevice, or never called cudaSetDevice; otherwise the primary context
// of the current device (retained on first use).
Result<CUcontext> EnsureContext();
// The primary context of `dev`, retained on first use.
Result<CUcontext> PrimaryContext(int dev);
// cudaDeviceReset: resets the primary context of `dev` and tells listeners.
Status ResetDevice(int dev);
// Called with the context that a reset destroyed (caches keyed by context).
void AddResetListener(std::function<void(CUcontext)> listener);

// Maps a runtime stream handle to the driver's: 0 means the legacy default
// stream, or the per-thread one in _ptsz/_ptds entry points.
inline CUstream ToDriverStream(cudaStream_t stream, bool per_thread) {
  if (stream == nullptr && per_thread) return CU_STREAM_PER_THREAD;
  return reinterpret_cast<CUstream>(stream);
}

// Status from a driver call, naming the call.
Status DriverStatus(CUresult res, const char* call);

}  // namespace vgpu::rt

#define VGPU_CU(call) VGPU_RETURN_IF_ERROR(::vgpu::rt::DriverStatus((call), #call))
