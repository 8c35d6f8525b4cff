// The only file that defines exported symbols: one C function per api.def
// row. IMPL rows enter vgpu::cu::<area>::<name>; TODO rows return
// CUDA_ERROR_NOT_SUPPORTED and log once.
//
// Two compile-time checks keep every row honest:
//  * cuda.h (with __CUDA_API_VERSION_INTERNAL) declares most variants, so a
//    wrong parameter type is a "conflicting declaration of C function";
//  * each definition must have exactly the type of its own typedef
//    PFN_<base>_v<since>[_ptds|_ptsz] from cudaTypedefs.h, which also checks
//    the generator's name -> version mapping.
#define __CUDA_API_VERSION_INTERNAL 1  // cuda.h then declares legacy variants too
#include <cuda.h>
#include <cudaProfilerTypedefs.h>
#include <cudaTypedefs.h>

#include <type_traits>

#include "libcuda/areas.h"
#include "libcuda/entry.h"

// TODO thunks ignore their parameters by design.
#pragma GCC diagnostic ignored "-Wunused-parameter"

#define VGPU_CU_THUNK_IMPL(area, name, params, args)                \
  extern "C" __attribute__((visibility("default"))) CUresult name params { \
    return ::vgpu::cu::Enter(#name, [&] { return ::vgpu::cu::area::name args; }); \
  }
#define VGPU_CU_THUNK_TODO(area, name, params, args)                \
  extern "C" __attribute__((visibility("default"))) CUresult name params { \
    return ::vgpu::cu::NotSupportedOnce(#name);                     \
  }
#define VGPU_CU(area, status, name, base, since, flavor, params, args) \
  VGPU_CU_THUNK_##status(area, name, params, args)
#include "libcuda/api.def"
#undef VGPU_CU

#define VGPU_CU_PFN_def(base, since) PFN_##base##_v##since
#define VGPU_CU_PFN_ptds(base, since) PFN_##base##_v##since##_ptds
#define VGPU_CU_PFN_ptsz(base, since) PFN_##base##_v##since##_ptsz
#define VGPU_CU(area, status, name, base, since, flavor, params, args)               \
  static_assert(std::is_same_v<decltype(&::name), VGPU_CU_PFN_##flavor(base, since)>, \
                #name " does not have the type of its PFN typedef");
#include "libcuda/api.def"
#undef VGPU_CU
