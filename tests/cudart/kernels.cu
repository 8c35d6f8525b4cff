// Kernels on the software GPU: vectorAdd, a shared-memory reduction, matmul,
// a template kernel, constant memory, a kernel from a second fatbin, and the
// launch-side runtime calls (attributes, occupancy, cudaLaunchKernelEx).
#include <cmath>
#include <vector>

#include "check.h"

void LaunchSecondFatbin(int* data, int n, int offset, cudaStream_t stream);

__constant__ float c_scale;

__global__ void VectorAdd(const float* a, const float* b, float* c, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) c[i] = a[i] + b[i];
}

__global__ void Reduce(const float* in, float* out, int n) {
  extern __shared__ float partial[];
  unsigned tid = threadIdx.x;
  unsigned i = blockIdx.x * blockDim.x * 2 + threadIdx.x;
  float sum = 0;
  if (i < n) sum += in[i];
  if (i + blockDim.x < n) sum += in[i + blockDim.x];
  partial[tid] = sum;
  __syncthreads();
  for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
    if (tid < s) partial[tid] += partial[tid + s];
    __syncthreads();
  }
  if (tid == 0) atomicAdd(out, partial[0]);
}

__global__ void MatMul(const float* a, const float* b, float* c, int n) {
  int row = blockIdx.y * blockDim.y + threadIdx.y;
  int col = blockIdx.x * blockDim.x + threadIdx.x;
  if (row < n && col < n) {
    float acc = 0;
    for (int k = 0; k < n; ++k) acc += a[row * n + k] * b[k * n + col];
    c[row * n + col] = acc * c_scale;
  }
}

template <typename T>
__global__ void Axpy(T alpha, const T* x, T* y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = alpha * x[i] + y[i];
}

struct Mixed {
  char c;
  double d;
  int i;
};

// The layout from cuda-abi.md section 4: (int, float*, struct, char, double).
__global__ void Params(int a, float* out, Mixed m, char c, double d) {
  out[0] = static_cast<float>(a);
  out[1] = static_cast<float>(m.c);
  out[2] = static_cast<float>(m.d);
  out[3] = static_cast<float>(m.i);
  out[4] = static_cast<float>(c);
  out[5] = static_cast<float>(d);
}

int main() {
  const int n = 4096;
  std::vector<float> a(n), b(n), c(n);
  for (int i = 0; i < n; ++i) {
    a[i] = i * 0.5f;
    b[i] = 1000.0f - i;
  }
  float *da, *db, *dc;
  CHECK_CUDA(cudaMalloc(&da, n * sizeof(float)));
  CHECK_CUDA(cudaMalloc(&db, n * sizeof(float)));
  CHECK_CUDA(cudaMalloc(&dc, n * sizeof(float)));
  CHECK_CUDA(cudaMemcpy(da, a.data(), n * sizeof(float), cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(db, b.data(), n * sizeof(float), cudaMemcpyHostToDevice));

  // vectorAdd
  VectorAdd<<<(n + 255) / 256, 256>>>(da, db, dc, n);
  CHECK_CUDA(cudaGetLastError());
  CHECK_CUDA(cudaMemcpy(c.data(), dc, n * sizeof(float), cudaMemcpyDeviceToHost));
  for (int i = 0; i < n; ++i) EXPECT(c[i] == a[i] + b[i]);

  // reduction
  float* dsum;
  CHECK_CUDA(cudaMalloc(&dsum, sizeof(float)));
  CHECK_CUDA(cudaMemset(dsum, 0, sizeof(float)));
  Reduce<<<n / 512, 256, 256 * sizeof(float)>>>(da, dsum, n);
  float sum = 0;
  CHECK_CUDA(cudaMemcpy(&sum, dsum, sizeof(float), cudaMemcpyDeviceToHost));
  double expected = 0;
  for (float v : a) expected += v;
  EXPECT(std::fabs(sum - expected) < 1e-3 * expected);

  // matmul with a constant scale
  const int m = 32;
  std::vector<float> ma(m * m), mb(m * m), mc(m * m);
  for (int i = 0; i < m * m; ++i) {
    ma[i] = (i % 7) * 0.25f;
    mb[i] = (i % 5) - 2.0f;
  }
  float scale = 2.0f;
  CHECK_CUDA(cudaMemcpyToSymbol(c_scale, &scale, sizeof(scale)));
  CHECK_CUDA(cudaMemcpy(da, ma.data(), m * m * sizeof(float), cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(db, mb.data(), m * m * sizeof(float), cudaMemcpyHostToDevice));
  MatMul<<<dim3(m / 16, m / 16), dim3(16, 16)>>>(da, db, dc, m);
  CHECK_CUDA(cudaMemcpy(mc.data(), dc, m * m * sizeof(float), cudaMemcpyDeviceToHost));
  for (int r = 0; r < m; ++r)
    for (int col = 0; col < m; ++col) {
      float acc = 0;
      for (int k = 0; k < m; ++k) acc += ma[r * m + k] * mb[k * m + col];
      EXPECT(std::fabs(mc[r * m + col] - acc * scale) < 1e-3f);
    }

  // template kernels, two instantiations
  std::vector<int> xi(n, 3), yi(n, 4);
  int *dxi, *dyi;
  CHECK_CUDA(cudaMalloc(&dxi, n * sizeof(int)));
  CHECK_CUDA(cudaMalloc(&dyi, n * sizeof(int)));
  CHECK_CUDA(cudaMemcpy(dxi, xi.data(), n * sizeof(int), cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(dyi, yi.data(), n * sizeof(int), cudaMemcpyHostToDevice));
  Axpy<int><<<n / 128, 128>>>(5, dxi, dyi, n);
  Axpy<float><<<n / 128, 128>>>(2.0f, da, db, m * m);
  CHECK_CUDA(cudaMemcpy(yi.data(), dyi, n * sizeof(int), cudaMemcpyDeviceToHost));
  for (int v : yi) EXPECT(v == 19);

  // a kernel in a second fatbin
  LaunchSecondFatbin(dyi, n, 100, 0);
  CHECK_CUDA(cudaMemcpy(yi.data(), dyi, n * sizeof(int), cudaMemcpyDeviceToHost));
  for (int v : yi) EXPECT(v == 119);

  // parameter packing with padding
  Mixed mixed{'x', 2.5, -3};
  Params<<<1, 1>>>(7, dc, mixed, 'q', 6.25);
  float params[6];
  CHECK_CUDA(cudaMemcpy(params, dc, sizeof(params), cudaMemcpyDeviceToHost));
  EXPECT(params[0] == 7 && params[1] == 'x' && params[2] == 2.5f && params[3] == -3 && params[4] == 'q' &&
         params[5] == 6.25f);
  size_t offset = 0, size = 0;
  CHECK_CUDA(cudaFuncGetParamInfo(reinterpret_cast<const void*>(&Params), 2, &offset, &size));
  EXPECT(offset == 16 && size == 24);

  // launch-side calls
  cudaFuncAttributes attr;
  CHECK_CUDA(cudaFuncGetAttributes(&attr, VectorAdd));
  EXPECT(attr.ptxVersion > 0 && attr.maxThreadsPerBlock > 0);
  CHECK_CUDA(cudaFuncSetAttribute(Reduce, cudaFuncAttributeMaxDynamicSharedMemorySize, 8192));
  int blocks = 0;
  CHECK_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, VectorAdd, 256, 0));
  EXPECT(blocks > 0);
  cudaLaunchConfig_t config = {};
  config.gridDim = dim3((n + 255) / 256);
  config.blockDim = dim3(256);
  cudaLaunchAttribute pdl[1];
  pdl[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  pdl[0].val.programmaticStreamSerializationAllowed = 1;
  config.attrs = pdl;
  config.numAttrs = 1;
  CHECK_CUDA(cudaMemcpy(da, a.data(), n * sizeof(float), cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(db, b.data(), n * sizeof(float), cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaLaunchKernelEx(&config, VectorAdd, (const float*)da, (const float*)db, dc, n));
  CHECK_CUDA(cudaMemcpy(c.data(), dc, n * sizeof(float), cudaMemcpyDeviceToHost));
  for (int i = 0; i < n; ++i) EXPECT(c[i] == a[i] + b[i]);
  CHECK_CUDA(cudaDeviceSynchronize());
  std::printf("PASS\n");
  return 0;
}
