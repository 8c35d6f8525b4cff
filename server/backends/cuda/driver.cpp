#include "server/backends/cuda/driver.h"

#include <dlfcn.h>

#include "common/log.h"

namespace vgpu::backend::cuda {
namespace {

Status NoDevice(std::string message) { return Status(Code::kNoDevice, "cuda backend: " + std::move(message)); }

std::string DlError() {
  const char* e = dlerror();
  return e ? e : "unknown dlopen error";
}

// Where the dlopened library lives, for the log and for error messages.
std::string LibraryPath(void* symbol, const std::string& fallback) {
  Dl_info info{};
  if (symbol && dladdr(symbol, &info) && info.dli_fname) return info.dli_fname;
  return fallback;
}

class Library {
 public:
  explicit Library(void* handle) : handle_(handle) {}
  ~Library() {
    if (handle_) dlclose(handle_);
  }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  void* get() const { return handle_; }
  void Keep() { handle_ = nullptr; }

 private:
  void* handle_;
};

}  // namespace

std::string Driver::ErrorName(CUresult result) const {
  const char* name = nullptr;
  if (cuGetErrorName && cuGetErrorName(result, &name) == CUDA_SUCCESS && name) return name;
  // What cuInit returns where the driver cannot name its own error (a stub).
  switch (result) {
    case CUDA_ERROR_STUB_LIBRARY: return "CUDA_ERROR_STUB_LIBRARY";
    case CUDA_ERROR_NO_DEVICE: return "CUDA_ERROR_NO_DEVICE";
    case CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE: return "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE";
    case CUDA_ERROR_SYSTEM_DRIVER_MISMATCH: return "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH";
    case CUDA_ERROR_DEVICE_UNAVAILABLE: return "CUDA_ERROR_DEVICE_UNAVAILABLE";
    case CUDA_ERROR_OPERATING_SYSTEM: return "CUDA_ERROR_OPERATING_SYSTEM";
    default: return "CUDA_ERROR_" + std::to_string(static_cast<int>(result));
  }
}

Status Driver::Check(CUresult result, std::string_view call) const {
  if (result == CUDA_SUCCESS) return Status();
  return Status(static_cast<Code>(result),
                std::string(call) + ": " + ErrorName(result) + " (" + std::to_string(static_cast<int>(result)) + ")");
}

Result<std::shared_ptr<const Driver>> LoadDriver(const std::string& library) {
  dlerror();
  Library lib(dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!lib.get()) return NoDevice("cannot load " + library + ": " + DlError());

  // Entry points every driver exports under these exact names.
  auto init = reinterpret_cast<PFN_cuInit_v2000>(dlsym(lib.get(), "cuInit"));
  auto get_version = reinterpret_cast<PFN_cuDriverGetVersion_v2020>(dlsym(lib.get(), "cuDriverGetVersion"));
  auto get_error_name = reinterpret_cast<PFN_cuGetErrorName_v6000>(dlsym(lib.get(), "cuGetErrorName"));
  auto get_proc = reinterpret_cast<PFN_cuGetProcAddress_v12000>(dlsym(lib.get(), "cuGetProcAddress_v2"));
  std::string path = LibraryPath(reinterpret_cast<void*>(init), library);
  if (!init || !get_version) return NoDevice(path + " is not a CUDA driver (no cuInit/cuDriverGetVersion)");
  // vgpu's own client library (lib/vgpu/) would forward to a server, maybe
  // this one: never drive a GPU through it.
  if (path.find("/lib/vgpu/") != std::string::npos) {
    return NoDevice(path + " is vgpu's client library, not the host's driver");
  }

  auto driver = std::make_shared<Driver>();
  driver->path = path;
  driver->cuGetErrorName = get_error_name;
  // Once cuInit ran, the driver may have threads of its own: never unload it.
  lib.Keep();
  if (CUresult r = init(0); r != CUDA_SUCCESS) {
    return NoDevice("cuInit failed in " + path + ": " + driver->ErrorName(r) + " (" +
                    std::to_string(static_cast<int>(r)) + ")");
  }
  int version = 0;
  if (CUresult r = get_version(&version); r != CUDA_SUCCESS) {
    return NoDevice("cuDriverGetVersion failed: " + driver->ErrorName(r));
  }
  driver->version = version;
  if (!get_proc) {
    return NoDevice("driver " + std::to_string(version) + " in " + path +
                    " has no cuGetProcAddress_v2; a CUDA 12.4 or newer driver is needed");
  }

  // Every row must resolve: a driver older than a row's version lacks it.
  bool ok = true;
  std::string missing;
#define VGPU_CUDA_FN(name, ver)                                                                  \
  {                                                                                              \
    void* fn = nullptr;                                                                          \
    CUdriverProcAddressQueryResult found = CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;                  \
    CUresult r = get_proc(#name, &fn, ver, CU_GET_PROC_ADDRESS_LEGACY_STREAM, &found);            \
    if (r != CUDA_SUCCESS || found != CU_GET_PROC_ADDRESS_SUCCESS || fn == nullptr) {            \
      ok = false;                                                                                \
      missing += std::string(missing.empty() ? "" : ", ") + #name + "@" #ver;                    \
    } else {                                                                                     \
      driver->name = reinterpret_cast<PFN_##name##_v##ver>(fn);                                  \
    }                                                                                            \
  }
#include "server/backends/cuda/driver_api.def"
#undef VGPU_CUDA_FN
  if (!ok) {
    return NoDevice("driver " + std::to_string(version) + " in " + path + " lacks " + missing +
                    "; a CUDA 12.4 or newer driver is needed");
  }

  VGPU_LOG(Info, "cuda", "loaded driver %s, version %d", path.c_str(), version);
  return std::shared_ptr<const Driver>(std::move(driver));
}

}  // namespace vgpu::backend::cuda
