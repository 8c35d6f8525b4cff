// __device__ and __constant__ variables through the symbol API (no kernel
// runs, so this passes before the software GPU can execute PTX).
#include <cstring>

#include "check.h"

__device__ int g_counters[64];
__constant__ float c_table[16];
__device__ double g_scalar;

int main() {
  int values[64];
  for (int i = 0; i < 64; ++i) values[i] = i * i;
  CHECK_CUDA(cudaMemcpyToSymbol(g_counters, values, sizeof(values)));
  int back[64] = {};
  CHECK_CUDA(cudaMemcpyFromSymbol(back, g_counters, sizeof(back)));
  EXPECT(std::memcmp(values, back, sizeof(values)) == 0);

  // Offsets and the async forms.
  const int tail[4] = {-1, -2, -3, -4};
  CHECK_CUDA(cudaMemcpyToSymbolAsync(g_counters, tail, sizeof(tail), 60 * sizeof(int), cudaMemcpyHostToDevice, 0));
  int last[4] = {};
  CHECK_CUDA(cudaMemcpyFromSymbolAsync(last, g_counters, sizeof(last), 60 * sizeof(int), cudaMemcpyDeviceToHost, 0));
  CHECK_CUDA(cudaStreamSynchronize(0));
  EXPECT(last[0] == -1 && last[3] == -4);
  EXPECT(cudaMemcpyToSymbol(g_counters, tail, sizeof(tail), 62 * sizeof(int)) == cudaErrorInvalidValue);
  EXPECT(cudaGetLastError() == cudaErrorInvalidValue);

  // Constant memory, and a symbol's address used with plain cudaMemcpy.
  float table[16];
  for (int i = 0; i < 16; ++i) table[i] = 0.5f * i;
  CHECK_CUDA(cudaMemcpyToSymbol(c_table, table, sizeof(table)));
  void* address = nullptr;
  CHECK_CUDA(cudaGetSymbolAddress(&address, c_table));
  float check[16] = {};
  CHECK_CUDA(cudaMemcpy(check, address, sizeof(check), cudaMemcpyDeviceToHost));
  EXPECT(std::memcmp(table, check, sizeof(table)) == 0);
  size_t size = 0;
  CHECK_CUDA(cudaGetSymbolSize(&size, c_table));
  EXPECT(size == sizeof(table));

  // Device-to-device through symbols.
  double pi = 3.14159;
  void* scratch = nullptr;
  CHECK_CUDA(cudaMalloc(&scratch, sizeof(double)));
  CHECK_CUDA(cudaMemcpy(scratch, &pi, sizeof(pi), cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpyToSymbol(g_scalar, scratch, sizeof(double), 0, cudaMemcpyDeviceToDevice));
  double got = 0;
  CHECK_CUDA(cudaMemcpyFromSymbol(&got, g_scalar, sizeof(got)));
  EXPECT(got == pi);
  int not_a_symbol = 0;
  EXPECT(cudaMemcpyToSymbol(not_a_symbol, &got, sizeof(int)) == cudaErrorInvalidSymbol);
  cudaGetLastError();
  CHECK_CUDA(cudaFree(scratch));
  std::printf("PASS\n");
  return 0;
}
