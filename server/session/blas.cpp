// cuBLAS calls: handles are client-minted ids, each bound to the context it
// was created in; every range a GEMM names is checked against the session's
// allocations before the backend runs it.
#include "server/backends/emu/blas/gemm.h"
#include "server/session/session.h"

namespace vgpu::server {

Status Session::BlasCreate(const wire::BlasCreate& op, Outcome& out) {
  VGPU_RETURN_IF_ERROR(Context(op.ctx(), out).status());
  if (op.handle() == 0 || blas_handles_.count(op.handle())) return Status(Code::kInvalidHandle, "cuBLAS handle id in use");
  blas_handles_[op.handle()] = op.ctx();
  return Status();
}

Status Session::BlasDestroy(const wire::BlasDestroy& op, Outcome& out) {
  auto it = blas_handles_.find(op.handle());
  if (it == blas_handles_.end()) return Status(Code::kInvalidHandle, "no such cuBLAS handle");
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(it->second, out));
  blas_handles_.erase(it);
  return state->ctx->BlasDestroy(op.handle());
}

Status Session::BlasGemm(const wire::BlasGemm& op, Outcome& out) {
  auto it = blas_handles_.find(op.handle());
  if (it == blas_handles_.end()) return Status(Code::kInvalidHandle, "no such cuBLAS handle");
  if (it->second != op.ctx()) return Status(Code::kInvalidContext, "the cuBLAS handle belongs to another context");
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle stream, Stream(*state, op.stream()));
  namespace eb = vgpu::emu::blas;
  eb::GemmShape s;
  s.trans_a = op.trans_a(), s.trans_b = op.trans_b();
  s.m = op.m(), s.n = op.n(), s.k = op.k();
  s.a_type = static_cast<eb::DataType>(op.a_type());
  s.b_type = static_cast<eb::DataType>(op.b_type());
  s.c_type = static_cast<eb::DataType>(op.c_type());
  s.compute = static_cast<eb::ComputeType>(op.compute());
  s.lda = op.lda(), s.ldb = op.ldb(), s.ldc = op.ldc();
  std::string why;
  switch (eb::CheckGemm(s, &why)) {
    case eb::GemmCheck::kOk: break;
    case eb::GemmCheck::kInvalidValue: return InvalidValue("gemm: " + why);
    case eb::GemmCheck::kNotSupported: return Status(Code::kNotSupported, "gemm: " + why);
  }
  if (op.batch() < 0 || op.batch() > (int64_t{1} << 24)) return InvalidValue("gemm: bad batch count");
  const uint64_t ea = eb::ExtentA(s), eb_ = eb::ExtentB(s), ec = eb::ExtentC(s);
  if (op.pointer_arrays()) {
    const uint64_t bytes = static_cast<uint64_t>(op.batch()) * 8;
    for (uint64_t p : {op.a(), op.b(), op.c()}) VGPU_RETURN_IF_ERROR(allocations_.Check(p, bytes));
    // Each pointer in the arrays is checked by the backend as it reads it.
  } else {
    const int64_t limit = int64_t{1} << 40;
    for (int64_t stride : {op.stride_a(), op.stride_b(), op.stride_c()}) {
      if (stride < 0 || stride > limit) return InvalidValue("gemm: bad batch stride");
    }
    for (int64_t i = 0; i < op.batch(); ++i) {
      if (ea) VGPU_RETURN_IF_ERROR(allocations_.Check(op.a() + uint64_t(i * op.stride_a()) * eb::ElementSize(s.a_type), ea));
      if (eb_) VGPU_RETURN_IF_ERROR(allocations_.Check(op.b() + uint64_t(i * op.stride_b()) * eb::ElementSize(s.b_type), eb_));
      if (ec) VGPU_RETURN_IF_ERROR(allocations_.Check(op.c() + uint64_t(i * op.stride_c()) * eb::ElementSize(s.c_type), ec));
    }
  }
  backend::BlasGemm g;
  g.trans_a = op.trans_a(), g.trans_b = op.trans_b();
  g.m = op.m(), g.n = op.n(), g.k = op.k();
  g.alpha = op.alpha(), g.beta = op.beta();
  g.a = op.a(), g.b = op.b(), g.c = op.c();
  g.a_type = op.a_type(), g.b_type = op.b_type(), g.c_type = op.c_type(), g.compute = op.compute();
  g.lda = op.lda(), g.ldb = op.ldb(), g.ldc = op.ldc();
  g.batch = op.batch();
  g.pointer_arrays = op.pointer_arrays();
  g.stride_a = op.stride_a(), g.stride_b = op.stride_b(), g.stride_c = op.stride_c();
  return state->ctx->BlasGemm(op.handle(), g, stream);
}

}  // namespace vgpu::server
