#include <cuda_fp16.h>
// Tiled matrix multiply C = A * B (row-major, square n, n % 16 == 0).
#define TILE 16

extern "C" __global__ void matmulF32(const float* a, const float* b, float* c, int n) {
  __shared__ float as[TILE][TILE];
  __shared__ float bs[TILE][TILE];
  int row = blockIdx.y * TILE + threadIdx.y;
  int col = blockIdx.x * TILE + threadIdx.x;
  float acc = 0.0f;
  for (int t = 0; t < n; t += TILE) {
    as[threadIdx.y][threadIdx.x] = a[row * n + t + threadIdx.x];
    bs[threadIdx.y][threadIdx.x] = b[(t + threadIdx.y) * n + col];
    __syncthreads();
#pragma unroll
    for (int k = 0; k < TILE; ++k) acc += as[threadIdx.y][k] * bs[k][threadIdx.x];
    __syncthreads();
  }
  c[row * n + col] = acc;
}

// Half inputs, half arithmetic with a float accumulator every tile.
extern "C" __global__ void matmulF16(const __half* a, const __half* b, __half* c, int n) {
  __shared__ __half as[TILE][TILE];
  __shared__ __half bs[TILE][TILE];
  int row = blockIdx.y * TILE + threadIdx.y;
  int col = blockIdx.x * TILE + threadIdx.x;
  float acc = 0.0f;
  for (int t = 0; t < n; t += TILE) {
    as[threadIdx.y][threadIdx.x] = a[row * n + t + threadIdx.x];
    bs[threadIdx.y][threadIdx.x] = b[(t + threadIdx.y) * n + col];
    __syncthreads();
    __half part = __float2half(0.0f);
#pragma unroll
    for (int k = 0; k < TILE; ++k) part = __hfma(as[threadIdx.y][k], bs[k][threadIdx.x], part);
    acc += __half2float(part);
    __syncthreads();
  }
  c[row * n + col] = __float2half(acc);
}
