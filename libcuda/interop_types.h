// The types libcuda/interop.def's parameters name. Where the system has the
// windowing headers (GL/gl.h, EGL/egl.h, vdpau/vdpau.h), CUDA's own interop
// headers are included, so interop.cpp's definitions are checked against
// them; otherwise ABI-equivalent stand-ins are declared here. The stand-ins
// only need the right names and sizes: every interop function returns
// CUDA_ERROR_NOT_SUPPORTED without reading its arguments.
#pragma once

#include <cuda.h>

#include <cstdint>

#if __has_include(<GL/gl.h>)
#define VGPU_HAVE_CUDA_GL 1
#include <cudaGLTypedefs.h>
#else
using GLuint = unsigned int;
using GLenum = unsigned int;
typedef enum CUGLDeviceList_enum : int {} CUGLDeviceList;
#endif

#if __has_include(<EGL/egl.h>) && __has_include(<EGL/eglext.h>)
#define VGPU_HAVE_CUDA_EGL 1
#include <cudaEGLTypedefs.h>
#else
using EGLint = std::int32_t;
using EGLImageKHR = void*;
using EGLStreamKHR = void*;
using EGLSyncKHR = void*;
typedef struct CUeglStreamConnection_st* CUeglStreamConnection;
// Same size and alignment as cudaEGL.h's CUeglFrame: three plane pointers,
// six unsigned ints and three enums.
typedef struct CUeglFrame_st {
  void* planes[3];
  unsigned int dims[6];
  int formats[3];
} CUeglFrame_v1;
#endif

#if __has_include(<vdpau/vdpau.h>)
#define VGPU_HAVE_CUDA_VDPAU 1
#include <cudaVDPAUTypedefs.h>
#else
using VdpDevice = std::uint32_t;
using VdpVideoSurface = std::uint32_t;
using VdpOutputSurface = std::uint32_t;
using VdpGetProcAddress = int(std::uint32_t device, std::uint32_t function_id, void** function_pointer);
#endif
