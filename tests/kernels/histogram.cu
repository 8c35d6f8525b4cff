// 256-bin histogram: shared atomics per block, then global atomics.
extern "C" __global__ void histogram256(const unsigned char* data, unsigned int n, unsigned int* bins) {
  __shared__ unsigned int local[256];
  for (int i = threadIdx.x; i < 256; i += blockDim.x) local[i] = 0;
  __syncthreads();
  for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
    atomicAdd(&local[data[i]], 1u);
  __syncthreads();
  for (int i = threadIdx.x; i < 256; i += blockDim.x)
    if (local[i]) atomicAdd(&bins[i], local[i]);
}

// Other global atomics: min/max/cas/exch/and/or/xor/inc.
extern "C" __global__ void atomicMix(const int* in, int* res, unsigned int n) {
  unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int v = in[i];
  atomicMin(&res[0], v);
  atomicMax(&res[1], v);
  atomicAnd(&res[2], v | 0x0F0F0000);
  atomicOr(&res[3], v & 0x00FF);
  atomicXor(&res[4], v);
  atomicInc((unsigned int*)&res[5], 1000000u);
  int old = res[6];
  int assumed;
  do {
    assumed = old;
    old = atomicCAS(&res[6], assumed, assumed + (v & 3));
  } while (old != assumed);
  atomicExch(&res[7], 42);
}
