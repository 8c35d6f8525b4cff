// The runtime on a context the program created with the driver API, as
// NVIDIA's simpleDrvRuntime sample does: cudaSetDevice first (the samples'
// findCudaDevice), then cuCtxCreate and a module loaded in that context, and
// runtime streams, allocations and copies around a cuLaunchKernel of it.
// The runtime must use the current context, not the device's primary one.
#include <cuda.h>

#include <cstring>
#include <vector>

#include "check.h"

#define CHECK_CU(call)                                                              \
  do {                                                                              \
    CUresult res_ = (call);                                                         \
    if (res_ != CUDA_SUCCESS) {                                                     \
      std::fprintf(stderr, "%s:%d: %s -> %d\n", __FILE__, __LINE__, #call, res_);   \
      std::exit(1);                                                                 \
    }                                                                               \
  } while (0)

int main() {
  CHECK_CUDA(cudaSetDevice(0));
  CUdevice device;
  CHECK_CU(cuDeviceGet(&device, 0));
  CUcontext ctx;
  CHECK_CU(cuCtxCreate(&ctx, nullptr, 0, device));
  CUmodule module;
  CHECK_CU(cuModuleLoad(&module, VGPU_FIXTURE_DIR "/ptx/vector_add.ptx"));
  CUfunction vector_add;
  CHECK_CU(cuModuleGetFunction(&vector_add, module, "vectorAdd"));

  cudaStream_t stream;
  CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  const int n = 1000;
  std::vector<float> a(n), b(n), c(n, -1.f);
  for (int i = 0; i < n; ++i) a[i] = i, b[i] = 2 * i;
  float *d_a, *d_b, *d_c;
  CHECK_CUDA(cudaMalloc(&d_a, n * sizeof(float)));
  CHECK_CUDA(cudaMalloc(&d_b, n * sizeof(float)));
  CHECK_CUDA(cudaMalloc(&d_c, n * sizeof(float)));
  // The allocations belong to the created context.
  CUcontext owner = nullptr;
  CHECK_CU(cuPointerGetAttribute(&owner, CU_POINTER_ATTRIBUTE_CONTEXT, reinterpret_cast<CUdeviceptr>(d_a)));
  EXPECT(owner == ctx);
  CHECK_CUDA(cudaMemcpyAsync(d_a, a.data(), n * sizeof(float), cudaMemcpyHostToDevice, stream));
  CHECK_CUDA(cudaMemcpyAsync(d_b, b.data(), n * sizeof(float), cudaMemcpyHostToDevice, stream));
  int count = n;
  void* args[] = {&d_a, &d_b, &d_c, &count};
  CHECK_CU(cuLaunchKernel(vector_add, (n + 255) / 256, 1, 1, 256, 1, 1, 0, reinterpret_cast<CUstream>(stream),
                          args, nullptr));
  CHECK_CUDA(cudaMemcpyAsync(c.data(), d_c, n * sizeof(float), cudaMemcpyDeviceToHost, stream));
  CHECK_CUDA(cudaStreamSynchronize(stream));
  for (int i = 0; i < n; ++i) EXPECT(c[i] == 3.f * i);

  // Still the created context, and cudaGetDevice names its device.
  CUcontext current = nullptr;
  CHECK_CU(cuCtxGetCurrent(&current));
  EXPECT(current == ctx);
  int runtime_device = -1;
  CHECK_CUDA(cudaGetDevice(&runtime_device));
  EXPECT(runtime_device == 0);

  CHECK_CUDA(cudaFree(d_a));
  CHECK_CUDA(cudaFree(d_b));
  CHECK_CUDA(cudaFree(d_c));
  CHECK_CUDA(cudaStreamDestroy(stream));
  CHECK_CU(cuModuleUnload(module));

  // cudaSetDevice again: the primary context is the runtime's from now on.
  CHECK_CUDA(cudaSetDevice(0));
  void* p = nullptr;
  CHECK_CUDA(cudaMalloc(&p, 16));
  CHECK_CU(cuPointerGetAttribute(&owner, CU_POINTER_ATTRIBUTE_CONTEXT, reinterpret_cast<CUdeviceptr>(p)));
  EXPECT(owner != ctx);
  CHECK_CUDA(cudaFree(p));
  CHECK_CU(cuCtxDestroy(ctx));
  std::printf("driver context honoured by the runtime: ok\n");
  return 0;
}
