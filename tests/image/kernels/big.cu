// Fixture source: a relocatable (-rdc) cubin whose shared and global arrays are
// larger than the file, so their sections must not count towards its size.
__device__ float big_global[100000];

__global__ void big(float* out, int i) {
  __shared__ float staging[12000];
  float local[64];
  for (int j = 0; j < 64; ++j) local[j] = out[j * i];
  staging[threadIdx.x] = local[i & 63];
  __syncthreads();
  out[0] = staging[i] + big_global[i];
}
