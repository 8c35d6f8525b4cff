/* What a CUDA program sees when its server stops answering: every call
 * returns, with CUDA_ERROR_DEVICE_UNAVAILABLE, and keeps doing so.
 *
 *   session_faults lost READY GO   connect and allocate, create file READY,
 *                                  wait for file GO (the test breaks the
 *                                  server meanwhile), then expect the errors
 *   session_faults no-answer       the server answers with replies this side
 *                                  cannot parse, or not at all
 * Exits 0 when everything matched. */
#include <cuda.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int Expect(const char* what, CUresult got, CUresult want) {
  const char* name = NULL;
  cuGetErrorName(got, &name);
  printf("%s -> %d %s\n", what, got, name ? name : "?");
  fflush(stdout);
  return got == want ? 0 : 1;
}

static int Connect(CUcontext* ctx) {
  if (Expect("cuInit", cuInit(0), CUDA_SUCCESS)) return 1;
  CUdevice device;
  if (Expect("cuDeviceGet", cuDeviceGet(&device, 0), CUDA_SUCCESS)) return 1;
  return Expect("cuCtxCreate", cuCtxCreate(ctx, NULL, 0, device), CUDA_SUCCESS);
}

/* Every kind of wait fails, and the failure is sticky. */
static int ExpectLost(void) {
  int failures = 0;
  size_t free_bytes = 0, total = 0;
  CUdeviceptr ptr = 0;
  failures += Expect("cuMemGetInfo", cuMemGetInfo(&free_bytes, &total), CUDA_ERROR_DEVICE_UNAVAILABLE);
  failures += Expect("cuCtxSynchronize", cuCtxSynchronize(), CUDA_ERROR_DEVICE_UNAVAILABLE);
  failures += Expect("cuMemAlloc", cuMemAlloc(&ptr, 4096), CUDA_ERROR_DEVICE_UNAVAILABLE);
  return failures;
}

static void Touch(const char* path) {
  FILE* file = fopen(path, "w");
  if (file) fclose(file);
}

static int Lost(const char* ready, const char* go) {
  CUcontext ctx;
  if (Connect(&ctx)) return 1;
  CUdeviceptr ptr = 0;
  if (Expect("cuMemAlloc", cuMemAlloc(&ptr, 1 << 20), CUDA_SUCCESS)) return 1;
  char host[256] = {0};
  if (Expect("cuMemcpyDtoH", cuMemcpyDtoH(host, ptr, sizeof host), CUDA_SUCCESS)) return 1;
  Touch(ready);
  while (access(go, F_OK) != 0) usleep(10000);
  return ExpectLost();
}

static int NoAnswer(void) {
  CUcontext ctx;
  if (Connect(&ctx)) return 1;
  return ExpectLost();
}

int main(int argc, char** argv) {
  if (argc >= 4 && !strcmp(argv[1], "lost")) return Lost(argv[2], argv[3]);
  if (argc >= 2 && !strcmp(argv[1], "no-answer")) return NoAnswer();
  fprintf(stderr, "usage: %s lost READY GO | no-answer\n", argv[0]);
  return 2;
}
