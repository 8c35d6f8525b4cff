// libnvml's view of libcuda.so.1: the public driver API functions NVML
// answers from, resolved with dlopen/dlsym so that NVML and CUDA share the
// process's one vgpu session (design principle 1).
#pragma once

#include <cuda.h>

#include <string>

namespace vgpu::nvml {

struct Driver {
  CUresult (*cuInit)(unsigned int);
  CUresult (*cuDriverGetVersion)(int*);
  CUresult (*cuDeviceGetCount)(int*);
  CUresult (*cuDeviceGet)(CUdevice*, int);
  CUresult (*cuDeviceGetName)(char*, int, CUdevice);
  CUresult (*cuDeviceGetUuid)(CUuuid*, CUdevice);
  CUresult (*cuDeviceTotalMem_v2)(size_t*, CUdevice);
  CUresult (*cuDeviceGetAttribute)(int*, CUdevice_attribute, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext*, CUdevice);
  CUresult (*cuDevicePrimaryCtxRelease_v2)(CUdevice);
  CUresult (*cuCtxPushCurrent_v2)(CUcontext);
  CUresult (*cuCtxPopCurrent_v2)(CUcontext*);
  CUresult (*cuMemGetInfo_v2)(size_t*, size_t*);
  CUresult (*cuGetExportTable)(const void**, const CUuuid*);
};

// The libcuda.so.1 the process already loaded, else the one in the folder
// this library was loaded from (where vgpu installs both), else whatever the
// loader finds by that name. Loaded once
// and never closed; nullptr when it or one of the functions is missing.
const Driver* LoadDriver();

}  // namespace vgpu::nvml
