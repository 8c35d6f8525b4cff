#include "libcublas/forward.h"

#include <string>

#include "server/backends/emu/blas/routine.h"

namespace vgpu::blas {

const VgpuSessionTable* Table() {
  static const VgpuSessionTable* table = [] {
    const void* t = nullptr;
    if (cuGetExportTable(&t, &kVgpuSessionTableId) != CUDA_SUCCESS) return static_cast<const VgpuSessionTable*>(nullptr);
    auto* st = static_cast<const VgpuSessionTable*>(t);
    return st->size >= sizeof(VgpuSessionTable) ? st : nullptr;
  }();
  return table;
}

cublasStatus_t FromCu(CUresult r) {
  switch (r) {
    case CUDA_SUCCESS: return CUBLAS_STATUS_SUCCESS;
    case CUDA_ERROR_INVALID_VALUE: return CUBLAS_STATUS_INVALID_VALUE;
    case CUDA_ERROR_NOT_INITIALIZED:
    case CUDA_ERROR_INVALID_CONTEXT:
    case CUDA_ERROR_NO_DEVICE: return CUBLAS_STATUS_NOT_INITIALIZED;
    case CUDA_ERROR_NOT_SUPPORTED: return CUBLAS_STATUS_NOT_SUPPORTED;
    case CUDA_ERROR_ILLEGAL_ADDRESS: return CUBLAS_STATUS_MAPPING_ERROR;
    default: return CUBLAS_STATUS_EXECUTION_FAILED;
  }
}

cublasStatus_t ServerHandle(cublasContext* h, const VgpuSessionTable* table, uint64_t* id) {
  if (h->id == 0) {
    uint64_t created = 0;
    cublasStatus_t st = FromCu(table->blas_create(&created));
    if (st != CUBLAS_STATUS_SUCCESS) return st;
    h->id = created;
  }
  *id = h->id;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t Forward(cublasHandle_t handle, VgpuBlasCall& call, void* result, size_t result_size) {
  cublasContext* h = Checked(handle);
  if (h == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  namespace eb = vgpu::emu::blas;
  eb::Routine r;
  r.op = static_cast<eb::Op>(call.op);
  r.type = static_cast<eb::DataType>(call.type);
  r.side = call.side, r.uplo = call.uplo, r.trans_a = call.trans_a, r.trans_b = call.trans_b, r.diag = call.diag;
  r.m = call.m, r.n = call.n, r.k = call.k;
  r.lda = call.lda, r.ldb = call.ldb, r.ldc = call.ldc;
  r.incx = call.incx, r.incy = call.incy;
  switch (eb::CheckRoutine(r, nullptr)) {
    case eb::GemmCheck::kOk: break;
    case eb::GemmCheck::kInvalidValue: return CUBLAS_STATUS_INVALID_VALUE;
    case eb::GemmCheck::kNotSupported: return CUBLAS_STATUS_NOT_SUPPORTED;
  }
  if (eb::Level(r.op) != 3) call.batch = 1;
  if (call.batch < 0) return CUBLAS_STATUS_INVALID_VALUE;
  const bool device_mode = h->pointer_mode == CUBLAS_POINTER_MODE_DEVICE;
  const size_t want = eb::ResultSize(r);
  if (want != 0) {
    if (result == nullptr || result_size != want) return CUBLAS_STATUS_INVALID_VALUE;
    if (!device_mode && eb::QuickReturn(r)) {
      std::memset(result, 0, result_size);
      return CUBLAS_STATUS_SUCCESS;
    }
  } else if (eb::QuickReturn(r) || call.batch == 0) {
    return CUBLAS_STATUS_SUCCESS;
  }
  const VgpuSessionTable* table = Table();
  if (table == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  cublasStatus_t st = ServerHandle(h, table, &call.handle);
  if (st != CUBLAS_STATUS_SUCCESS) return st;
  void* host_result = nullptr;
  if (want != 0) {
    if (device_mode) call.result = reinterpret_cast<uint64_t>(result);
    else host_result = result;
  }
  return FromCu(table->blas_call(&call, reinterpret_cast<CUstream>(h->stream), host_result, want));
}

}  // namespace vgpu::blas
