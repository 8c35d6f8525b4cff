// A second translation unit: its own fatbin, registered separately, with a
// kernel and a __constant__ of its own.
#include "check.h"

__constant__ int c_offset;

__global__ void AddOffset(int* data, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) data[i] += c_offset;
}

void LaunchSecondFatbin(int* data, int n, int offset, cudaStream_t stream) {
  CHECK_CUDA(cudaMemcpyToSymbolAsync(c_offset, &offset, sizeof(offset), 0, cudaMemcpyHostToDevice, stream));
  AddOffset<<<(n + 127) / 128, 128, 0, stream>>>(data, n);
  CHECK_CUDA(cudaGetLastError());
}
