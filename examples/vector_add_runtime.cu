// vgpu demo, runtime API: an ordinary nvcc-built CUDA program. With vgpu's
// libcudart.so.13 and libcuda.so.1 first on the library path it runs on the
// remote GPU unchanged.
#include <cstdio>
#include <vector>

__global__ void saxpy(int n, float a, const float* x, float* y) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}

__global__ void blockSum(const float* in, float* out, int n) {
  __shared__ float partial[256];
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  partial[threadIdx.x] = i < n ? in[i] : 0.0f;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
    __syncthreads();
  }
  if (threadIdx.x == 0) atomicAdd(out, partial[0]);
}

#define CHECK(call)                                                                 \
  do {                                                                              \
    cudaError_t e_ = (call);                                                        \
    if (e_ != cudaSuccess) {                                                        \
      std::printf("%s failed: %s\n", #call, cudaGetErrorString(e_));                \
      return 1;                                                                     \
    }                                                                               \
  } while (0)

int main() {
  int count = 0;
  CHECK(cudaGetDeviceCount(&count));
  cudaDeviceProp prop;
  CHECK(cudaGetDeviceProperties(&prop, 0));
  std::printf("Device 0: %s, compute capability %d.%d, %d SMs, %zu MiB\n", prop.name, prop.major, prop.minor,
              prop.multiProcessorCount, prop.totalGlobalMem >> 20);

  const int n = 1 << 20;
  std::vector<float> x(n, 1.0f), y(n, 2.0f);
  float *dx, *dy, *dsum;
  CHECK(cudaMalloc(&dx, n * sizeof(float)));
  CHECK(cudaMalloc(&dy, n * sizeof(float)));
  CHECK(cudaMalloc(&dsum, sizeof(float)));
  cudaStream_t stream;
  CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  CHECK(cudaMemcpyAsync(dx, x.data(), n * sizeof(float), cudaMemcpyHostToDevice, stream));
  CHECK(cudaMemcpyAsync(dy, y.data(), n * sizeof(float), cudaMemcpyHostToDevice, stream));
  CHECK(cudaMemsetAsync(dsum, 0, sizeof(float), stream));
  saxpy<<<(n + 255) / 256, 256, 0, stream>>>(n, 3.0f, dx, dy);
  blockSum<<<(n + 255) / 256, 256, 0, stream>>>(dy, dsum, n);
  CHECK(cudaGetLastError());
  float sum = 0;
  CHECK(cudaMemcpyAsync(&sum, dsum, sizeof(float), cudaMemcpyDeviceToHost, stream));
  CHECK(cudaStreamSynchronize(stream));
  const float expected = 5.0f * n;
  std::printf("saxpy + reduction of %d elements: sum = %.0f (expected %.0f) -- %s\n", n, sum, expected,
              sum == expected ? "PASSED" : "FAILED");
  CHECK(cudaFree(dx));
  CHECK(cudaFree(dy));
  CHECK(cudaFree(dsum));
  CHECK(cudaStreamDestroy(stream));
  return sum == expected ? 0 : 1;
}
