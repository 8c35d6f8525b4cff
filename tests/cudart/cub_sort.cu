// CUB's DeviceRadixSort::SortPairs, as ggml's argsort uses it: CUB picks its
// tuning by matching cudaFuncGetAttributes(EmptyKernel).ptxVersion * 10
// against __CUDA_ARCH_LIST__, so it fails with cudaErrorInvalidDeviceFunction
// unless ptxVersion is the virtual architecture the PTX targets (80 here).
#include <cub/cub.cuh>

#include <algorithm>
#include <numeric>
#include <vector>

#include "check.h"

int main() {
  constexpr int kItems = 1500;  // past ggml's bitonic limit of 1024
  std::vector<float> keys(kItems);
  for (int i = 0; i < kItems; ++i) keys[i] = static_cast<float>((i * 7919) % 1009) - 500.0f + 0.25f * (i % 3);
  std::vector<int> values(kItems);
  std::iota(values.begin(), values.end(), 0);

  float *d_keys_in = nullptr, *d_keys_out = nullptr;
  int *d_values_in = nullptr, *d_values_out = nullptr;
  CHECK_CUDA(cudaMalloc(&d_keys_in, kItems * sizeof(float)));
  CHECK_CUDA(cudaMalloc(&d_keys_out, kItems * sizeof(float)));
  CHECK_CUDA(cudaMalloc(&d_values_in, kItems * sizeof(int)));
  CHECK_CUDA(cudaMalloc(&d_values_out, kItems * sizeof(int)));
  CHECK_CUDA(cudaMemcpy(d_keys_in, keys.data(), kItems * sizeof(float), cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(d_values_in, values.data(), kItems * sizeof(int), cudaMemcpyHostToDevice));

  size_t temp_bytes = 0;
  CHECK_CUDA(cub::DeviceRadixSort::SortPairs(nullptr, temp_bytes, d_keys_in, d_keys_out, d_values_in,
                                             d_values_out, kItems, 0, sizeof(float) * 8));
  EXPECT(temp_bytes > 0);
  void* d_temp = nullptr;
  CHECK_CUDA(cudaMalloc(&d_temp, temp_bytes));
  CHECK_CUDA(cub::DeviceRadixSort::SortPairs(d_temp, temp_bytes, d_keys_in, d_keys_out, d_values_in,
                                             d_values_out, kItems, 0, sizeof(float) * 8));
  CHECK_CUDA(cudaDeviceSynchronize());

  std::vector<float> sorted_keys(kItems);
  std::vector<int> order(kItems);
  CHECK_CUDA(cudaMemcpy(sorted_keys.data(), d_keys_out, kItems * sizeof(float), cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaMemcpy(order.data(), d_values_out, kItems * sizeof(int), cudaMemcpyDeviceToHost));

  // A radix sort is stable: the expected result is std::stable_sort's.
  std::vector<int> expected(kItems);
  std::iota(expected.begin(), expected.end(), 0);
  std::stable_sort(expected.begin(), expected.end(), [&](int a, int b) { return keys[a] < keys[b]; });
  for (int i = 0; i < kItems; ++i) {
    EXPECT(order[i] == expected[i]);
    EXPECT(sorted_keys[i] == keys[expected[i]]);
  }

  CHECK_CUDA(cudaFree(d_temp));
  CHECK_CUDA(cudaFree(d_keys_in));
  CHECK_CUDA(cudaFree(d_keys_out));
  CHECK_CUDA(cudaFree(d_values_in));
  CHECK_CUDA(cudaFree(d_values_out));
  std::printf("cub_sort: %d pairs sorted\n", kItems);
  return 0;
}
