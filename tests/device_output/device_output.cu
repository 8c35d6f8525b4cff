// Device printf and assert, end to end. The kernels are the fixture (device_output.ptx,
// made by regen.sh) that device_output_driver.c loads; with nvcc, this file is also built
// as a runtime-API program (main below) against vgpu's libcudart.
#include <cassert>
#include <cstdio>

extern "C" __global__ void print_threads(int tag, float scale) {
  printf("block %d thread %d: tag=%d value=%.2f %s\n", blockIdx.x, threadIdx.x, tag, scale * threadIdx.x,
         threadIdx.x % 2 ? "odd" : "even");
}

extern "C" __global__ void assert_below(int limit) { assert(threadIdx.x < limit); }

#ifndef __CUDA_ARCH__
#include <cstdlib>
#include <cstring>
#include <string>

#include <unistd.h>

// Captures what the process writes to `fd` (1 or 2) between Begin and End.
struct Capture {
  int fd, saved;
  FILE* file;
  explicit Capture(int which) : fd(which) {
    fflush(nullptr);
    file = tmpfile();
    saved = dup(fd);
    dup2(fileno(file), fd);
  }
  std::string End() {
    fflush(nullptr);
    dup2(saved, fd);
    close(saved);
    std::string text;
    rewind(file);
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, file)) > 0;) text.append(buf, n);
    fclose(file);
    return text;
  }
};

#define CHECK(cond)                                                           \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      return 1;                                                               \
    }                                                                         \
  } while (0)

int main() {
  Capture out(1);
  print_threads<<<2, 4>>>(7, 0.5f);
  CHECK(cudaDeviceSynchronize() == cudaSuccess);
  std::string printed = out.End();
  fputs(printed.c_str(), stdout);
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 4; ++t) {
      char line[128];
      snprintf(line, sizeof line, "block %d thread %d: tag=7 value=%.2f %s\n", b, t, 0.5 * t, t % 2 ? "odd" : "even");
      CHECK(printed.find(line) != std::string::npos);
    }

  Capture err(2);
  assert_below<<<1, 4>>>(2);
  cudaError_t sync = cudaDeviceSynchronize();
  std::string message = err.End();
  fputs(message.c_str(), stderr);
  CHECK(sync == cudaErrorAssert);
  CHECK(message.find("device_output.cu:") != std::string::npos);
  CHECK(message.find("Assertion `threadIdx.x < limit` failed.") != std::string::npos);
  // Sticky: the context stays broken.
  void* p = nullptr;
  CHECK(cudaMalloc(&p, 16) == cudaErrorAssert);
  printf("device_output: ok\n");
  return 0;
}
#endif
