// Grid-stride loop with 64-bit sizes and a double accumulation.
extern "C" __global__ void gridStrideScale(const double* in, double* out, unsigned long long n, double k) {
  for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)blockDim.x * gridDim.x) {
    out[i] = in[i] * k + (double)(i % 7);
  }
}
