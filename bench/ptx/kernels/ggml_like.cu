// Kernels shaped like ggml-cuda's hot paths, for bench/ptx (written for this benchmark,
// not taken from ggml): a tiled f16 tensor-core matmul (ldmatrix + mma.m16n8k16), a q8_0
// matrix-vector product with dp4a, soft-max and RMS-norm over rows. regen.sh turns this
// file into ggml_like.ptx, which the benchmark loads (no nvcc needed to run it).
#include <cuda_fp16.h>
#include <cstdint>

// C[M x N] (f32, row-major) = A[M x K] (f16, row-major) * B[N x K]^T (f16, row-major).
// One warp per 16 x 8 tile of C; a block of 4 warps covers 64 x 8. M % 64 == 0,
// N % 8 == 0, K % 16 == 0.
extern "C" __global__ void mma_matmul_f16(const half* A, const half* B, float* C, int M, int N, int K) {
  __shared__ __align__(16) half As[4][16][16];
  __shared__ __align__(16) half Bs[4][8][16];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int row0 = blockIdx.x * 64 + warp * 16, col0 = blockIdx.y * 8;
  float acc[4] = {0, 0, 0, 0};
  for (int k0 = 0; k0 < K; k0 += 16) {
    for (int i = lane; i < 16 * 16; i += 32) As[warp][i / 16][i % 16] = A[(row0 + i / 16) * K + k0 + i % 16];
    for (int i = lane; i < 8 * 16; i += 32) Bs[warp][i / 16][i % 16] = B[(col0 + i / 16) * K + k0 + i % 16];
    __syncwarp();
    uint32_t a[4], b[2];
    uint32_t a_addr = static_cast<uint32_t>(__cvta_generic_to_shared(&As[warp][lane % 16][(lane / 16) * 8]));
    uint32_t b_addr = static_cast<uint32_t>(__cvta_generic_to_shared(&Bs[warp][lane % 8][((lane / 8) % 2) * 8]));
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
                 : "=r"(a[0]), "=r"(a[1]), "=r"(a[2]), "=r"(a[3]) : "r"(a_addr));
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];" : "=r"(b[0]), "=r"(b[1]) : "r"(b_addr));
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};"
        : "+f"(acc[0]), "+f"(acc[1]), "+f"(acc[2]), "+f"(acc[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
    __syncwarp();
  }
  const int g = lane / 4, t = lane % 4;
  C[(row0 + g) * N + col0 + 2 * t] = acc[0];
  C[(row0 + g) * N + col0 + 2 * t + 1] = acc[1];
  C[(row0 + g + 8) * N + col0 + 2 * t] = acc[2];
  C[(row0 + g + 8) * N + col0 + 2 * t + 1] = acc[3];
}

// q8_0: 32 int8 weights and one f16 scale per block, as ggml stores them.
struct block_q8_0 {
  half d;
  int8_t qs[32];
};

// dst[row] = sum over blocks of d_x * d_y * dot(qs_x, qs_y), y quantized the same way.
// One warp per row; each lane takes blocks lane, lane + 32, ...; 4 rows per block.
extern "C" __global__ void mul_mat_vec_q8_0(const block_q8_0* x, const block_q8_0* y, float* dst, int ncols) {
  const int row = blockIdx.x * 4 + threadIdx.y;
  const int nblocks = ncols / 32;
  float sum = 0.0f;
  for (int b = threadIdx.x; b < nblocks; b += 32) {
    const block_q8_0& bx = x[row * nblocks + b];
    const block_q8_0& by = y[b];
    int dot = 0;
#pragma unroll
    for (int i = 0; i < 32; i += 4) {
      int vx, vy;
      memcpy(&vx, bx.qs + i, 4);
      memcpy(&vy, by.qs + i, 4);
      dot = __dp4a(vx, vy, dot);
    }
    sum += __half2float(bx.d) * __half2float(by.d) * dot;
  }
#pragma unroll
  for (int off = 16; off > 0; off /= 2) sum += __shfl_xor_sync(0xFFFFFFFFu, sum, off);
  if (threadIdx.x == 0) dst[row] = sum;
}

__device__ float BlockReduce(float v, bool is_max, float* scratch) {
#pragma unroll
  for (int off = 16; off > 0; off /= 2) {
    float o = __shfl_xor_sync(0xFFFFFFFFu, v, off);
    v = is_max ? fmaxf(v, o) : v + o;
  }
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, warps = blockDim.x / 32;
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : (is_max ? -INFINITY : 0.0f);
#pragma unroll
  for (int off = 16; off > 0; off /= 2) {
    float o = __shfl_xor_sync(0xFFFFFFFFu, v, off);
    v = is_max ? fmaxf(v, o) : v + o;
  }
  return v;
}

// One block per row: dst = softmax(x * scale).
extern "C" __global__ void soft_max_f32(const float* x, float* dst, int ncols, float scale) {
  __shared__ float scratch[32];
  const float* xr = x + blockIdx.x * ncols;
  float* dr = dst + blockIdx.x * ncols;
  float m = -INFINITY;
  for (int c = threadIdx.x; c < ncols; c += blockDim.x) m = fmaxf(m, xr[c] * scale);
  m = BlockReduce(m, true, scratch);
  float s = 0.0f;
  for (int c = threadIdx.x; c < ncols; c += blockDim.x) {
    float e = expf(xr[c] * scale - m);
    dr[c] = e;
    s += e;
  }
  s = BlockReduce(s, false, scratch);
  const float inv = 1.0f / s;
  for (int c = threadIdx.x; c < ncols; c += blockDim.x) dr[c] *= inv;
}

// One block per row: dst = x / sqrt(mean(x^2) + eps).
extern "C" __global__ void rms_norm_f32(const float* x, float* dst, int ncols, float eps) {
  __shared__ float scratch[32];
  const float* xr = x + blockIdx.x * ncols;
  float* dr = dst + blockIdx.x * ncols;
  float s = 0.0f;
  for (int c = threadIdx.x; c < ncols; c += blockDim.x) s += xr[c] * xr[c];
  s = BlockReduce(s, false, scratch);
  const float r = rsqrtf(s / ncols + eps);
  for (int c = threadIdx.x; c < ncols; c += blockDim.x) dr[c] = xr[c] * r;
}
