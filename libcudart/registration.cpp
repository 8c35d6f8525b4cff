// nvcc's registration entry points (crt/host_runtime.h). They only record
// what was registered; nothing reaches the driver until first use.
#include "common/log.h"
#include "libcudart/exports.h"
#include "libcudart/registry.h"

namespace {
constexpr unsigned kFatbinWrapperMagic = 0x466243B1;
}  // namespace

extern "C" VGPU_RT_EXPORT void** __cudaRegisterFatBinary(void* fatCubin) {
  // Anything but nvcc's wrapper is still recorded (and only logged: this runs
  // before main, where a recorded error would surprise the program later);
  // cuModuleLoadData judges the image when, if ever, it is used.
  if (fatCubin != nullptr && *static_cast<const unsigned*>(fatCubin) != kFatbinWrapperMagic) {
    VGPU_LOG(Warn, "module", "__cudaRegisterFatBinary: %p is not a fatbin wrapper", fatCubin);
  }
  return vgpu::rt::RegisterFatBinary(fatCubin);
}

extern "C" VGPU_RT_EXPORT void __cudaRegisterFatBinaryEnd(void** fatCubinHandle) { (void)fatCubinHandle; }

extern "C" VGPU_RT_EXPORT void __cudaUnregisterFatBinary(void** fatCubinHandle) {
  vgpu::rt::UnregisterFatBinary(fatCubinHandle);
}

extern "C" VGPU_RT_EXPORT void __cudaRegisterFunction(void** fatCubinHandle, const char* hostFun, char* deviceFun,
                                                     const char* deviceName, int thread_limit, uint3* tid,
                                                     uint3* bid, dim3* bDim, dim3* gDim, int* wSize) {
  (void)deviceFun, (void)thread_limit, (void)tid, (void)bid, (void)bDim, (void)gDim, (void)wSize;
  vgpu::rt::RegisterFunction(fatCubinHandle, hostFun, deviceName);
}

extern "C" VGPU_RT_EXPORT void __cudaRegisterVar(void** fatCubinHandle, char* hostVar, char* deviceAddress,
                                                const char* deviceName, int ext, size_t size, int constant,
                                                int global) {
  (void)deviceAddress, (void)ext, (void)constant, (void)global;
  vgpu::rt::RegisterVar(fatCubinHandle, hostVar, deviceName, size, nullptr);
}

extern "C" VGPU_RT_EXPORT void __cudaRegisterManagedVar(void** fatCubinHandle, void** hostVarPtrAddress,
                                                       char* deviceAddress, const char* deviceName, int ext,
                                                       size_t size, int constant, int global) {
  (void)deviceAddress, (void)ext, (void)constant, (void)global;
  vgpu::rt::RegisterVar(fatCubinHandle, hostVarPtrAddress, deviceName, size, hostVarPtrAddress);
}

// Host shadows of __device__ variables for -rdc host linking; nothing to do.
extern "C" VGPU_RT_EXPORT void __cudaRegisterHostVar(void** fatCubinHandle, const char* deviceName, char* hostVar,
                                                    size_t size) {
  (void)fatCubinHandle, (void)deviceName, (void)hostVar, (void)size;
}

extern "C" VGPU_RT_EXPORT char __cudaInitModule(void** fatCubinHandle) {
  vgpu::Status status = vgpu::rt::InitModule(fatCubinHandle);
  if (!status.ok()) {
    vgpu::rt::RecordError("__cudaInitModule", vgpu::rt::ToCudaError(status));
    return 0;
  }
  return 1;
}

// libcudart.so.13 exports these with no public prototype; nvcc's code does
// not call them. Declared without parameters, they only report "not supported".
extern "C" VGPU_RT_EXPORT cudaError_t __cudaRegisterUnifiedTable(void) {
  return vgpu::rt::NotSupported<cudaError_t>("__cudaRegisterUnifiedTable");
}
extern "C" VGPU_RT_EXPORT cudaError_t __cudaGetProcAddress(void) {
  return vgpu::rt::NotSupported<cudaError_t>("__cudaGetProcAddress");
}
