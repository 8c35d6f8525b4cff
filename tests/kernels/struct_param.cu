// A struct passed by value and a non-inlined device function (.func + call).
struct Affine {
  float scale;
  float offset;
  int clamp_lo;
  int clamp_hi;
  double bias;
};

__device__ __noinline__ float applyAffine(const Affine& p, float x, int* count) {
  float y = x * p.scale + p.offset + (float)p.bias;
  if (y < (float)p.clamp_lo) { y = (float)p.clamp_lo; atomicAdd(count, 1); }
  if (y > (float)p.clamp_hi) { y = (float)p.clamp_hi; atomicAdd(count, 1); }
  return y;
}

__global__ void affineKernel(Affine p, const float* in, float* out, int* clamped, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = applyAffine(p, in[i], clamped);
}
