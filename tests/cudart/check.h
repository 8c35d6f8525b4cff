// Shared by the e2e programs: fail loudly with the call and the error.
#pragma once

#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>

#define CHECK_CUDA(call)                                                                        \
  do {                                                                                          \
    cudaError_t err_ = (call);                                                                  \
    if (err_ != cudaSuccess) {                                                                  \
      std::fprintf(stderr, "%s:%d: %s -> %s (%s)\n", __FILE__, __LINE__, #call,                 \
                   cudaGetErrorName(err_), cudaGetErrorString(err_));                           \
      std::exit(1);                                                                             \
    }                                                                                           \
  } while (0)

#define EXPECT(cond)                                                                            \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      std::fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);                  \
      std::exit(1);                                                                             \
    }                                                                                           \
  } while (0)

// VGPU_TEST_ABI is 12 when the program links vgpu's libcudart.so.12.
#ifndef VGPU_TEST_ABI
#define VGPU_TEST_ABI 13
#endif
