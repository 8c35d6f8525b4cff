// A fake driver for runtime tests: the subset of cuda.h that libcudart calls,
// backed by host memory, recording what it was asked. Linked before
// libcudart, it takes precedence over the real libcuda.so.1 (or the stub).
#pragma once

#include <cuda.h>

#include <mutex>
#include <string>
#include <vector>

struct FakeLaunch {
  std::string name;
  unsigned grid[3];
  unsigned block[3];
  unsigned shared_mem;
  CUstream stream;
  CUcontext context;
  std::vector<unsigned char> args;  // CU_LAUNCH_PARAM_BUFFER_POINTER contents
  bool had_kernel_params;
  unsigned num_attrs;  // > 0 for cuLaunchKernelEx
};

struct FakeCudaState {
  std::mutex mu;
  int init_calls = 0;
  int module_loads = 0;
  const void* last_image = nullptr;
  int pointer_queries = 0;
  std::vector<std::string> copies;  // "HtoD", "DtoH", "DtoD", "2D", "HtoDAsync", ...
  std::vector<CUstream> synchronized;
  std::vector<FakeLaunch> launches;
  bool launch_ex_supported = true;
};

extern "C" FakeCudaState* fake_cuda_state();

// The fake has 3 devices; device n has UUID bytes all n+1 and name "Fake GPU n".
inline constexpr int kFakeDevices = 3;
// FakeLaunch::num_attrs of a launch through cuLaunchCooperativeKernel.
inline constexpr unsigned kCooperativeMarker = 1000;
