// cuBLAS on the real GPU: the host's libcublas (dlopened on first use, .13
// then .12), one real handle per client handle, each call on the session's
// stream; the handle's pointer mode follows each call (host-mode scalars by
// value, device-mode scalars and results stay on the device). Without
// libcublas every call fails with a clear error; the server itself never
// needs it to start. Compile-tested only where no GPU was available.
#include <cublas_api.h>
#include <cuda_fp16.h>
#include <dlfcn.h>

#include <mutex>

#include "server/backends/cuda/context.h"

namespace vgpu::backend::cuda {
namespace {

struct Cublas {
  void* lib = nullptr;
  std::string error;
  decltype(&cublasCreate_v2) create = nullptr;
  decltype(&cublasDestroy_v2) destroy = nullptr;
  decltype(&cublasSetStream_v2) set_stream = nullptr;
  decltype(&cublasSetPointerMode_v2) set_pointer_mode = nullptr;
  cublasStatus_t (*gemm_ex)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int, const void*,
                            const void*, cudaDataType, int, const void*, cudaDataType, int, const void*, void*,
                            cudaDataType, int, cublasComputeType_t, cublasGemmAlgo_t) = nullptr;
  cublasStatus_t (*gemm_batched_ex)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int, const void*,
                                    const void* const[], cudaDataType, int, const void* const[], cudaDataType, int,
                                    const void*, void* const[], cudaDataType, int, int, cublasComputeType_t,
                                    cublasGemmAlgo_t) = nullptr;
  cublasStatus_t (*gemm_strided_ex)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int, const void*,
                                    const void*, cudaDataType, int, long long, const void*, cudaDataType, int,
                                    long long, const void*, void*, cudaDataType, int, long long, int,
                                    cublasComputeType_t, cublasGemmAlgo_t) = nullptr;
};

const Cublas& Library() {
  static Cublas c;
  static std::once_flag once;
  std::call_once(once, [] {
    for (const char* name : {"libcublas.so.13", "libcublas.so.12"}) {
      c.lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
      if (c.lib) break;
    }
    if (c.lib == nullptr) {
      c.error = "the host has no libcublas.so.13 or libcublas.so.12 (install cuBLAS next to the driver)";
      return;
    }
    c.create = reinterpret_cast<decltype(c.create)>(dlsym(c.lib, "cublasCreate_v2"));
    c.destroy = reinterpret_cast<decltype(c.destroy)>(dlsym(c.lib, "cublasDestroy_v2"));
    c.set_stream = reinterpret_cast<decltype(c.set_stream)>(dlsym(c.lib, "cublasSetStream_v2"));
    c.set_pointer_mode = reinterpret_cast<decltype(c.set_pointer_mode)>(dlsym(c.lib, "cublasSetPointerMode_v2"));
    c.gemm_ex = reinterpret_cast<decltype(c.gemm_ex)>(dlsym(c.lib, "cublasGemmEx"));
    c.gemm_batched_ex = reinterpret_cast<decltype(c.gemm_batched_ex)>(dlsym(c.lib, "cublasGemmBatchedEx"));
    c.gemm_strided_ex = reinterpret_cast<decltype(c.gemm_strided_ex)>(dlsym(c.lib, "cublasGemmStridedBatchedEx"));
    if (!c.create || !c.destroy || !c.set_stream || !c.set_pointer_mode || !c.gemm_ex || !c.gemm_batched_ex || !c.gemm_strided_ex) {
      c.error = "the host's libcublas lacks a function vgpu needs";
      c.lib = nullptr;
    }
  });
  return c;
}

Status FromBlas(cublasStatus_t s, const char* call) {
  if (s == CUBLAS_STATUS_SUCCESS) return Status();
  const Code code = s == CUBLAS_STATUS_INVALID_VALUE   ? Code::kInvalidValue
                    : s == CUBLAS_STATUS_NOT_SUPPORTED ? Code::kNotSupported
                                                       : Code::kLaunchFailed;
  return Status(code, std::string(call) + " failed with cuBLAS status " + std::to_string(static_cast<int>(s)));
}

// Host-mode scalar in the compute type's width.
union Scalar {
  __half h;
  float f;
  double d;
};
Scalar ToScalar(double v, int32_t compute) {
  Scalar s;
  if (compute == CUBLAS_COMPUTE_16F || compute == CUBLAS_COMPUTE_16F_PEDANTIC) s.h = __float2half(static_cast<float>(v));
  else if (compute == CUBLAS_COMPUTE_64F || compute == CUBLAS_COMPUTE_64F_PEDANTIC) s.d = v;
  else s.f = static_cast<float>(v);
  return s;
}

}  // namespace

CudaContext::~CudaContext() {
  if (blas_handles_.empty()) return;
  if (!Enter().ok()) return;
  for (auto& [id, handle] : blas_handles_) Library().destroy(static_cast<cublasHandle_t>(handle));
}

Status CudaContext::BlasDestroy(uint64_t handle) {
  auto it = blas_handles_.find(handle);
  if (it == blas_handles_.end()) return Status();  // never used: no real handle
  VGPU_RETURN_IF_ERROR(Enter());
  cublasStatus_t s = Library().destroy(static_cast<cublasHandle_t>(it->second));
  blas_handles_.erase(it);
  return FromBlas(s, "cublasDestroy_v2");
}

Result<void*> CudaContext::BlasHandle(uint64_t handle, Handle stream, bool device_pointers) {
  const Cublas& lib = Library();
  if (lib.lib == nullptr) return Status(Code::kNotSupported, lib.error);
  VGPU_RETURN_IF_ERROR(Enter());
  auto it = blas_handles_.find(handle);
  if (it == blas_handles_.end()) {
    cublasHandle_t h = nullptr;
    VGPU_RETURN_IF_ERROR(FromBlas(lib.create(&h), "cublasCreate_v2"));
    it = blas_handles_.emplace(handle, h).first;
  }
  auto* h = static_cast<cublasHandle_t>(it->second);
  VGPU_RETURN_IF_ERROR(FromBlas(lib.set_stream(h, reinterpret_cast<cudaStream_t>(ToStream(stream))), "cublasSetStream_v2"));
  VGPU_RETURN_IF_ERROR(FromBlas(
      lib.set_pointer_mode(h, device_pointers ? CUBLAS_POINTER_MODE_DEVICE : CUBLAS_POINTER_MODE_HOST),
      "cublasSetPointerMode_v2"));
  return static_cast<void*>(h);
}

Status CudaContext::BlasGemm(uint64_t handle, const backend::BlasGemm& g, Handle stream) {
  const Cublas& lib = Library();
  VGPU_ASSIGN_OR_RETURN(void* raw, BlasHandle(handle, stream, g.alpha_ptr != 0));
  auto* h = static_cast<cublasHandle_t>(raw);
  VGPU_RETURN_IF_ERROR(FromBlas(lib.set_stream(h, reinterpret_cast<cudaStream_t>(ToStream(stream))), "cublasSetStream_v2"));
  const int32_t limit = INT32_MAX;
  if (g.m > limit || g.n > limit || g.k > limit || g.lda > limit || g.ldb > limit || g.ldc > limit || g.batch > limit) {
    return InvalidValue("gemm dimensions exceed 32 bits");
  }
  const Scalar host_alpha = ToScalar(g.alpha, g.compute), host_beta = ToScalar(g.beta, g.compute);
  const void* alpha = g.alpha_ptr ? reinterpret_cast<const void*>(g.alpha_ptr) : &host_alpha;
  const void* beta = g.beta_ptr ? reinterpret_cast<const void*>(g.beta_ptr) : &host_beta;
  const auto ta = g.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, tb = g.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const auto at = static_cast<cudaDataType>(g.a_type), bt = static_cast<cudaDataType>(g.b_type),
             ct = static_cast<cudaDataType>(g.c_type);
  const auto compute = static_cast<cublasComputeType_t>(g.compute);
  const int m = int(g.m), n = int(g.n), k = int(g.k), lda = int(g.lda), ldb = int(g.ldb), ldc = int(g.ldc);
  auto* a = reinterpret_cast<void*>(static_cast<uintptr_t>(g.a));
  auto* b = reinterpret_cast<void*>(static_cast<uintptr_t>(g.b));
  auto* c = reinterpret_cast<void*>(static_cast<uintptr_t>(g.c));
  if (g.pointer_arrays) {
    // The arrays are device memory on the real GPU too.
    return FromBlas(lib.gemm_batched_ex(h, ta, tb, m, n, k, alpha, static_cast<const void* const*>(a), at, lda,
                                        static_cast<const void* const*>(b), bt, ldb, beta,
                                        static_cast<void* const*>(c), ct, ldc, int(g.batch), compute,
                                        CUBLAS_GEMM_DEFAULT),
                    "cublasGemmBatchedEx");
  }
  if (g.batch == 1) {
    return FromBlas(lib.gemm_ex(h, ta, tb, m, n, k, alpha, a, at, lda, b, bt, ldb, beta, c, ct, ldc, compute,
                                CUBLAS_GEMM_DEFAULT),
                    "cublasGemmEx");
  }
  return FromBlas(lib.gemm_strided_ex(h, ta, tb, m, n, k, alpha, a, at, lda, g.stride_a, b, bt, ldb, g.stride_b,
                                      beta, c, ct, ldc, g.stride_c, int(g.batch), compute, CUBLAS_GEMM_DEFAULT),
                  "cublasGemmStridedBatchedEx");
}

}  // namespace vgpu::backend::cuda
