// Warp-shuffle reduction: shfl.down inside each warp, shared memory across warps.
__inline__ __device__ int warpSum(int v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
  return v;
}

extern "C" __global__ void reduceShuffle(const int* in, int* out, int n) {
  __shared__ int warp_sums[32];
  int sum = 0;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) sum += in[i];
  sum = warpSum(sum);
  int lane = threadIdx.x & 31;
  int warp = threadIdx.x >> 5;
  if (lane == 0) warp_sums[warp] = sum;
  __syncthreads();
  if (warp == 0) {
    int nwarps = (blockDim.x + 31) / 32;
    sum = lane < nwarps ? warp_sums[lane] : 0;
    sum = warpSum(sum);
    if (lane == 0) atomicAdd(out, sum);
  }
}

// Butterfly (xor) and broadcast shuffles, plus votes, per lane.
extern "C" __global__ void shuffleVariety(const int* in, int* out) {
  int t = threadIdx.x;
  int v = in[blockIdx.x * blockDim.x + t];
  int x = v;
  for (int m = 1; m < 32; m <<= 1) x = max(x, __shfl_xor_sync(0xffffffffu, x, m));
  int b = __shfl_sync(0xffffffffu, v, 3);
  int u = __shfl_up_sync(0xffffffffu, v, 1);
  unsigned ballot = __ballot_sync(0xffffffffu, v & 1);
  int any = __any_sync(0xffffffffu, v > 1000);
  int all = __all_sync(0xffffffffu, v >= 0);
  int base = (blockIdx.x * blockDim.x + t) * 6;
  out[base + 0] = x;
  out[base + 1] = b;
  out[base + 2] = u;
  out[base + 3] = (int)ballot;
  out[base + 4] = any;
  out[base + 5] = all;
}
