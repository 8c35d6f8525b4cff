// Shared-memory tree reduction: one partial sum per block.
extern "C" __global__ void reduceShared(const float* in, float* partial, unsigned int n) {
  __shared__ float sdata[256];
  unsigned int tid = threadIdx.x;
  unsigned int i = blockIdx.x * blockDim.x * 2 + threadIdx.x;
  float v = 0.0f;
  if (i < n) v = in[i];
  if (i + blockDim.x < n) v += in[i + blockDim.x];
  sdata[tid] = v;
  __syncthreads();
  for (unsigned int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (tid < s) sdata[tid] += sdata[tid + s];
    __syncthreads();
  }
  if (tid == 0) partial[blockIdx.x] = sdata[0];
}

// Integer variant with dynamic shared memory, so results are exact.
extern "C" __global__ void reduceSharedInt(const int* in, long long* out, unsigned int n) {
  extern __shared__ int dyn[];
  unsigned int tid = threadIdx.x;
  unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
  dyn[tid] = i < n ? in[i] : 0;
  __syncthreads();
  for (unsigned int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (tid < s) dyn[tid] += dyn[tid + s];
    __syncthreads();
  }
  if (tid == 0) atomicAdd((unsigned long long*)out, (unsigned long long)(long long)dyn[0]);
}
