// Built with --default-stream per-thread: launches and copies on "stream 0"
// go to each thread's own stream (the _ptsz/_ptds entry points).
#include <thread>
#include <vector>

#include "check.h"

__global__ void Fill(int* data, int value, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) data[i] = value + i;
}

int main() {
  const int n = 1 << 14;
  const int kThreads = 4;
  std::vector<std::thread> threads;
  std::vector<int> ok(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      int* d;
      CHECK_CUDA(cudaMalloc(&d, n * sizeof(int)));
      Fill<<<n / 256, 256>>>(d, t * 1000, n);
      CHECK_CUDA(cudaGetLastError());
      std::vector<int> h(n);
      CHECK_CUDA(cudaMemcpy(h.data(), d, n * sizeof(int), cudaMemcpyDeviceToHost));
      for (int i = 0; i < n; ++i) EXPECT(h[i] == t * 1000 + i);
      CHECK_CUDA(cudaMemsetAsync(d, 0, n * sizeof(int)));
      CHECK_CUDA(cudaStreamSynchronize(0));
      CHECK_CUDA(cudaFree(d));
      ok[t] = 1;
    });
  }
  for (auto& th : threads) th.join();
  for (int v : ok) EXPECT(v == 1);
  std::printf("PASS\n");
  return 0;
}
