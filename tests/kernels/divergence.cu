#include <cuda_fp16.h>
#include <cuda_bf16.h>
// Divergence, block-wide votes, match, 64-bit and packed-half arithmetic.

__device__ __noinline__ int collatzSteps(unsigned int v) {
  int steps = 0;
  while (v != 1 && steps < 1000) {
    v = (v & 1) ? 3 * v + 1 : v >> 1;
    ++steps;
  }
  return steps;
}

// Lanes leave a data-dependent loop at different times, then shuffle: needs reconvergence.
extern "C" __global__ void divergentShuffle(const unsigned int* in, int* out) {
  int t = blockIdx.x * blockDim.x + threadIdx.x;
  int steps = collatzSteps(in[t]);
  int sum = steps;
  for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
  out[t * 2] = steps;
  out[t * 2 + 1] = sum;
}

// __syncthreads_count/and/or (bar.red), early exit before a barrier, match.any.
extern "C" __global__ void blockVotes(const int* in, int* out, int n) {
  int t = threadIdx.x;
  int v = in[blockIdx.x * blockDim.x + t];
  int count = __syncthreads_count(v > 0);
  int all = __syncthreads_and(v > -50);
  int any = __syncthreads_or(v == 7);
  unsigned same = __match_any_sync(0xffffffffu, v & 3);
  unsigned active = __activemask();
  int* o = out + (blockIdx.x * blockDim.x + t) * 5;
  o[0] = count;
  o[1] = all;
  o[2] = any;
  o[3] = (int)same;
  o[4] = (int)active;
  if (t >= n) return;  // threads leave; the rest still meet at the barrier
  __syncthreads();
  o[4] += 1;
}

// 64-bit integer math and atomics.
extern "C" __global__ void int64Ops(const unsigned long long* in, unsigned long long* out, double* dsum,
                                    unsigned long long* maxv) {
  int t = blockIdx.x * blockDim.x + threadIdx.x;
  unsigned long long a = in[t], b = in[t + 1] | 1;
  long long s = (long long)a;
  out[t * 6 + 0] = a / b;
  out[t * 6 + 1] = a % b;
  out[t * 6 + 2] = __umul64hi(a, b);
  out[t * 6 + 3] = (unsigned long long)(s / -3) + (unsigned long long)(s % 5);
  out[t * 6 + 4] = (a << (t & 63)) ^ (a >> ((t * 7) & 63)) ^ (unsigned long long)(s >> (t & 63));
  out[t * 6 + 5] = __popcll(a) + __clzll(a) * 100ull + __ffsll(a) * 10000ull;
  atomicAdd(dsum, (double)(a & 0xFFFF));
  atomicMax(maxv, a);
}

// Packed half and bfloat16 arithmetic.
extern "C" __global__ void packedHalf(const __half2* a, const __half2* b, __half2* out, __nv_bfloat16* bout, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  __half2 x = a[i], y = b[i];
  out[i * 3 + 0] = __hadd2(x, y);
  out[i * 3 + 1] = __hmul2(x, y);
  out[i * 3 + 2] = __hfma2(x, y, x);
  float f = __low2float(x) * 3.0f + __high2float(y);
  __nv_bfloat16 bf = __float2bfloat16(f);
  bout[i * 2] = bf;
  bout[i * 2 + 1] = __float2bfloat16(__bfloat162float(bf) * 0.5f + 1.0f);
}
