// Host functions and stream callbacks interleaved with kernels: each runs on
// the client once the stream's earlier work is done (it sees the bytes the
// copy before it brought back), in stream order, and what follows on the
// stream waits for it. A function that calls CUDA gets cudaErrorNotPermitted.
#include <atomic>
#include <chrono>
#include <thread>

#include "check.h"

__global__ void Step(int* value, int expect, int next) {
  // A kernel running before its predecessor finished would see the wrong value.
  *value = *value == expect ? next : -1000 - *value;
}

namespace {

constexpr int kSteps = 8;
std::atomic<int> g_order{0};
std::atomic<int> g_failures{0};

struct Probe {
  int index;            // its place among the host functions of the stream
  const int* observed;  // pinned host memory a copy filled before it
  int expect;
};

void Check(void* data) {
  auto* probe = static_cast<Probe*>(data);
  int position = g_order.fetch_add(1);
  if (position != probe->index) {
    std::fprintf(stderr, "host function %d ran in position %d\n", probe->index, position);
    ++g_failures;
  }
  if (*probe->observed != probe->expect) {
    std::fprintf(stderr, "host function %d saw %d, expected %d\n", probe->index, *probe->observed, probe->expect);
    ++g_failures;
  }
}

void CALLBACK_Check(cudaStream_t, cudaError_t status, void* data) {
  if (status != cudaSuccess) ++g_failures;
  Check(data);
}

std::atomic<bool> g_slow_done{false};
void Slow(void*) {
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  g_slow_done = true;
}

std::atomic<int> g_cuda_from_callback{-1};
void CallsCuda(void*) {
  void* p = nullptr;
  g_cuda_from_callback = static_cast<int>(cudaMalloc(&p, 16));
}

}  // namespace

int main() {
  cudaStream_t stream;
  CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  int* d_value = nullptr;
  CHECK_CUDA(cudaMalloc(&d_value, sizeof(int)));
  CHECK_CUDA(cudaMemsetAsync(d_value, 0, sizeof(int), stream));
  int* observed = nullptr;
  CHECK_CUDA(cudaMallocHost(&observed, kSteps * sizeof(int)));
  Probe probes[kSteps];
  for (int i = 0; i < kSteps; ++i) {
    observed[i] = -1;
    Step<<<1, 1, 0, stream>>>(d_value, i, i + 1);
    CHECK_CUDA(cudaGetLastError());
    CHECK_CUDA(cudaMemcpyAsync(&observed[i], d_value, sizeof(int), cudaMemcpyDeviceToHost, stream));
    probes[i] = Probe{i, &observed[i], i + 1};
    if (i % 2 == 0) {
      CHECK_CUDA(cudaLaunchHostFunc(stream, Check, &probes[i]));
    } else {
      CHECK_CUDA(cudaStreamAddCallback(stream, CALLBACK_Check, &probes[i], 0));
    }
  }
  // What follows a host function waits for it: the event completes only
  // after Slow returned.
  cudaEvent_t after_slow;
  CHECK_CUDA(cudaEventCreate(&after_slow));
  CHECK_CUDA(cudaLaunchHostFunc(stream, Slow, nullptr));
  CHECK_CUDA(cudaEventRecord(after_slow, stream));
  CHECK_CUDA(cudaEventSynchronize(after_slow));
  EXPECT(g_slow_done.load());
  EXPECT(g_order.load() == kSteps);

  // A host function that calls CUDA is refused, and the stream goes on.
  CHECK_CUDA(cudaLaunchHostFunc(stream, CallsCuda, nullptr));
  Step<<<1, 1, 0, stream>>>(d_value, kSteps, kSteps + 1);
  int final_value = 0;
  CHECK_CUDA(cudaMemcpyAsync(&final_value, d_value, sizeof(int), cudaMemcpyDeviceToHost, stream));
  CHECK_CUDA(cudaStreamSynchronize(stream));
  EXPECT(g_cuda_from_callback.load() == cudaErrorNotPermitted);
  EXPECT(final_value == kSteps + 1);
  EXPECT(g_failures.load() == 0);

  // On the legacy default stream too.
  g_order = 0;
  observed[0] = 7;
  Probe legacy{0, &observed[0], 7};
  CHECK_CUDA(cudaLaunchHostFunc(nullptr, Check, &legacy));
  CHECK_CUDA(cudaDeviceSynchronize());
  EXPECT(g_order.load() == 1);
  EXPECT(g_failures.load() == 0);

  CHECK_CUDA(cudaEventDestroy(after_slow));
  CHECK_CUDA(cudaFreeHost(observed));
  CHECK_CUDA(cudaFree(d_value));
  CHECK_CUDA(cudaStreamDestroy(stream));
  std::printf("%d host functions in stream order: ok\n", kSteps + 3);
  return 0;
}
