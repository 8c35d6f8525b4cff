// Fills vgpu's session table (libcuda/session_table.h) for libcublas.
#include "libcuda/session_table.h"

#include "libcuda/entry.h"
#include "libcuda/export_tables.h"
#include "libcuda/objects.h"
#include "libcuda/session.h"

namespace vgpu::cu {
namespace {

// Handle id -> context id of handles this process created.
std::mutex g_blas_mu;
std::map<uint64_t, uint64_t>& BlasHandles() {
  static auto* handles = new std::map<uint64_t, uint64_t>();
  return *handles;
}

CUresult BlasCreate(uint64_t* handle) {
  return Enter("vgpu_blas_create", [&]() -> Status {
    if (handle == nullptr) return InvalidValue("null handle");
    VGPU_RETURN_IF_ERROR(Session::Init());
    VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
    VGPU_ASSIGN_OR_RETURN(CUctx_st * ctx, CurrentContext());
    const uint64_t id = Objects::Get().MintId();
    wire::Call call;
    auto* op = call.mutable_blas_create();
    op->set_ctx(ctx->id);
    op->set_handle(id);
    VGPU_RETURN_IF_ERROR(session->Post(std::move(call)));
    {
      std::lock_guard lock(g_blas_mu);
      BlasHandles()[id] = ctx->id;
    }
    *handle = id;
    return Status();
  });
}

CUresult BlasDestroy(uint64_t handle) {
  return Enter("vgpu_blas_destroy", [&]() -> Status {
    VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
    uint64_t ctx = 0;
    {
      std::lock_guard lock(g_blas_mu);
      auto it = BlasHandles().find(handle);
      if (it == BlasHandles().end()) return Status(Code::kInvalidHandle, "no such cuBLAS handle");
      ctx = it->second;
      BlasHandles().erase(it);
    }
    wire::Call call;
    auto* op = call.mutable_blas_destroy();
    op->set_ctx(ctx);
    op->set_handle(handle);
    return session->Post(std::move(call));
  });
}

CUresult BlasGemmCall(const VgpuBlasGemm* g, CUstream stream) {
  return Enter("vgpu_blas_gemm", [&]() -> Status {
    if (g == nullptr) return InvalidValue("null gemm");
    VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
    VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(stream, false));
    wire::Call call;
    auto* op = call.mutable_blas_gemm();
    op->set_ctx(target.ctx->id);
    op->set_stream(target.stream);
    op->set_handle(g->handle);
    op->set_trans_a(g->trans_a != 0);
    op->set_trans_b(g->trans_b != 0);
    op->set_m(g->m);
    op->set_n(g->n);
    op->set_k(g->k);
    op->set_alpha(g->alpha);
    op->set_beta(g->beta);
    op->set_a(g->a);
    op->set_b(g->b);
    op->set_c(g->c);
    op->set_a_type(g->a_type);
    op->set_b_type(g->b_type);
    op->set_c_type(g->c_type);
    op->set_compute(g->compute);
    op->set_lda(g->lda);
    op->set_ldb(g->ldb);
    op->set_ldc(g->ldc);
    op->set_batch(g->batch);
    op->set_pointer_arrays(g->pointer_arrays != 0);
    op->set_stride_a(g->stride_a);
    op->set_stride_b(g->stride_b);
    op->set_stride_c(g->stride_c);
    return Submit(session, target, GraphOp{.call = std::move(call)});
  });
}

const VgpuSessionTable kTable = {sizeof(VgpuSessionTable), BlasCreate, BlasDestroy, BlasGemmCall};
const ExportTableRegistration kRegistration(kVgpuSessionTableId, &kTable);

}  // namespace
}  // namespace vgpu::cu
