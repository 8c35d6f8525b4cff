/* Bounded server resources seen from a real driver-API program.
 *   limits spin MIB FILE [one]  allocates MIB MiB, launches a kernel that
 *                            never ends (a huge grid, or with "one" a single
 *                            block that never ends), creates FILE, then
 *                            waits for it forever
 *   limits alloc MIB TRIES   allocates MIB MiB, retrying every 100 ms
 *   limits hold FILE         opens a session, creates FILE, and keeps the
 *                            session until FILE is removed
 *   limits init              cuInit; exits 0 when it succeeds, 3 when not
 *   limits quota MIB         every API reports a device of MIB MiB, and
 *                            allocations beyond it fail
 * Exits 0 when everything matched; prints what did not. */
#include <cuda.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#define EXPECT(cond)                                                 \
  do {                                                               \
    if (!(cond)) {                                                   \
      fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
      return 1;                                                      \
    }                                                                \
  } while (0)

static const char kSpinPtx[] =
    ".version 8.0\n.target sm_80\n.address_size 64\n"
    ".visible .entry spin(.param .u64 n)\n{\n"
    "  .reg .pred %p;\n  .reg .b64 %r<3>;\n"
    "  ld.param.u64 %r1, [n];\n  mov.u64 %r2, 0;\n"
    "LOOP:\n  add.u64 %r2, %r2, 1;\n  setp.lt.u64 %p, %r2, %r1;\n  @%p bra LOOP;\n  ret;\n}\n";

static CUcontext Setup(void) {
  CUcontext ctx;
  CHECK(cuInit(0));
  CHECK(cuCtxCreate(&ctx, NULL, 0, 0));
  return ctx;
}

/* Creates `path` holding this process's id, for the test to kill it by. */
static void Touch(const char* path) {
  char temp[4096];
  snprintf(temp, sizeof temp, "%s.tmp", path);
  FILE* f = fopen(temp, "w");
  if (f == NULL) return;
  fprintf(f, "%d\n", (int)getpid());
  fclose(f);
  rename(temp, path);
}

static int Spin(size_t mib, const char* file, int one_block) {
  Setup();
  CUdeviceptr memory;
  CHECK(cuMemAlloc(&memory, mib << 20));
  CUmodule module;
  CUfunction spin;
  CHECK(cuModuleLoadData(&module, kSpinPtx));
  CHECK(cuModuleGetFunction(&spin, module, "spin"));
  uint64_t count = one_block ? UINT64_MAX : 1000000;
  void* args[] = {&count};
  CHECK(cuLaunchKernel(spin, one_block ? 1 : 0x7FFFFFFF, 1, 1, 32, 1, 1, 0, NULL, args, NULL));
  printf("launched\n");
  fflush(stdout);
  Touch(file);
  CHECK(cuCtxSynchronize());  /* never returns normally */
  printf("the kernel ended?\n");
  return 1;
}

static int Alloc(size_t mib, int tries) {
  Setup();
  CUdeviceptr memory;
  CUresult result = CUDA_ERROR_UNKNOWN;
  for (int i = 0; i < tries; ++i) {
    result = cuMemAlloc(&memory, mib << 20);
    if (result == CUDA_SUCCESS) return 0;
    usleep(100 * 1000);
  }
  printf("cuMemAlloc(%zu MiB) still fails: %d\n", mib, (int)result);
  return 1;
}

static int Hold(const char* file) {
  Setup();
  CUdeviceptr memory;
  CHECK(cuMemAlloc(&memory, 1 << 20)); /* the session is open once this returns */
  Touch(file);
  for (int i = 0; i < 6000 && access(file, F_OK) == 0; ++i) usleep(100 * 1000);
  return 0;
}

static int Init(void) {
  CUresult result = cuInit(0);
  const char* name = NULL;
  cuGetErrorName(result, &name);
  printf("cuInit: %s\n", name ? name : "?");
  return result == CUDA_SUCCESS ? 0 : 3;
}

typedef struct {
  unsigned long long total, free, used;
} NvmlMemory;

static int Quota(size_t mib) {
  const size_t quota = mib << 20;
  Setup();
  size_t total = 0, free_bytes = 0;
  CHECK(cuDeviceTotalMem(&total, 0));
  EXPECT(total == quota);
  CHECK(cuMemGetInfo(&free_bytes, &total));
  EXPECT(total == quota);
  EXPECT(free_bytes == quota);
  CUdeviceptr big, more;
  CHECK(cuMemAlloc(&big, quota / 4 * 3));
  CHECK(cuMemGetInfo(&free_bytes, &total));
  EXPECT(free_bytes == quota / 4);
  EXPECT(cuMemAlloc(&more, quota / 2) == CUDA_ERROR_OUT_OF_MEMORY);
  /* NVML answers from libcuda: the same device size. */
  void* nvml = dlopen("libnvidia-ml.so.1", RTLD_NOW);
  if (nvml != NULL) {
    int (*init)(void) = (int (*)(void))dlsym(nvml, "nvmlInit_v2");
    int (*handle)(unsigned, void**) = (int (*)(unsigned, void**))dlsym(nvml, "nvmlDeviceGetHandleByIndex_v2");
    int (*memory)(void*, NvmlMemory*) = (int (*)(void*, NvmlMemory*))dlsym(nvml, "nvmlDeviceGetMemoryInfo");
    EXPECT(init && handle && memory);
    void* device = NULL;
    NvmlMemory info;
    EXPECT(init() == 0);
    EXPECT(handle(0, &device) == 0);
    EXPECT(memory(device, &info) == 0);
    EXPECT(info.total == quota);
    EXPECT(info.free <= quota / 4);
    printf("nvml: total %llu free %llu\n", info.total, info.free);
  } else {
    printf("no libnvidia-ml.so.1: %s\n", dlerror());
  }
  return 0;
}

int main(int argc, char** argv) {
  if ((argc == 4 || argc == 5) && strcmp(argv[1], "spin") == 0) {
    return Spin(strtoull(argv[2], NULL, 10), argv[3], argc == 5 && strcmp(argv[4], "one") == 0);
  }
  if (argc == 4 && strcmp(argv[1], "alloc") == 0) return Alloc(strtoull(argv[2], NULL, 10), atoi(argv[3]));
  if (argc == 3 && strcmp(argv[1], "hold") == 0) return Hold(argv[2]);
  if (argc == 2 && strcmp(argv[1], "init") == 0) return Init();
  if (argc == 3 && strcmp(argv[1], "quota") == 0) return Quota(strtoull(argv[2], NULL, 10));
  fprintf(stderr, "usage: limits spin MIB FILE [one] | alloc MIB TRIES | hold FILE | init | quota MIB\n");
  return 2;
}
