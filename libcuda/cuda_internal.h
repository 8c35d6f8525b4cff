// Includes cuda.h the way libcuda/ needs it: with every ABI variant declared.
//
// __CUDA_API_VERSION_INTERNAL makes cuda.h declare the legacy variants
// (cuMemAlloc with 32-bit pointers, cuCtxCreate_v2, ...) and undefine its
// cuMemAlloc -> cuMemAlloc_v2 style renames at the end, so every name in
// api.def means exactly that symbol. Every libcuda/ file includes cuda.h
// through this header; CMake also defines the macro for the whole target.
#pragma once

#ifndef __CUDA_API_VERSION_INTERNAL
#if defined(__cuda_cuda_h__)
#error "<cuda.h> was included without __CUDA_API_VERSION_INTERNAL; include libcuda/cuda_internal.h first"
#endif
#define __CUDA_API_VERSION_INTERNAL 1
#endif

#include <cuda.h>
#include <cudaProfiler.h>
