/* A fixed pattern of posted work and waits, for counting round trips
 * (VGPU_STATS). `round_trips setup` does only the setup; `round_trips
 * pattern` does the setup and then the pattern, so the difference of the two
 * runs' counts is what the pattern cost. Exits 0 when the data it reads back
 * is right.
 *
 * The pattern (S: a non-blocking stream, PT: the per-thread stream):
 *   1. 5 synchronizes of S, nothing posted on it          -> 0 round trips
 *   2. 4 x (copy to the device on PT, synchronize PT)      -> 1 (the first: PT's
 *      creation was posted then), 0 for the others (fenced)
 *   3. memset on S, event record on S, synchronize S       -> 1 (StreamSynchronize)
 *   4. synchronize S again, event synchronize, event query -> 0
 *   5. synchronous copy to the host (legacy stream)        -> 1 (MemcpyDtoH)
 *   6. synchronize the legacy stream, cuCtxSynchronize     -> 0
 *   7. async copy to the host on S, synchronize S          -> 1 (StreamSynchronize)
 *   8. kernel-free error check: event query of a never-recorded event -> 1 (EventQuery)
 *
 * `round_trips fault <out_of_bounds.ptx>`: after a kernel fault on S, every
 * wait must ask the server and report the sticky error: synchronize S twice,
 * another idle stream, the context -> 3 StreamSynchronize + 1 CtxSynchronize.
 */
#include <cuda.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

enum { kWords = 256 };

static int Fault(CUstream s, CUdeviceptr buffer, const char* ptx_path) {
  static char ptx[1 << 20];
  FILE* file = fopen(ptx_path, "rb");
  if (!file) return 1;
  size_t size = fread(ptx, 1, sizeof(ptx) - 1, file);
  fclose(file);
  ptx[size] = 0;
  CUmodule module;
  CUfunction fn;
  CUstream idle;
  CHECK(cuModuleLoadData(&module, ptx));
  CHECK(cuModuleGetFunction(&fn, module, "outOfBounds"));
  CHECK(cuStreamCreate(&idle, CU_STREAM_NON_BLOCKING));
  CHECK(cuCtxSynchronize());
  int n = 256;
  void* args[] = {&buffer, &n};
  CHECK(cuLaunchKernel(fn, 1, 1, 1, 256, 1, 1, 0, s, args, NULL));
  CUresult first = cuStreamSynchronize(s);
  CUresult again = cuStreamSynchronize(s);
  CUresult other = cuStreamSynchronize(idle);
  CUresult context = cuCtxSynchronize();
  printf("after a fault: %d, again %d, another stream %d, context %d\n", first, again, other, context);
  return first == CUDA_ERROR_ILLEGAL_ADDRESS && again == CUDA_ERROR_ILLEGAL_ADDRESS &&
                 other == CUDA_ERROR_ILLEGAL_ADDRESS && context == CUDA_ERROR_ILLEGAL_ADDRESS
             ? 0
             : 1;
}

int main(int argc, char** argv) {
  int pattern = argc > 1 && strcmp(argv[1], "pattern") == 0;
  CUdevice dev;
  CUcontext ctx;
  CUstream s;
  CUevent event, never_recorded;
  CUdeviceptr buffer;
  CHECK(cuInit(0));
  CHECK(cuDeviceGet(&dev, 0));
  CHECK(cuCtxCreate(&ctx, NULL, 0, dev));
  CHECK(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
  CHECK(cuEventCreate(&event, CU_EVENT_DISABLE_TIMING));
  CHECK(cuEventCreate(&never_recorded, CU_EVENT_DISABLE_TIMING));
  CHECK(cuMemAlloc(&buffer, kWords * 4 * 5));
  CHECK(cuCtxSynchronize());  /* a real one: the setup's posted calls are checked */
  if (argc > 2 && strcmp(argv[1], "fault") == 0) return Fault(s, buffer, argv[2]);
  if (!pattern) return 0;

  uint32_t host[kWords * 5], back[kWords * 5];
  for (int i = 0; i < kWords * 4; ++i) host[i] = 0x1000u + i;

  for (int i = 0; i < 5; ++i) CHECK(cuStreamSynchronize(s));
  for (int i = 0; i < 4; ++i) {
    CHECK(cuMemcpyHtoDAsync(buffer + i * kWords * 4, host + i * kWords, kWords * 4, CU_STREAM_PER_THREAD));
    CHECK(cuStreamSynchronize(CU_STREAM_PER_THREAD));
  }
  CHECK(cuMemsetD32Async(buffer + 4 * kWords * 4, 0xabcdu, kWords, s));
  CHECK(cuEventRecord(event, s));
  CHECK(cuStreamSynchronize(s));
  CHECK(cuStreamSynchronize(s));
  CHECK(cuEventSynchronize(event));
  CHECK(cuEventQuery(event));
  CHECK(cuMemcpyDtoH(back, buffer, sizeof(back)));
  CHECK(cuStreamSynchronize(NULL));
  CHECK(cuCtxSynchronize());
  memset(back, 0, sizeof(back));
  CHECK(cuMemcpyDtoHAsync(back, buffer, sizeof(back), s));
  CHECK(cuStreamSynchronize(s));
  CHECK(cuEventQuery(never_recorded));

  for (int i = 0; i < kWords * 4; ++i) {
    if (back[i] != host[i]) {
      fprintf(stderr, "word %d: 0x%x, want 0x%x\n", i, back[i], host[i]);
      return 1;
    }
  }
  for (int i = kWords * 4; i < kWords * 5; ++i) {
    if (back[i] != 0xabcdu) {
      fprintf(stderr, "memset word %d: 0x%x\n", i, back[i]);
      return 1;
    }
  }
  printf("pattern ok\n");
  return 0;
}
