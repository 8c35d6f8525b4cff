/* vgpu demo, driver API: prints the (remote) device, runs vectorAdd from a
 * PTX file through cuLaunchKernel, and checks the result. */
#include <cuda.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(call)                                                         \
  do {                                                                      \
    CUresult r_ = (call);                                                   \
    if (r_ != CUDA_SUCCESS) {                                               \
      const char* s_ = NULL;                                                \
      cuGetErrorString(r_, &s_);                                            \
      fprintf(stderr, "%s failed: %d (%s)\n", #call, r_, s_ ? s_ : "?");    \
      return 1;                                                             \
    }                                                                       \
  } while (0)

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s vector_add.ptx\n", argv[0]);
    return 2;
  }
  FILE* f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  static char ptx[1 << 20];
  size_t n_read = fread(ptx, 1, sizeof(ptx) - 1, f);
  fclose(f);
  ptx[n_read] = 0;

  CUdevice dev;
  CUcontext ctx;
  char name[256];
  int major, minor;
  size_t total;
  CHECK(cuInit(0));
  CHECK(cuDeviceGet(&dev, 0));
  CHECK(cuDeviceGetName(name, sizeof(name), dev));
  CHECK(cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev));
  CHECK(cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev));
  CHECK(cuDeviceTotalMem(&total, dev));
  printf("Device 0: %s, compute capability %d.%d, %zu MiB\n", name, major, minor, total >> 20);

  CHECK(cuDevicePrimaryCtxRetain(&ctx, dev));
  CHECK(cuCtxSetCurrent(ctx));
  CUmodule module;
  CUfunction add;
  CHECK(cuModuleLoadData(&module, ptx));
  CHECK(cuModuleGetFunction(&add, module, "vectorAdd"));

  enum { N = 1 << 16 };
  static float a[N], b[N], c[N];
  for (int i = 0; i < N; ++i) {
    a[i] = 0.5f * i;
    b[i] = 2.0f;
  }
  CUdeviceptr da, db, dc;
  CHECK(cuMemAlloc(&da, sizeof(a)));
  CHECK(cuMemAlloc(&db, sizeof(b)));
  CHECK(cuMemAlloc(&dc, sizeof(c)));
  CHECK(cuMemcpyHtoD(da, a, sizeof(a)));
  CHECK(cuMemcpyHtoD(db, b, sizeof(b)));
  int n = N;
  void* args[] = {&da, &db, &dc, &n};
  CHECK(cuLaunchKernel(add, N / 256, 1, 1, 256, 1, 1, 0, NULL, args, NULL));
  CHECK(cuMemcpyDtoH(c, dc, sizeof(c)));
  for (int i = 0; i < N; ++i) {
    if (c[i] != a[i] + b[i]) {
      printf("FAILED at %d: %f\n", i, c[i]);
      return 1;
    }
  }
  printf("vectorAdd of %d elements on the remote GPU: c[%d] = %.1f (expected %.1f) -- PASSED\n", N, N - 1,
         c[N - 1], a[N - 1] + b[N - 1]);
  CHECK(cuMemFree(da));
  CHECK(cuMemFree(db));
  CHECK(cuMemFree(dc));
  CHECK(cuModuleUnload(module));
  CHECK(cuDevicePrimaryCtxRelease(dev));
  return 0;
}
