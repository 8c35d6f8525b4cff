// The host's real driver, loaded with dlopen: vgpu never links libcuda, so
// the server builds and starts where there is none.
#pragma once

#include <cudaTypedefs.h>

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/status.h"

namespace vgpu::backend::cuda {

// One pointer per row of driver_api.def, typed with that row's PFN. Note that
// cuda.h renames some base names with macros (cuMemAlloc -> cuMemAlloc_v2),
// so a member may carry the _vN spelling; the type is what the row says.
struct Driver {
#define VGPU_CUDA_FN(name, version) PFN_##name##_v##version name = nullptr;
#include "server/backends/cuda/driver_api.def"
#undef VGPU_CUDA_FN

  std::string path;     // the file dlopen found
  int32_t version = 0;  // cuDriverGetVersion, e.g. 12080

  // OK on CUDA_SUCCESS; otherwise the driver's code and "call: NAME (n)".
  Status Check(CUresult result, std::string_view call) const;
  // The same, building the call's description only on failure (hot paths).
  template <typename Describe>
    requires std::is_invocable_r_v<std::string, Describe>
  Status Check(CUresult result, Describe&& describe) const {
    if (result == CUDA_SUCCESS) return Status();
    return Check(result, std::string_view(describe()));
  }
  std::string ErrorName(CUresult result) const;
};

// dlopens `library` (normally "libcuda.so.1"), runs cuInit(0) and resolves
// every function. Any failure is Code::kNoDevice with a message saying which
// step failed, so the server can fall back to the software GPU. Once cuInit
// was called the library stays loaded for the life of the process, even on
// failure (a driver's threads may be running).
Result<std::shared_ptr<const Driver>> LoadDriver(const std::string& library);

}  // namespace vgpu::backend::cuda
