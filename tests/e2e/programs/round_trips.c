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
 */
#include <cuda.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(call)                                                                     \
  do {                                                                                  \
    CUresult check_result_ = (call);                                                    \
    if (check_result_ != CUDA_SUCCESS) {                                                \
      fprintf(stderr, "%s:%d: %s -> %d\n", __FILE__, __LINE__, #call, check_result_);   \
      exit(1);                                                                          \
    }                                                                                   \
  } while (0)

enum { kWords = 256 };

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
