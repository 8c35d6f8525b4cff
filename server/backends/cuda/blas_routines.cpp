// BLAS-1/2/3 on the real GPU through the host's libcublas: each routine's S,
// D, C or Z entry point, found by name, on the session's stream. Scalars
// follow the handle's pointer mode; a host-mode level-1 result is written by
// libcublas into the reply's buffer (that call blocks until the GPU has the
// result, as cuBLAS's host pointer mode does). Strided trsm has no cuBLAS
// form and runs as one trsm per entry. Compile-tested only without a GPU.
#include <cublas_api.h>
#include <dlfcn.h>

#include <map>
#include <mutex>
#include <string>

#include "server/backends/cuda/context.h"

namespace vgpu::backend::cuda {
namespace {

namespace eb = vgpu::emu::blas;

// The host libcublas's entry point `name` (dlopen as blas.cpp's Library()).
void* Symbol(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, void*> cache;
  static void* lib = [] {
    for (const char* so : {"libcublas.so.13", "libcublas.so.12"}) {
      if (void* l = dlopen(so, RTLD_NOW | RTLD_LOCAL)) return l;
    }
    return static_cast<void*>(nullptr);
  }();
  if (lib == nullptr) return nullptr;
  std::lock_guard lock(mu);
  auto [it, inserted] = cache.emplace(name, nullptr);
  if (inserted) it->second = dlsym(lib, name.c_str());
  return it->second;
}

template <typename Fn>
Result<Fn> Find(const std::string& name) {
  void* p = Symbol(name);
  if (p == nullptr) return Status(Code::kNotSupported, "the host's libcublas has no " + name);
  return reinterpret_cast<Fn>(p);
}

Status FromBlas(cublasStatus_t s, const std::string& call) {
  if (s == CUBLAS_STATUS_SUCCESS) return Status();
  const Code code = s == CUBLAS_STATUS_INVALID_VALUE   ? Code::kInvalidValue
                    : s == CUBLAS_STATUS_NOT_SUPPORTED ? Code::kNotSupported
                                                       : Code::kLaunchFailed;
  return Status(code, call + " failed with cuBLAS status " + std::to_string(static_cast<int>(s)));
}

const char* Prefix(eb::DataType t) {
  switch (t) {
    case eb::DataType::kF32: return "S";
    case eb::DataType::kF64: return "D";
    case eb::DataType::kC32: return "C";
    default: return "Z";
  }
}
// nrm2/asum names: Snrm2, Dnrm2, Scnrm2, Dznrm2.
const char* NormPrefix(eb::DataType t) {
  switch (t) {
    case eb::DataType::kF32: return "S";
    case eb::DataType::kF64: return "D";
    case eb::DataType::kC32: return "Sc";
    default: return "Dz";
  }
}
const char* LowerPrefix(eb::DataType t) {
  switch (t) {
    case eb::DataType::kF32: return "s";
    case eb::DataType::kF64: return "d";
    case eb::DataType::kC32: return "c";
    default: return "z";
  }
}

void* Ptr(DevicePtr p) { return reinterpret_cast<void*>(static_cast<uintptr_t>(p)); }

using H = cublasHandle_t;
using Op = cublasOperation_t;

Status Level1(H h, const backend::BlasCall& c, const void* alpha, void* result) {
  const eb::Routine& r = c.routine;
  const int n = int(r.n), incx = int(r.incx), incy = int(r.incy);
  const std::string p = Prefix(r.type);
  void* x = Ptr(c.x);
  void* y = Ptr(c.y);
  switch (r.op) {
    case eb::Op::kAxpy: {
      const std::string name = "cublas" + p + "axpy_v2";
      VGPU_ASSIGN_OR_RETURN(auto fn, (Find<cublasStatus_t (*)(H, int, const void*, const void*, int, void*, int)>(name)));
      return FromBlas(fn(h, n, alpha, x, incx, y, incy), name);
    }
    case eb::Op::kScal:
    case eb::Op::kScalReal: {
      const std::string name =
          "cublas" + (r.op == eb::Op::kScal ? p : std::string(r.type == eb::DataType::kC32 ? "Cs" : "Zd")) + "scal_v2";
      VGPU_ASSIGN_OR_RETURN(auto fn, (Find<cublasStatus_t (*)(H, int, const void*, void*, int)>(name)));
      return FromBlas(fn(h, n, alpha, x, incx), name);
    }
    case eb::Op::kCopy:
    case eb::Op::kSwap: {
      const std::string name = "cublas" + p + (r.op == eb::Op::kCopy ? "copy_v2" : "swap_v2");
      VGPU_ASSIGN_OR_RETURN(auto fn, (Find<cublasStatus_t (*)(H, int, void*, int, void*, int)>(name)));
      return FromBlas(fn(h, n, x, incx, y, incy), name);
    }
    case eb::Op::kDot:
    case eb::Op::kDotc: {
      const bool complex = eb::IsComplex(r.type);
      const std::string name = "cublas" + p + (complex ? (r.op == eb::Op::kDotc ? "dotc_v2" : "dotu_v2") : "dot_v2");
      VGPU_ASSIGN_OR_RETURN(auto fn,
                            (Find<cublasStatus_t (*)(H, int, const void*, int, const void*, int, void*)>(name)));
      return FromBlas(fn(h, n, x, incx, y, incy, result), name);
    }
    case eb::Op::kNrm2:
    case eb::Op::kAsum: {
      const std::string name = std::string("cublas") + NormPrefix(r.type) + (r.op == eb::Op::kNrm2 ? "nrm2_v2" : "asum_v2");
      VGPU_ASSIGN_OR_RETURN(auto fn, (Find<cublasStatus_t (*)(H, int, const void*, int, void*)>(name)));
      return FromBlas(fn(h, n, x, incx, result), name);
    }
    case eb::Op::kIamax:
    case eb::Op::kIamin: {
      const std::string name =
          std::string("cublasI") + LowerPrefix(r.type) + (r.op == eb::Op::kIamax ? "amax_v2" : "amin_v2");
      VGPU_ASSIGN_OR_RETURN(auto fn, (Find<cublasStatus_t (*)(H, int, const void*, int, void*)>(name)));
      return FromBlas(fn(h, n, x, incx, result), name);
    }
    default: return InvalidValue("not a level-1 routine");
  }
}

Status Level2(H h, const backend::BlasCall& c, const void* alpha, const void* beta) {
  const eb::Routine& r = c.routine;
  const std::string p = Prefix(r.type);
  const int m = int(r.m), n = int(r.n), lda = int(r.lda), incx = int(r.incx), incy = int(r.incy);
  if (r.op == eb::Op::kGemv) {
    const std::string name = "cublas" + p + "gemv_v2";
    VGPU_ASSIGN_OR_RETURN(auto fn, (Find<cublasStatus_t (*)(H, Op, int, int, const void*, const void*, int,
                                                              const void*, int, const void*, void*, int)>(name)));
    return FromBlas(fn(h, static_cast<Op>(r.trans_a), m, n, alpha, Ptr(c.a), lda, Ptr(c.x), incx, beta, Ptr(c.y), incy),
                    name);
  }
  const bool complex = eb::IsComplex(r.type);
  const std::string name = "cublas" + p + (complex ? (r.op == eb::Op::kGerc ? "gerc_v2" : "geru_v2") : "ger_v2");
  VGPU_ASSIGN_OR_RETURN(auto fn, (Find<cublasStatus_t (*)(H, int, int, const void*, const void*, int, const void*,
                                                            int, void*, int)>(name)));
  return FromBlas(fn(h, m, n, alpha, Ptr(c.x), incx, Ptr(c.y), incy, Ptr(c.a), lda), name);
}

Status Level3(H h, const backend::BlasCall& c, const void* alpha, const void* beta) {
  const eb::Routine& r = c.routine;
  const std::string p = Prefix(r.type);
  const int m = int(r.m), n = int(r.n), k = int(r.k), lda = int(r.lda), ldb = int(r.ldb), ldc = int(r.ldc);
  const int batch = int(c.batch);
  const size_t es = eb::ElementSize(r.type);
  const auto ta = static_cast<Op>(r.trans_a), tb = static_cast<Op>(r.trans_b);
  const auto side = static_cast<cublasSideMode_t>(r.side);
  const auto uplo = static_cast<cublasFillMode_t>(r.uplo);
  const auto diag = static_cast<cublasDiagType_t>(r.diag);
  switch (r.op) {
    case eb::Op::kGemm: {
      if (c.pointer_arrays) {
        const std::string name = "cublas" + p + "gemmBatched";
        VGPU_ASSIGN_OR_RETURN(auto fn, (Find<cublasStatus_t (*)(H, Op, Op, int, int, int, const void*, const void*,
                                                                  int, const void*, int, const void*, void*, int, int)>(name)));
        return FromBlas(fn(h, ta, tb, m, n, k, alpha, Ptr(c.a), lda, Ptr(c.b), ldb, beta, Ptr(c.c), ldc, batch), name);
      }
      if (batch != 1) {
        const std::string name = "cublas" + p + "gemmStridedBatched";
        VGPU_ASSIGN_OR_RETURN(auto fn,
                              (Find<cublasStatus_t (*)(H, Op, Op, int, int, int, const void*, const void*, int,
                                                       long long, const void*, int, long long, const void*, void*, int,
                                                       long long, int)>(name)));
        return FromBlas(fn(h, ta, tb, m, n, k, alpha, Ptr(c.a), lda, c.stride_a, Ptr(c.b), ldb, c.stride_b, beta,
                           Ptr(c.c), ldc, c.stride_c, batch),
                        name);
      }
      const std::string name = "cublas" + p + "gemm_v2";
      VGPU_ASSIGN_OR_RETURN(auto fn, (Find<cublasStatus_t (*)(H, Op, Op, int, int, int, const void*, const void*, int,
                                                                const void*, int, const void*, void*, int)>(name)));
      return FromBlas(fn(h, ta, tb, m, n, k, alpha, Ptr(c.a), lda, Ptr(c.b), ldb, beta, Ptr(c.c), ldc), name);
    }
    case eb::Op::kSymm: {
      const std::string name = "cublas" + p + "symm_v2";
      VGPU_ASSIGN_OR_RETURN(auto fn, (Find<cublasStatus_t (*)(H, cublasSideMode_t, cublasFillMode_t, int, int,
                                                                const void*, const void*, int, const void*, int,
                                                                const void*, void*, int)>(name)));
      for (int i = 0; i < batch; ++i) {
        VGPU_RETURN_IF_ERROR(FromBlas(fn(h, side, uplo, m, n, alpha, Ptr(c.a + i * c.stride_a * es), lda,
                                         Ptr(c.b + i * c.stride_b * es), ldb, beta, Ptr(c.c + i * c.stride_c * es), ldc),
                                      name));
      }
      return Status();
    }
    case eb::Op::kSyrk: {
      const std::string name = "cublas" + p + "syrk_v2";
      VGPU_ASSIGN_OR_RETURN(auto fn, (Find<cublasStatus_t (*)(H, cublasFillMode_t, Op, int, int, const void*,
                                                                const void*, int, const void*, void*, int)>(name)));
      for (int i = 0; i < batch; ++i) {
        VGPU_RETURN_IF_ERROR(FromBlas(fn(h, uplo, ta, n, k, alpha, Ptr(c.a + i * c.stride_a * es), lda, beta,
                                         Ptr(c.c + i * c.stride_c * es), ldc),
                                      name));
      }
      return Status();
    }
    case eb::Op::kTrsm: {
      if (c.pointer_arrays) {
        const std::string name = "cublas" + p + "trsmBatched";
        VGPU_ASSIGN_OR_RETURN(auto fn, (Find<cublasStatus_t (*)(H, cublasSideMode_t, cublasFillMode_t, Op,
                                                                  cublasDiagType_t, int, int, const void*, const void*,
                                                                  int, void*, int, int)>(name)));
        return FromBlas(fn(h, side, uplo, ta, diag, m, n, alpha, Ptr(c.a), lda, Ptr(c.b), ldb, batch), name);
      }
      const std::string name = "cublas" + p + "trsm_v2";
      VGPU_ASSIGN_OR_RETURN(auto fn, (Find<cublasStatus_t (*)(H, cublasSideMode_t, cublasFillMode_t, Op,
                                                                cublasDiagType_t, int, int, const void*, const void*,
                                                                int, void*, int)>(name)));
      for (int i = 0; i < batch; ++i) {
        VGPU_RETURN_IF_ERROR(FromBlas(fn(h, side, uplo, ta, diag, m, n, alpha, Ptr(c.a + i * c.stride_a * es), lda,
                                         Ptr(c.b + i * c.stride_b * es), ldb),
                                      name));
      }
      return Status();
    }
    default: return InvalidValue("not a level-3 routine");
  }
}

}  // namespace

Status CudaContext::BlasRun(uint64_t handle, const backend::BlasCall& call, Handle stream, std::string* host_result) {
  const eb::Routine& r = call.routine;
  for (int64_t v : {r.m, r.n, r.k, r.lda, r.ldb, r.ldc, r.incx, r.incy, call.batch}) {
    if (v > INT32_MAX || v < -INT32_MAX) return InvalidValue("BLAS dimensions exceed 32 bits");
  }
  const bool device_scalars = call.alpha.device != 0 || call.beta.device != 0 || call.result != 0;
  VGPU_ASSIGN_OR_RETURN(void* raw, BlasHandle(handle, stream, device_scalars));
  auto* h = static_cast<cublasHandle_t>(raw);
  const void* alpha = call.alpha.device ? Ptr(call.alpha.device) : static_cast<const void*>(call.alpha.value);
  const void* beta = call.beta.device ? Ptr(call.beta.device) : static_cast<const void*>(call.beta.value);
  void* result = nullptr;
  if (eb::ResultSize(r) != 0) {
    if (call.result != 0) {
      result = Ptr(call.result);
    } else if (host_result != nullptr) {
      host_result->assign(eb::ResultSize(r), '\0');
      result = host_result->data();
    }
  }
  switch (eb::Level(r.op)) {
    case 1: return Level1(h, call, alpha, result);
    case 2: return Level2(h, call, alpha, beta);
    case 3: return Level3(h, call, alpha, beta);
    default: return InvalidValue("unknown BLAS routine");
  }
}

}  // namespace vgpu::backend::cuda
