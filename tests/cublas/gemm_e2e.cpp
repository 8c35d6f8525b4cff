// cuBLAS over vgpu against vgpu-server --backend emu: every ggml type
// combination of GemmEx / GemmBatchedEx / GemmStridedBatchedEx and the Sgemm
// variants, all op combinations, odd shapes and padded leading dimensions,
// checked against a naive host reference; then bad handles and bad pointers
// give clear statuses and the server keeps answering.
#include <cublas_api.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

namespace {

int g_failures = 0;
#define EXPECT(cond)                                                         \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "%s:%d: FAILED %s\n", __FILE__, __LINE__, #cond); \
      ++g_failures;                                                          \
    }                                                                        \
  } while (0)
#define CUDA_OK(x) EXPECT((x) == cudaSuccess)
#define BLAS_OK(x) EXPECT((x) == CUBLAS_STATUS_SUCCESS)

size_t Size(cudaDataType t) { return t == CUDA_R_32F ? 4 : t == CUDA_R_64F ? 8 : 2; }

double Get(const std::vector<uint8_t>& v, cudaDataType t, size_t i) {
  switch (t) {
    case CUDA_R_32F: { float f; std::memcpy(&f, &v[i * 4], 4); return f; }
    case CUDA_R_64F: { double d; std::memcpy(&d, &v[i * 8], 8); return d; }
    case CUDA_R_16F: { __half h; std::memcpy(&h, &v[i * 2], 2); return __half2float(h); }
    default: { __nv_bfloat16 h; std::memcpy(&h, &v[i * 2], 2); return __bfloat162float(h); }
  }
}
void Set(std::vector<uint8_t>& v, cudaDataType t, size_t i, double x) {
  switch (t) {
    case CUDA_R_32F: { float f = float(x); std::memcpy(&v[i * 4], &f, 4); return; }
    case CUDA_R_64F: std::memcpy(&v[i * 8], &x, 8); return;
    case CUDA_R_16F: { __half h = __float2half(float(x)); std::memcpy(&v[i * 2], &h, 2); return; }
    default: { __nv_bfloat16 h = __float2bfloat16(float(x)); std::memcpy(&v[i * 2], &h, 2); return; }
  }
}

struct Combo {
  cudaDataType ab, c;
  cublasComputeType_t compute;
  const char* name;
};

enum class Form { kPlain, kBatched, kStrided, kSgemm, kSgemmBatched, kSgemmStrided };

std::mt19937 g_rng(11);

void RunCase(cublasHandle_t h, const Combo& co, Form form, cublasOperation_t ta, cublasOperation_t tb, int m, int n,
             int k) {
  const bool batched = form != Form::kPlain && form != Form::kSgemm;
  const int batch = batched ? 3 : 1;
  const int ar = ta == CUBLAS_OP_N ? m : k, ac = ta == CUBLAS_OP_N ? k : m;
  const int br = tb == CUBLAS_OP_N ? k : n, bc = tb == CUBLAS_OP_N ? n : k;
  const int lda = ar + 1, ldb = br + 2, ldc = m + 3;
  const size_t a_elems = size_t(lda) * ac, b_elems = size_t(ldb) * bc, c_elems = size_t(ldc) * n;
  std::uniform_real_distribution<double> dist(-1, 1);
  std::vector<uint8_t> a(a_elems * batch * Size(co.ab)), b(b_elems * batch * Size(co.ab)), c(c_elems * batch * Size(co.c));
  for (size_t i = 0; i < a_elems * batch; ++i) Set(a, co.ab, i, dist(g_rng));
  for (size_t i = 0; i < b_elems * batch; ++i) Set(b, co.ab, i, dist(g_rng));
  for (size_t i = 0; i < c_elems * batch; ++i) Set(c, co.c, i, dist(g_rng));
  void *da, *db, *dc;
  CUDA_OK(cudaMalloc(&da, a.size()));
  CUDA_OK(cudaMalloc(&db, b.size()));
  CUDA_OK(cudaMalloc(&dc, c.size()));
  CUDA_OK(cudaMemcpy(da, a.data(), a.size(), cudaMemcpyHostToDevice));
  CUDA_OK(cudaMemcpy(db, b.data(), b.size(), cudaMemcpyHostToDevice));
  CUDA_OK(cudaMemcpy(dc, c.data(), c.size(), cudaMemcpyHostToDevice));
  const double alpha = 0.75, beta = 0.5;
  float af = float(alpha), bf = float(beta);
  __half ah = __float2half(af), bh = __float2half(bf);
  double ad = alpha, bd = beta;
  const void* pa = co.compute == CUBLAS_COMPUTE_16F ? (const void*)&ah : co.compute == CUBLAS_COMPUTE_64F ? (const void*)&ad : (const void*)&af;
  const void* pb = co.compute == CUBLAS_COMPUTE_16F ? (const void*)&bh : co.compute == CUBLAS_COMPUTE_64F ? (const void*)&bd : (const void*)&bf;
  // Pointer arrays live in device memory.
  void** dpa = nullptr;
  void** dpb = nullptr;
  void** dpc = nullptr;
  if (form == Form::kBatched || form == Form::kSgemmBatched) {
    std::vector<void*> ha(batch), hb(batch), hc(batch);
    for (int i = 0; i < batch; ++i) {
      ha[i] = static_cast<uint8_t*>(da) + size_t(i) * a_elems * Size(co.ab);
      hb[i] = static_cast<uint8_t*>(db) + size_t(i) * b_elems * Size(co.ab);
      hc[i] = static_cast<uint8_t*>(dc) + size_t(i) * c_elems * Size(co.c);
    }
    CUDA_OK(cudaMalloc(reinterpret_cast<void**>(&dpa), batch * sizeof(void*)));
    CUDA_OK(cudaMalloc(reinterpret_cast<void**>(&dpb), batch * sizeof(void*)));
    CUDA_OK(cudaMalloc(reinterpret_cast<void**>(&dpc), batch * sizeof(void*)));
    CUDA_OK(cudaMemcpy(dpa, ha.data(), batch * sizeof(void*), cudaMemcpyHostToDevice));
    CUDA_OK(cudaMemcpy(dpb, hb.data(), batch * sizeof(void*), cudaMemcpyHostToDevice));
    CUDA_OK(cudaMemcpy(dpc, hc.data(), batch * sizeof(void*), cudaMemcpyHostToDevice));
  }
  cublasStatus_t st = CUBLAS_STATUS_SUCCESS;
  switch (form) {
    case Form::kPlain:
      st = cublasGemmEx(h, ta, tb, m, n, k, pa, da, co.ab, lda, db, co.ab, ldb, pb, dc, co.c, ldc, co.compute,
                        CUBLAS_GEMM_DEFAULT);
      break;
    case Form::kBatched:
      st = cublasGemmBatchedEx(h, ta, tb, m, n, k, pa, dpa, co.ab, lda, dpb, co.ab, ldb, pb, dpc, co.c, ldc, batch,
                               co.compute, CUBLAS_GEMM_DEFAULT);
      break;
    case Form::kStrided:
      st = cublasGemmStridedBatchedEx(h, ta, tb, m, n, k, pa, da, co.ab, lda, a_elems, db, co.ab, ldb, b_elems, pb, dc,
                                      co.c, ldc, c_elems, batch, co.compute, CUBLAS_GEMM_DEFAULT);
      break;
    case Form::kSgemm:
      st = cublasSgemm_v2(h, ta, tb, m, n, k, &af, (float*)da, lda, (float*)db, ldb, &bf, (float*)dc, ldc);
      break;
    case Form::kSgemmBatched:
      st = cublasSgemmBatched(h, ta, tb, m, n, k, &af, (const float* const*)dpa, lda, (const float* const*)dpb, ldb,
                              &bf, (float* const*)dpc, ldc, batch);
      break;
    case Form::kSgemmStrided:
      st = cublasSgemmStridedBatched(h, ta, tb, m, n, k, &af, (float*)da, lda, a_elems, (float*)db, ldb, b_elems, &bf,
                                     (float*)dc, ldc, c_elems, batch);
      break;
  }
  BLAS_OK(st);
  std::vector<uint8_t> out(c.size());
  CUDA_OK(cudaMemcpy(out.data(), dc, out.size(), cudaMemcpyDeviceToHost));
  const double tol = co.c == CUDA_R_16F ? 0.02 : co.c == CUDA_R_16BF ? 0.08 : co.ab == CUDA_R_64F ? 1e-10 : 1e-4;
  int bad = 0;
  for (int bi = 0; bi < batch; ++bi) {
    for (int j = 0; j < n; ++j) {
      for (int i = 0; i < ldc; ++i) {
        const size_t at = size_t(bi) * c_elems + size_t(j) * ldc + i;
        double expect = Get(c, co.c, at);
        if (i < m) {
          double sum = 0;
          for (int p = 0; p < k; ++p) {
            double x = Get(a, co.ab, size_t(bi) * a_elems + (ta == CUBLAS_OP_N ? size_t(p) * lda + i : size_t(i) * lda + p));
            double y = Get(b, co.ab, size_t(bi) * b_elems + (tb == CUBLAS_OP_N ? size_t(j) * ldb + p : size_t(p) * ldb + j));
            sum += x * y;
          }
          expect = alpha * sum + beta * expect;
        }
        if (std::fabs(Get(out, co.c, at) - expect) > tol * (1 + std::sqrt(double(k)))) ++bad;
      }
    }
  }
  if (bad) {
    std::fprintf(stderr, "%s form %d op %d%d m=%d n=%d k=%d: %d wrong elements\n", co.name, int(form), int(ta), int(tb),
                 m, n, k, bad);
    ++g_failures;
  }
  cudaFree(da);
  cudaFree(db);
  cudaFree(dc);
  if (dpa) cudaFree(dpa), cudaFree(dpb), cudaFree(dpc);
}

}  // namespace

int main() {
  CUDA_OK(cudaSetDevice(0));
  CUDA_OK(cudaFree(nullptr));
  cublasHandle_t h = nullptr;
  BLAS_OK(cublasCreate_v2(&h));
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreate(&stream));
  BLAS_OK(cublasSetStream_v2(h, stream));
  BLAS_OK(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH));

  const Combo combos[] = {
      {CUDA_R_16F, CUDA_R_16F, CUBLAS_COMPUTE_16F, "f16xf16->f16 (16F)"},
      {CUDA_R_16F, CUDA_R_32F, CUBLAS_COMPUTE_32F, "f16xf16->f32 (32F)"},
      {CUDA_R_16F, CUDA_R_16F, CUBLAS_COMPUTE_32F, "f16xf16->f16 (32F)"},
      {CUDA_R_16BF, CUDA_R_16BF, CUBLAS_COMPUTE_32F, "bf16xbf16->bf16 (32F)"},
      {CUDA_R_16BF, CUDA_R_32F, CUBLAS_COMPUTE_32F, "bf16xbf16->f32 (32F)"},
      {CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F, "f32 (32F)"},
      {CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32, "f32 (32F_FAST_TF32)"},
      {CUDA_R_64F, CUDA_R_64F, CUBLAS_COMPUTE_64F, "f64 (64F)"},
  };
  const cublasOperation_t ops[] = {CUBLAS_OP_N, CUBLAS_OP_T};
  for (const Combo& co : combos) {
    for (Form form : {Form::kPlain, Form::kBatched, Form::kStrided}) {
      for (auto ta : ops)
        for (auto tb : ops) RunCase(h, co, form, ta, tb, 7, 5, 9);
    }
    RunCase(h, co, Form::kStrided, CUBLAS_OP_T, CUBLAS_OP_N, 33, 3, 65);
  }
  const Combo f32 = combos[5];
  for (Form form : {Form::kSgemm, Form::kSgemmBatched, Form::kSgemmStrided}) {
    for (auto ta : ops)
      for (auto tb : ops) RunCase(h, f32, form, ta, tb, 5, 11, 3);
  }
  CUDA_OK(cudaStreamSynchronize(stream));

  // Captured into a CUDA graph (ggml does this): nothing runs until the graph
  // is launched; each launch runs the GEMM again (beta = 1 accumulates).
  {
    const float ha[4] = {1, 2, 3, 4}, hb[4] = {5, 6, 7, 8}, zero[4] = {0, 0, 0, 0};
    float *ga, *gb, *gc;
    CUDA_OK(cudaMalloc(reinterpret_cast<void**>(&ga), sizeof ha));
    CUDA_OK(cudaMalloc(reinterpret_cast<void**>(&gb), sizeof hb));
    CUDA_OK(cudaMalloc(reinterpret_cast<void**>(&gc), sizeof zero));
    CUDA_OK(cudaMemcpy(ga, ha, sizeof ha, cudaMemcpyHostToDevice));
    CUDA_OK(cudaMemcpy(gb, hb, sizeof hb, cudaMemcpyHostToDevice));
    CUDA_OK(cudaMemcpy(gc, zero, sizeof zero, cudaMemcpyHostToDevice));
    float alpha = 1, beta = 1;
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    CUDA_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
    BLAS_OK(cublasSgemm_v2(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 2, &alpha, ga, 2, gb, 2, &beta, gc, 2));
    CUDA_OK(cudaStreamEndCapture(stream, &graph));
    float got[4] = {-1, -1, -1, -1};
    CUDA_OK(cudaMemcpy(got, gc, sizeof got, cudaMemcpyDeviceToHost));
    EXPECT(got[0] == 0 && got[3] == 0);
    CUDA_OK(cudaGraphInstantiate(&exec, graph, 0));
    CUDA_OK(cudaGraphLaunch(exec, stream));
    CUDA_OK(cudaGraphLaunch(exec, stream));
    CUDA_OK(cudaStreamSynchronize(stream));
    CUDA_OK(cudaMemcpy(got, gc, sizeof got, cudaMemcpyDeviceToHost));
    // A*B (column-major) = [[23, 31], [34, 46]]; twice.
    EXPECT(got[0] == 46 && got[1] == 68 && got[2] == 62 && got[3] == 92);
    CUDA_OK(cudaGraphExecDestroy(exec));
    CUDA_OK(cudaGraphDestroy(graph));
    cudaFree(ga);
    cudaFree(gb);
    cudaFree(gc);
  }

  // Bad handle: clear status, nothing sent.
  cublasHandle_t dead = nullptr;
  BLAS_OK(cublasCreate_v2(&dead));
  BLAS_OK(cublasDestroy_v2(dead));
  float one = 1;
  EXPECT(cublasSgemm_v2(dead, CUBLAS_OP_N, CUBLAS_OP_N, 1, 1, 1, &one, nullptr, 1, nullptr, 1, &one, nullptr, 1) ==
         CUBLAS_STATUS_NOT_INITIALIZED);

  // Bad pointer: the GEMM is posted; the server refuses it and the error
  // surfaces at the next synchronizing call. The server stays up.
  float* dx = nullptr;
  CUDA_OK(cudaMalloc(reinterpret_cast<void**>(&dx), 16 * sizeof(float)));
  BLAS_OK(cublasSgemm_v2(h, CUBLAS_OP_N, CUBLAS_OP_N, 4, 4, 4, &one, dx, 4, dx, 4, &one,
                         reinterpret_cast<float*>(0x10), 4));
  EXPECT(cudaStreamSynchronize(stream) != cudaSuccess);
  // Out of range inside an allocation (C needs 64 floats, the buffer has 16).
  BLAS_OK(cublasSgemm_v2(h, CUBLAS_OP_N, CUBLAS_OP_N, 8, 8, 2, &one, dx, 8, dx, 2, &one, dx, 8));
  EXPECT(cudaDeviceSynchronize() != cudaSuccess);
  int count = -1;
  EXPECT(cudaGetDeviceCount(&count) == cudaSuccess && count > 0);
  BLAS_OK(cublasDestroy_v2(h));
  if (g_failures) {
    std::fprintf(stderr, "%d failure(s)\n", g_failures);
    return 1;
  }
  std::printf("cublas gemm e2e: ok\n");
  return 0;
}
