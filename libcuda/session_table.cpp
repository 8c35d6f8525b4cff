// Fills vgpu's session table (libcuda/session_table.h) for libcublas.
#include "libcuda/session_table.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "proto/protocol.h"

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
    op->set_alpha_ptr(g->alpha_ptr);
    op->set_beta_ptr(g->beta_ptr);
    return Submit(session, target, GraphOp{.call = std::move(call)});
  });
}

static_assert(int(VGPU_BLAS_AXPY) == int(wire::BLAS_AXPY) && int(VGPU_BLAS_ASUM) == int(wire::BLAS_ASUM) &&
                  int(VGPU_BLAS_GEMV) == int(wire::BLAS_GEMV) && int(VGPU_BLAS_GERC) == int(wire::BLAS_GERC) &&
                  int(VGPU_BLAS_GEMM) == int(wire::BLAS_GEMM) && int(VGPU_BLAS_TRSM) == int(wire::BLAS_TRSM),
              "session_table.h's routine numbers are proto/vgpu.proto's BlasRoutine");

void SetScalar(wire::BlasScalar* out, const VgpuBlasScalar& in) {
  if (in.size == 0) {
    out->set_device(in.device);
  } else {
    out->set_value(in.value, std::min<size_t>(in.size, sizeof(in.value)));
  }
}

// The wire message of one routine; the level follows from the routine number.
Result<wire::Call> BlasMessage(const VgpuBlasCall& c, const StreamTarget& target) {
  wire::Call call;
  if (c.op >= VGPU_BLAS_AXPY && c.op <= VGPU_BLAS_ASUM) {
    auto* op = call.mutable_blas_level1();
    op->set_ctx(target.ctx->id);
    op->set_stream(target.stream);
    op->set_handle(c.handle);
    op->set_op(static_cast<wire::BlasRoutine>(c.op));
    op->set_type(c.type);
    op->set_n(c.n);
    SetScalar(op->mutable_alpha(), c.alpha);
    op->set_x(c.x);
    op->set_incx(c.incx);
    op->set_y(c.y);
    op->set_incy(c.incy);
    op->set_result(c.result);
  } else if (c.op >= VGPU_BLAS_GEMV && c.op <= VGPU_BLAS_GERC) {
    auto* op = call.mutable_blas_level2();
    op->set_ctx(target.ctx->id);
    op->set_stream(target.stream);
    op->set_handle(c.handle);
    op->set_op(static_cast<wire::BlasRoutine>(c.op));
    op->set_type(c.type);
    op->set_trans(c.trans_a);
    op->set_m(c.m);
    op->set_n(c.n);
    SetScalar(op->mutable_alpha(), c.alpha);
    SetScalar(op->mutable_beta(), c.beta);
    op->set_a(c.a);
    op->set_lda(c.lda);
    op->set_x(c.x);
    op->set_incx(c.incx);
    op->set_y(c.y);
    op->set_incy(c.incy);
  } else if (c.op >= VGPU_BLAS_GEMM && c.op <= VGPU_BLAS_TRSM) {
    auto* op = call.mutable_blas_level3();
    op->set_ctx(target.ctx->id);
    op->set_stream(target.stream);
    op->set_handle(c.handle);
    op->set_op(static_cast<wire::BlasRoutine>(c.op));
    op->set_type(c.type);
    op->set_side(c.side);
    op->set_uplo(c.uplo);
    op->set_trans_a(c.trans_a);
    op->set_trans_b(c.trans_b);
    op->set_diag(c.diag);
    op->set_m(c.m);
    op->set_n(c.n);
    op->set_k(c.k);
    SetScalar(op->mutable_alpha(), c.alpha);
    SetScalar(op->mutable_beta(), c.beta);
    op->set_a(c.a);
    op->set_lda(c.lda);
    op->set_b(c.b);
    op->set_ldb(c.ldb);
    op->set_c(c.c);
    op->set_ldc(c.ldc);
    op->set_batch(c.batch);
    op->set_pointer_arrays(c.pointer_arrays != 0);
    op->set_stride_a(c.stride_a);
    op->set_stride_b(c.stride_b);
    op->set_stride_c(c.stride_c);
  } else {
    return InvalidValue("unknown BLAS routine " + std::to_string(c.op));
  }
  return call;
}

CUresult BlasCallEntry(const VgpuBlasCall* c, CUstream stream, void* host_result, size_t result_size) {
  return Enter("vgpu_blas_call", [&]() -> Status {
    if (c == nullptr) return InvalidValue("null BLAS call");
    VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
    VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(stream, false));
    VGPU_ASSIGN_OR_RETURN(wire::Call call, BlasMessage(*c, target));
    if (host_result == nullptr) return Submit(session, target, GraphOp{.call = std::move(call)});
    // A result in host memory: the caller waits for it, as cuBLAS does.
    VGPU_RETURN_IF_ERROR(ForbidWhileCapturing(target));
    // It reads the stream's data (fence waits first) and proves the stream done.
    VGPU_ASSIGN_OR_RETURN(auto reply, CallProvingStream(session, target, std::move(call)));
    const std::string& value = reply->blas_level1().value();
    if (value.size() != result_size) return Status(Code::kUnknown, "BLAS result of the wrong size");
    std::memcpy(host_result, value.data(), result_size);
    return Status();
  });
}

// The tiles one strided copy is cut into so each message stays under a chunk:
// `row_block` rows by `col_block` columns.
struct Tiles {
  int64_t row_block = 0, col_block = 0;
};
Result<Tiles> CopyTiles(int64_t rows, int64_t cols, int64_t elem_size, int64_t lda, int64_t ldb) {
  if (rows < 0 || cols < 0 || elem_size <= 0 || elem_size > 1024) return InvalidValue("bad rows, cols or elemSize");
  if (lda < std::max<int64_t>(1, rows) || ldb < std::max<int64_t>(1, rows)) return InvalidValue("bad leading dimension");
  const int64_t limit = int64_t{1} << 32;
  if (rows > limit || cols > limit || lda > limit || ldb > limit) return InvalidValue("matrix dimensions exceed 2^32");
  const int64_t chunk = static_cast<int64_t>(wire::kCopyChunkBytes);
  Tiles t;
  t.row_block = std::max<int64_t>(1, std::min<int64_t>(rows, chunk / elem_size));
  t.col_block = std::max<int64_t>(1, chunk / (t.row_block * elem_size));
  return t;
}

CUresult BlasSetMatrix(int64_t rows, int64_t cols, int64_t elem_size, const void* src, int64_t lda, uint64_t dst,
                       int64_t ldb, CUstream stream) {
  return Enter("vgpu_blas_set_matrix", [&]() -> Status {
    VGPU_ASSIGN_OR_RETURN(Tiles t, CopyTiles(rows, cols, elem_size, lda, ldb));
    if (rows == 0 || cols == 0) return Status();
    if (src == nullptr || dst == 0) return InvalidValue("null matrix");
    VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
    VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(stream, false));
    const auto* in = static_cast<const uint8_t*>(src);
    for (int64_t c0 = 0; c0 < cols; c0 += t.col_block) {
      const int64_t nc = std::min(t.col_block, cols - c0);
      for (int64_t r0 = 0; r0 < rows; r0 += t.row_block) {
        const int64_t nr = std::min(t.row_block, rows - r0);
        wire::Call call;
        auto* op = call.mutable_blas_set_matrix();
        op->set_ctx(target.ctx->id);
        op->set_stream(target.stream);
        op->set_rows(nr);
        op->set_cols(nc);
        op->set_elem_size(elem_size);
        op->set_dst(dst + static_cast<uint64_t>((c0 * ldb + r0) * elem_size));
        op->set_ld(ldb);
        std::string* data = op->mutable_data();
        data->resize(static_cast<size_t>(nr * nc * elem_size));
        for (int64_t j = 0; j < nc; ++j) {
          std::memcpy(data->data() + j * nr * elem_size, in + ((c0 + j) * lda + r0) * elem_size,
                      static_cast<size_t>(nr * elem_size));
        }
        VGPU_RETURN_IF_ERROR(Submit(session, target, GraphOp{.call = std::move(call)}));
      }
    }
    return Status();
  });
}

CUresult BlasGetMatrix(int64_t rows, int64_t cols, int64_t elem_size, uint64_t src, int64_t lda, void* dst,
                       int64_t ldb, CUstream stream) {
  return Enter("vgpu_blas_get_matrix", [&]() -> Status {
    VGPU_ASSIGN_OR_RETURN(Tiles t, CopyTiles(rows, cols, elem_size, lda, ldb));
    if (rows == 0 || cols == 0) return Status();
    if (src == 0 || dst == nullptr) return InvalidValue("null matrix");
    VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
    VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(stream, false));
    VGPU_RETURN_IF_ERROR(ForbidWhileCapturing(target));
    auto* out = static_cast<uint8_t*>(dst);
    for (int64_t c0 = 0; c0 < cols; c0 += t.col_block) {
      const int64_t nc = std::min(t.col_block, cols - c0);
      for (int64_t r0 = 0; r0 < rows; r0 += t.row_block) {
        const int64_t nr = std::min(t.row_block, rows - r0);
        wire::Call call;
        auto* op = call.mutable_blas_get_matrix();
        op->set_ctx(target.ctx->id);
        op->set_stream(target.stream);
        op->set_rows(nr);
        op->set_cols(nc);
        op->set_elem_size(elem_size);
        op->set_src(src + static_cast<uint64_t>((c0 * lda + r0) * elem_size));
        op->set_ld(lda);
        VGPU_ASSIGN_OR_RETURN(auto reply, CallProvingStream(session, target, std::move(call)));
        const std::string& data = reply->blas_get_matrix().data();
        if (data.size() != static_cast<size_t>(nr * nc * elem_size)) return Status(Code::kUnknown, "short matrix reply");
        for (int64_t j = 0; j < nc; ++j) {
          std::memcpy(out + ((c0 + j) * ldb + r0) * elem_size, data.data() + j * nr * elem_size,
                      static_cast<size_t>(nr * elem_size));
        }
      }
    }
    return Status();
  });
}

const VgpuSessionTable kTable = {sizeof(VgpuSessionTable), BlasCreate,    BlasDestroy,  BlasGemmCall,
                                 BlasCallEntry,            BlasSetMatrix, BlasGetMatrix};
const ExportTableRegistration kRegistration(kVgpuSessionTableId, &kTable);

}  // namespace
}  // namespace vgpu::cu
