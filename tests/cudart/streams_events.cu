// Streams and events used from several threads: each thread runs its own
// stream, one thread waits on another thread's event, timing and
// DisableTiming events behave.
#include <cstring>
#include <thread>
#include <vector>

#include "check.h"

int main() {
  const size_t n = 256 << 10;
  const int kThreads = 4;
  std::vector<std::thread> threads;
  std::vector<int> ok(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      CHECK_CUDA(cudaSetDevice(0));
      cudaStream_t s;
      CHECK_CUDA(cudaStreamCreate(&s));
      unsigned char* d;
      CHECK_CUDA(cudaMalloc(&d, n));
      std::vector<unsigned char> in(n, static_cast<unsigned char>(t + 1)), out(n);
      for (int round = 0; round < 8; ++round) {
        CHECK_CUDA(cudaMemsetAsync(d, 0, n, s));
        CHECK_CUDA(cudaMemcpyAsync(d, in.data(), n, cudaMemcpyHostToDevice, s));
        CHECK_CUDA(cudaMemcpyAsync(out.data(), d, n, cudaMemcpyDeviceToHost, s));
        CHECK_CUDA(cudaStreamSynchronize(s));
        EXPECT(out == in);
      }
      EXPECT(cudaStreamQuery(s) == cudaSuccess);
      CHECK_CUDA(cudaFree(d));
      CHECK_CUDA(cudaStreamDestroy(s));
      ok[t] = 1;
    });
  }
  for (auto& th : threads) th.join();
  for (int v : ok) EXPECT(v == 1);

  // Producer/consumer across threads through an event.
  cudaStream_t producer, consumer;
  CHECK_CUDA(cudaStreamCreateWithFlags(&producer, cudaStreamNonBlocking));
  CHECK_CUDA(cudaStreamCreateWithPriority(&consumer, cudaStreamNonBlocking, 0));
  cudaEvent_t ready, start, stop, untimed;
  CHECK_CUDA(cudaEventCreateWithFlags(&ready, cudaEventDisableTiming));
  CHECK_CUDA(cudaEventCreate(&start));
  CHECK_CUDA(cudaEventCreate(&stop));
  CHECK_CUDA(cudaEventCreateWithFlags(&untimed, cudaEventDisableTiming));
  unsigned char *a, *b;
  CHECK_CUDA(cudaMalloc(&a, n));
  CHECK_CUDA(cudaMalloc(&b, n));
  std::vector<unsigned char> src(n), dst(n, 0);
  for (size_t i = 0; i < n; ++i) src[i] = static_cast<unsigned char>(i * 7);
  std::thread produce([&] {
    CHECK_CUDA(cudaEventRecord(start, producer));
    CHECK_CUDA(cudaMemcpyAsync(a, src.data(), n, cudaMemcpyHostToDevice, producer));
    CHECK_CUDA(cudaEventRecord(ready, producer));
  });
  produce.join();
  std::thread consume([&] {
    CHECK_CUDA(cudaStreamWaitEvent(consumer, ready, 0));
    CHECK_CUDA(cudaMemcpyAsync(b, a, n, cudaMemcpyDeviceToDevice, consumer));
    CHECK_CUDA(cudaMemcpyAsync(dst.data(), b, n, cudaMemcpyDeviceToHost, consumer));
    CHECK_CUDA(cudaEventRecord(stop, consumer));
  });
  consume.join();
  CHECK_CUDA(cudaEventSynchronize(stop));
  EXPECT(cudaEventQuery(stop) == cudaSuccess);
  EXPECT(dst == src);
  float ms = -1;
  CHECK_CUDA(cudaEventElapsedTime(&ms, start, stop));
  EXPECT(ms >= 0);
  CHECK_CUDA(cudaEventRecord(untimed, consumer));
  CHECK_CUDA(cudaEventSynchronize(untimed));
  EXPECT(cudaEventElapsedTime(&ms, untimed, stop) != cudaSuccess);
  cudaGetLastError();

  // The special handles.
  cudaStreamCaptureStatus capture = cudaStreamCaptureStatusActive;
  CHECK_CUDA(cudaStreamIsCapturing(cudaStreamPerThread, &capture));
  EXPECT(capture == cudaStreamCaptureStatusNone);
  CHECK_CUDA(cudaMemsetAsync(a, 1, n, cudaStreamPerThread));
  CHECK_CUDA(cudaStreamSynchronize(cudaStreamPerThread));
  CHECK_CUDA(cudaMemsetAsync(a, 2, n, cudaStreamLegacy));
  CHECK_CUDA(cudaStreamSynchronize(cudaStreamLegacy));
  CHECK_CUDA(cudaStreamSynchronize(0));

  for (cudaEvent_t e : {ready, start, stop, untimed}) CHECK_CUDA(cudaEventDestroy(e));
  CHECK_CUDA(cudaStreamDestroy(producer));
  CHECK_CUDA(cudaStreamDestroy(consumer));
  CHECK_CUDA(cudaFree(a));
  CHECK_CUDA(cudaFree(b));
  std::printf("PASS\n");
  return 0;
}
