// The graphics-interop exports (libcuda/interop.def): OpenGL, EGL and VDPAU
// need a display on the machine that owns the GPU, and vgpu's GPU is remote,
// so each returns CUDA_ERROR_NOT_SUPPORTED and logs its name once. Loaders
// that treat these names as mandatory (dlsym or cuGetProcAddress) still
// find them.
#define __CUDA_API_VERSION_INTERNAL 1
#include "libcuda/interop_types.h"

#include <type_traits>

#include "libcuda/entry.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

#define VGPU_CU_INTEROP(header, name, base, since, flavor, params)         \
  extern "C" __attribute__((visibility("default"))) CUresult name params { \
    return ::vgpu::cu::NotSupportedOnce(#name);                            \
  }
#include "libcuda/interop.def"
#undef VGPU_CU_INTEROP

// With CUDA's interop headers present, each definition must have the type of
// its PFN typedef (the headers' own declarations already catch a mismatch).
#define VGPU_CU_PFN_def(base, since) PFN_##base##_v##since
#define VGPU_CU_PFN_ptds(base, since) PFN_##base##_v##since##_ptds
#define VGPU_CU_PFN_ptsz(base, since) PFN_##base##_v##since##_ptsz
#define VGPU_CU_CHECK_(base, since, flavor, name)                                        \
  static_assert(std::is_same_v<decltype(&::name), VGPU_CU_PFN_##flavor(base, since)>, \
                #name " does not have the type of its PFN typedef");
#define VGPU_CU_CHECK_gl(name, base, since, flavor) VGPU_CU_CHECK_IF_GL(base, since, flavor, name)
#define VGPU_CU_CHECK_egl(name, base, since, flavor) VGPU_CU_CHECK_IF_EGL(base, since, flavor, name)
#define VGPU_CU_CHECK_vdpau(name, base, since, flavor) VGPU_CU_CHECK_IF_VDPAU(base, since, flavor, name)
#ifdef VGPU_HAVE_CUDA_GL
#define VGPU_CU_CHECK_IF_GL VGPU_CU_CHECK_
#else
#define VGPU_CU_CHECK_IF_GL(...)
#endif
#ifdef VGPU_HAVE_CUDA_EGL
#define VGPU_CU_CHECK_IF_EGL VGPU_CU_CHECK_
#else
#define VGPU_CU_CHECK_IF_EGL(...)
#endif
#ifdef VGPU_HAVE_CUDA_VDPAU
#define VGPU_CU_CHECK_IF_VDPAU VGPU_CU_CHECK_
#else
#define VGPU_CU_CHECK_IF_VDPAU(...)
#endif
#define VGPU_CU_INTEROP(header, name, base, since, flavor, params) \
  VGPU_CU_CHECK_##header(name, base, since, flavor)
#include "libcuda/interop.def"
#undef VGPU_CU_INTEROP
