// Fixture source for the image tests: a kernel whose parameters mix sizes and
// alignments, a template kernel, and module-scope variables.
struct Mixed {
  char c;
  double d;
  int i;
};

__device__ int gvar;
__constant__ float cvar[4];
__device__ int ginit = 5;
__managed__ int mvar;
__constant__ int ctable[2] = {7, 9};

extern "C" __global__ void kern(int n, float* out, Mixed m, char c, double d) {
  int t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t < n) out[t] = static_cast<float>(m.d + m.i + m.c + c + d) + cvar[t & 3] + gvar + ginit + ctable[t & 1] + mvar;
}

template <typename T>
__global__ void scale(T* data, T factor, unsigned n) {
  unsigned t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t < n) data[t] *= factor;
}

template __global__ void scale<float>(float*, float, unsigned);
template __global__ void scale<double>(double*, double, unsigned);

// Static shared memory, launch bounds and a non-inlined device function.
__device__ __noinline__ float Twice(float x) { return 2.0f * x; }

__global__ void __launch_bounds__(256) block_sum(const float* in, float* out) {
  __shared__ float buf[256];
  buf[threadIdx.x] = Twice(in[blockIdx.x * 256 + threadIdx.x]);
  __syncthreads();
  for (unsigned s = 128; s > 0; s >>= 1) {
    if (threadIdx.x < s) buf[threadIdx.x] += buf[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) out[blockIdx.x] = buf[0];
}

__global__ void no_params() {}
