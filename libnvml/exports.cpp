// The C exports of libnvidia-ml.so.1, one per api.def row. Nothing here may
// throw across the C boundary, print, or abort.
#include <mutex>
#include <set>
#include <string>

#include "common/log.h"
#include "libnvml/impl.h"

namespace {

nvmlReturn_t NotSupportedOnce(const char* name) noexcept {
  try {
    vgpu::nvml::ConfigureLoggingOnce();
    static std::mutex mutex;
    static std::set<std::string> logged;
    std::lock_guard<std::mutex> lock(mutex);
    if (logged.insert(name).second) VGPU_LOG(Warn, "nvml", "%s is not supported by vgpu", name);
  } catch (...) {
  }
  return NVML_ERROR_NOT_SUPPORTED;
}

}  // namespace

#define VGPU_NVML_IMPL(name, params, args)                                                \
  extern "C" __attribute__((visibility("default"))) nvmlReturn_t name params noexcept { \
    try {                                                                                 \
      vgpu::nvml::ConfigureLoggingOnce();                                                 \
      return vgpu::nvml::impl::name args;                                                 \
    } catch (...) {                                                                       \
      return NVML_ERROR_UNKNOWN;                                                          \
    }                                                                                     \
  }
#define VGPU_NVML_TODO(name, params, args) \
  extern "C" __attribute__((visibility("default"))) nvmlReturn_t name() noexcept { return NotSupportedOnce(#name); }
#define VGPU_NVML(status, name, params, args) VGPU_NVML_##status(name, params, args)
#include "libnvml/api.def"

extern "C" __attribute__((visibility("default"))) const char* nvmlErrorString(nvmlReturn_t result) noexcept {
  switch (result) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_NO_PERMISSION: return "Insufficient Permissions";
    case NVML_ERROR_ALREADY_INITIALIZED: return "Already Initialized";
    case NVML_ERROR_NOT_FOUND: return "Not Found";
    case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    case NVML_ERROR_INSUFFICIENT_POWER: return "Insufficient External Power";
    case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
    case NVML_ERROR_TIMEOUT: return "Timeout";
    case NVML_ERROR_IRQ_ISSUE: return "Interrupt Request Issue";
    case NVML_ERROR_LIBRARY_NOT_FOUND: return "NVML Shared Library Not Found";
    case NVML_ERROR_FUNCTION_NOT_FOUND: return "Function Not Found";
    case NVML_ERROR_CORRUPTED_INFOROM: return "Corrupted infoROM";
    case NVML_ERROR_GPU_IS_LOST: return "GPU is lost";
    case NVML_ERROR_RESET_REQUIRED: return "GPU requires reset";
    case NVML_ERROR_OPERATING_SYSTEM: return "GPU access blocked by the operating system";
    case NVML_ERROR_LIB_RM_VERSION_MISMATCH: return "Driver/library version mismatch";
    case NVML_ERROR_IN_USE: return "In use by another client";
    case NVML_ERROR_MEMORY: return "Insufficient Memory";
    case NVML_ERROR_NO_DATA: return "No data";
    case NVML_ERROR_ARGUMENT_VERSION_MISMATCH: return "Argument version mismatch";
    case NVML_ERROR_DEPRECATED: return "Deprecated";
    case NVML_ERROR_NOT_READY: return "Not Ready";
    case NVML_ERROR_GPU_NOT_FOUND: return "GPU not found";
    case NVML_ERROR_INVALID_STATE: return "Invalid state";
    default: return "Unknown Error";
  }
}
