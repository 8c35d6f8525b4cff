#include "libnvml/driver.h"

#include <dlfcn.h>

#include <mutex>

#include "common/log.h"

namespace vgpu::nvml {
namespace {

void* OpenLibcuda() {
  // A libcuda.so.1 the process already has holds the session: use that one,
  // never load a second copy (two sessions would disagree about memory).
  if (void* handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD)) return handle;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&LoadDriver), &info) != 0 && info.dli_fname != nullptr) {
    std::string path = info.dli_fname;
    const size_t slash = path.rfind('/');
    if (slash != std::string::npos) {
      path = path.substr(0, slash + 1) + "libcuda.so.1";
      if (void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE)) return handle;
    }
  }
  return dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
}

template <class F>
bool Resolve(void* handle, const char* name, F* out) {
  *out = reinterpret_cast<F>(dlsym(handle, name));
  if (*out == nullptr) VGPU_LOG(Debug, "driver", "libcuda.so.1 lacks %s", name);
  return *out != nullptr;
}

}  // namespace

const Driver* LoadDriver() {
  static Driver driver;
  static const Driver* loaded = nullptr;
  static std::once_flag once;
  std::call_once(once, [] {
    void* handle = OpenLibcuda();
    if (handle == nullptr) {
      VGPU_LOG(Debug, "driver", "dlopen libcuda.so.1: %s", dlerror());
      return;
    }
    Driver d{};
    bool ok = true;
#define VGPU_RESOLVE(fn) ok = Resolve(handle, #fn, &d.fn) && ok
    VGPU_RESOLVE(cuInit);
    VGPU_RESOLVE(cuDriverGetVersion);
    VGPU_RESOLVE(cuDeviceGetCount);
    VGPU_RESOLVE(cuDeviceGet);
    VGPU_RESOLVE(cuDeviceGetName);
    VGPU_RESOLVE(cuDeviceGetUuid);
    VGPU_RESOLVE(cuDeviceTotalMem_v2);
    VGPU_RESOLVE(cuDeviceGetAttribute);
    VGPU_RESOLVE(cuDevicePrimaryCtxRetain);
    VGPU_RESOLVE(cuDevicePrimaryCtxRelease_v2);
    VGPU_RESOLVE(cuCtxPushCurrent_v2);
    VGPU_RESOLVE(cuCtxPopCurrent_v2);
    VGPU_RESOLVE(cuMemGetInfo_v2);
    VGPU_RESOLVE(cuGetExportTable);
#undef VGPU_RESOLVE
    if (!ok) return;
    driver = d;
    loaded = &driver;
  });
  return loaded;
}

}  // namespace vgpu::nvml
