// __constant__ lookup tables and a writable __device__ variable.
__constant__ float kCoeffs[16] = {1.0f, 0.5f, 0.25f, 0.125f, 2.0f, 4.0f, 8.0f, 16.0f,
                                  -1.0f, -0.5f, 3.0f, 1.5f, 0.75f, 0.0f, 10.0f, 100.0f};
__constant__ int kOffsets[4];  // set by the host through cuModuleGetGlobal
__device__ unsigned int gCalls = 7;

extern "C" __global__ void constLookup(const int* idx, float* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    int k = idx[i];
    out[i] = kCoeffs[k & 15] * (float)(k + kOffsets[k & 3]);
    atomicAdd(&gCalls, 1u);
  }
}
