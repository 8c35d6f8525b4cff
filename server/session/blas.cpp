// cuBLAS calls: handles are client-minted ids, each bound to the context it
// was created in; every range a routine names (each batch entry, pointer
// arrays, device scalars and results) is checked against the session's
// allocations before the backend runs it.
#include "server/backends/emu/blas/gemm.h"
#include "server/backends/emu/blas/routine.h"
#include "server/session/session.h"

#include <cstring>

#include "proto/protocol.h"

namespace vgpu::server {
namespace {

namespace eb = vgpu::emu::blas;

constexpr int64_t kMaxBatch = int64_t{1} << 24;
constexpr int64_t kMaxStride = int64_t{1} << 40;

// Byte offset of batch entry i: stride elements of elem_size bytes apart.
uint64_t EntryOffset(int64_t i, int64_t stride, size_t elem_size) {
  return static_cast<uint64_t>(i) * static_cast<uint64_t>(stride) * elem_size;  // CheckStrides: no wrap
}

Status CheckStrides(int64_t batch, std::initializer_list<int64_t> strides, size_t elem_size) {
  for (int64_t stride : strides) {
    if (stride < 0 || stride > kMaxStride) return InvalidValue("bad batch stride");
    // The last entry's offset must not wrap.
    using U = unsigned __int128;
    if (batch > 0 && U(uint64_t(batch - 1)) * U(uint64_t(stride)) * U(elem_size) >= (U(1) << 63)) {
      return InvalidValue("batch stride times batch count overflows");
    }
  }
  return Status();
}

}  // namespace

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

Result<Session::ContextState*> Session::BlasContext(uint64_t handle, uint64_t ctx, Outcome& out) {
  auto it = blas_handles_.find(handle);
  if (it == blas_handles_.end()) return Status(Code::kInvalidHandle, "no such cuBLAS handle");
  if (it->second != ctx) return Status(Code::kInvalidContext, "the cuBLAS handle belongs to another context");
  return Context(ctx, out);
}

Status Session::BlasGemm(const wire::BlasGemm& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, BlasContext(op.handle(), op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle stream, Stream(*state, op.stream()));
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
  for (int64_t v : {op.m(), op.n(), op.k(), op.lda(), op.ldb(), op.ldc()}) {
    if (v > (int64_t{1} << 32)) return InvalidValue("gemm: a dimension exceeds 2^32");
  }
  if (op.batch() < 0 || op.batch() > kMaxBatch) return InvalidValue("gemm: bad batch count");
  // Device pointer mode: the scalars are one compute-type element each.
  const size_t scalar = s.compute == eb::ComputeType::k16F || s.compute == eb::ComputeType::k16FPedantic ? 2
                        : s.compute == eb::ComputeType::k64F || s.compute == eb::ComputeType::k64FPedantic ? 8
                                                                                                            : 4;
  if ((op.alpha_ptr() == 0) != (op.beta_ptr() == 0)) return InvalidValue("gemm: alpha and beta in different pointer modes");
  if (op.alpha_ptr() != 0) {
    VGPU_RETURN_IF_ERROR(allocations_.Check(op.alpha_ptr(), scalar));
    VGPU_RETURN_IF_ERROR(allocations_.Check(op.beta_ptr(), scalar));
  }
  const uint64_t ea = eb::ExtentA(s), eb_ = eb::ExtentB(s), ec = eb::ExtentC(s);
  if (op.pointer_arrays()) {
    const uint64_t bytes = static_cast<uint64_t>(op.batch()) * 8;
    for (uint64_t p : {op.a(), op.b(), op.c()}) VGPU_RETURN_IF_ERROR(allocations_.Check(p, bytes));
    // Each pointer in the arrays is checked by the backend as it reads it.
  } else {
    VGPU_RETURN_IF_ERROR(CheckStrides(op.batch(), {op.stride_a(), op.stride_b(), op.stride_c()}, 8));
    for (int64_t i = 0; i < op.batch(); ++i) {
      if (ea) VGPU_RETURN_IF_ERROR(allocations_.Check(op.a() + EntryOffset(i, op.stride_a(), eb::ElementSize(s.a_type)), ea));
      if (eb_) VGPU_RETURN_IF_ERROR(allocations_.Check(op.b() + EntryOffset(i, op.stride_b(), eb::ElementSize(s.b_type)), eb_));
      if (ec) VGPU_RETURN_IF_ERROR(allocations_.Check(op.c() + EntryOffset(i, op.stride_c(), eb::ElementSize(s.c_type)), ec));
    }
  }
  backend::BlasGemm g;
  g.trans_a = op.trans_a(), g.trans_b = op.trans_b();
  g.m = op.m(), g.n = op.n(), g.k = op.k();
  g.alpha = op.alpha(), g.beta = op.beta();
  g.alpha_ptr = op.alpha_ptr(), g.beta_ptr = op.beta_ptr();
  g.a = op.a(), g.b = op.b(), g.c = op.c();
  g.a_type = op.a_type(), g.b_type = op.b_type(), g.c_type = op.c_type(), g.compute = op.compute();
  g.lda = op.lda(), g.ldb = op.ldb(), g.ldc = op.ldc();
  g.batch = op.batch();
  g.pointer_arrays = op.pointer_arrays();
  g.stride_a = op.stride_a(), g.stride_b = op.stride_b(), g.stride_c = op.stride_c();
  return state->ctx->BlasGemm(op.handle(), g, stream);
}

namespace {
// The routine's own checks, before its scalars are read in its type.
Status CheckShape(const eb::Routine& r) {
  std::string why;
  switch (eb::CheckRoutine(r, &why)) {
    case eb::GemmCheck::kOk: return Status();
    case eb::GemmCheck::kInvalidValue: return InvalidValue("BLAS: " + why);
    case eb::GemmCheck::kNotSupported: return Status(Code::kNotSupported, "BLAS: " + why);
  }
  return Status();
}
}  // namespace

Status Session::BlasScalarArg(const wire::BlasScalar& in, size_t size, const char* name, backend::BlasScalar* out) {
  if (in.device() != 0) {
    if (!in.value().empty()) return InvalidValue(std::string(name) + " is both a value and a device pointer");
    VGPU_RETURN_IF_ERROR(allocations_.Check(in.device(), size));
    out->device = in.device();
    return Status();
  }
  if (in.value().size() != size) {
    return InvalidValue(std::string(name) + " must be " + std::to_string(size) + " bytes, not " +
                        std::to_string(in.value().size()));
  }
  std::memcpy(out->value, in.value().data(), size);
  return Status();
}

// Checks a routine's shape, scalars, ranges and result, then runs it.
Status Session::BlasRun(ContextState& state, uint64_t handle, uint64_t stream_id, backend::BlasCall& call,
                        Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(backend::Handle stream, Stream(state, stream_id));
  const eb::Routine& r = call.routine;
  VGPU_RETURN_IF_ERROR(CheckShape(r));
  const size_t es = eb::ElementSize(r.type);
  if (eb::Level(r.op) == 3) {
    if (call.batch < 0 || call.batch > kMaxBatch) return InvalidValue("BLAS: bad batch count");
  } else {
    call.batch = 1;
    call.pointer_arrays = false;
  }
  const uint64_t ea = eb::ExtentA(r), eb_ = eb::ExtentB(r), ec = eb::ExtentC(r);
  const uint64_t ex = eb::ExtentX(r), ey = eb::ExtentY(r);
  if (eb::Level(r.op) < 3) {
    for (auto [p, extent] : {std::pair{call.a, ea}, {call.x, ex}, {call.y, ey}}) {
      if (extent) VGPU_RETURN_IF_ERROR(allocations_.Check(p, extent));
    }
  } else if (call.pointer_arrays) {
    const uint64_t bytes = static_cast<uint64_t>(call.batch) * 8;
    for (auto [p, extent] : {std::pair{call.a, ea}, {call.b, eb_}, {call.c, ec}}) {
      if (extent && call.batch) VGPU_RETURN_IF_ERROR(allocations_.Check(p, bytes));
    }
  } else {
    VGPU_RETURN_IF_ERROR(CheckStrides(call.batch, {call.stride_a, call.stride_b, call.stride_c}, es));
    for (int64_t i = 0; i < call.batch; ++i) {
      if (ea) VGPU_RETURN_IF_ERROR(allocations_.Check(call.a + EntryOffset(i, call.stride_a, es), ea));
      if (eb_) VGPU_RETURN_IF_ERROR(allocations_.Check(call.b + EntryOffset(i, call.stride_b, es), eb_));
      if (ec) VGPU_RETURN_IF_ERROR(allocations_.Check(call.c + EntryOffset(i, call.stride_c, es), ec));
    }
  }
  const size_t result = eb::ResultSize(r);
  std::string* host_result = nullptr;
  if (result != 0) {
    if (call.result != 0) {
      VGPU_RETURN_IF_ERROR(allocations_.Check(call.result, result));
    } else {
      // Answered: the reply waits until the stream has run the routine.
      host_result = out.reply->mutable_blas_level1()->mutable_value();
    }
  } else if (call.result != 0) {
    return InvalidValue("BLAS: this routine has no result");
  }
  VGPU_RETURN_IF_ERROR(state.ctx->BlasRun(handle, call, stream, host_result));
  if (host_result != nullptr) {
    out.synchronizing = true;
    VGPU_ASSIGN_OR_RETURN(out.wait, state.ctx->StreamSynchronize(stream));
  }
  return Status();
}

Status Session::BlasLevel1(const wire::BlasLevel1& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, BlasContext(op.handle(), op.ctx(), out));
  backend::BlasCall call;
  eb::Routine& r = call.routine;
  r.op = static_cast<eb::Op>(op.op());
  if (eb::Level(r.op) != 1) return InvalidValue("BlasLevel1 carries a routine of another level");
  r.type = static_cast<eb::DataType>(op.type());
  r.n = op.n(), r.incx = op.incx(), r.incy = op.incy();
  VGPU_RETURN_IF_ERROR(CheckShape(r));
  if (r.op == eb::Op::kAxpy || r.op == eb::Op::kScal || r.op == eb::Op::kScalReal) {
    VGPU_RETURN_IF_ERROR(BlasScalarArg(op.alpha(), eb::ScalarSize(r), "alpha", &call.alpha));
  }
  call.x = op.x(), call.y = op.y(), call.result = op.result();
  return BlasRun(*state, op.handle(), op.stream(), call, out);
}

Status Session::BlasLevel2(const wire::BlasLevel2& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, BlasContext(op.handle(), op.ctx(), out));
  backend::BlasCall call;
  eb::Routine& r = call.routine;
  r.op = static_cast<eb::Op>(op.op());
  if (eb::Level(r.op) != 2) return InvalidValue("BlasLevel2 carries a routine of another level");
  r.type = static_cast<eb::DataType>(op.type());
  r.trans_a = op.trans();
  r.m = op.m(), r.n = op.n(), r.lda = op.lda(), r.incx = op.incx(), r.incy = op.incy();
  VGPU_RETURN_IF_ERROR(CheckShape(r));
  VGPU_RETURN_IF_ERROR(BlasScalarArg(op.alpha(), eb::ScalarSize(r), "alpha", &call.alpha));
  if (r.op == eb::Op::kGemv) VGPU_RETURN_IF_ERROR(BlasScalarArg(op.beta(), eb::ScalarSize(r), "beta", &call.beta));
  call.a = op.a(), call.x = op.x(), call.y = op.y();
  return BlasRun(*state, op.handle(), op.stream(), call, out);
}

Status Session::BlasLevel3(const wire::BlasLevel3& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, BlasContext(op.handle(), op.ctx(), out));
  backend::BlasCall call;
  eb::Routine& r = call.routine;
  r.op = static_cast<eb::Op>(op.op());
  if (eb::Level(r.op) != 3) return InvalidValue("BlasLevel3 carries a routine of another level");
  r.type = static_cast<eb::DataType>(op.type());
  r.side = op.side(), r.uplo = op.uplo(), r.trans_a = op.trans_a(), r.trans_b = op.trans_b(), r.diag = op.diag();
  r.m = op.m(), r.n = op.n(), r.k = op.k();
  r.lda = op.lda(), r.ldb = op.ldb(), r.ldc = op.ldc();
  VGPU_RETURN_IF_ERROR(CheckShape(r));
  VGPU_RETURN_IF_ERROR(BlasScalarArg(op.alpha(), eb::ScalarSize(r), "alpha", &call.alpha));
  if (r.op != eb::Op::kTrsm) VGPU_RETURN_IF_ERROR(BlasScalarArg(op.beta(), eb::ScalarSize(r), "beta", &call.beta));
  call.a = op.a(), call.b = op.b(), call.c = op.c();
  call.batch = op.batch();
  call.pointer_arrays = op.pointer_arrays();
  call.stride_a = op.stride_a(), call.stride_b = op.stride_b(), call.stride_c = op.stride_c();
  return BlasRun(*state, op.handle(), op.stream(), call, out);
}

namespace {

// Checks one strided copy's shape: rows x cols elements, leading dimension ld.
Result<uint64_t> CopyExtent(int64_t rows, int64_t cols, int64_t elem_size, int64_t ld) {
  if (rows <= 0 || cols <= 0) return InvalidValue("strided copy: rows and cols must be positive");
  if (elem_size <= 0 || elem_size > 1024) return InvalidValue("strided copy: bad element size");
  if (ld < rows) return InvalidValue("strided copy: leading dimension smaller than rows");
  const int64_t limit = int64_t{1} << 32;
  if (rows > limit || cols > limit || ld > limit) return InvalidValue("strided copy: dimensions exceed 2^32");
  if (static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols) * static_cast<uint64_t>(elem_size) >
      wire::kCopyChunkBytes * 16) {
    return InvalidValue("strided copy exceeds one message");
  }
  using U = unsigned __int128;
  const U extent = (U(uint64_t(cols - 1)) * U(uint64_t(ld)) + U(uint64_t(rows))) * U(uint64_t(elem_size));
  if (extent >= (U(1) << 63)) return InvalidValue("strided copy: extent overflows");
  return static_cast<uint64_t>(extent);
}

}  // namespace

Status Session::BlasSetMatrix(wire::BlasSetMatrix& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle stream, Stream(*state, op.stream()));
  VGPU_ASSIGN_OR_RETURN(uint64_t extent, CopyExtent(op.rows(), op.cols(), op.elem_size(), op.ld()));
  const uint64_t column = static_cast<uint64_t>(op.rows() * op.elem_size());
  if (op.data().size() != column * static_cast<uint64_t>(op.cols())) {
    return InvalidValue("strided copy: data is not rows x cols elements");
  }
  VGPU_RETURN_IF_ERROR(allocations_.Check(op.dst(), extent));
  if (op.ld() == op.rows()) return state->ctx->MemcpyHtoD(op.dst(), std::move(*op.mutable_data()), stream);
  const uint64_t pitch = static_cast<uint64_t>(op.ld() * op.elem_size());
  for (int64_t j = 0; j < op.cols(); ++j) {
    std::string part = op.data().substr(static_cast<size_t>(j) * column, column);
    VGPU_RETURN_IF_ERROR(state->ctx->MemcpyHtoD(op.dst() + j * pitch, std::move(part), stream));
  }
  return Status();
}

Status Session::BlasGetMatrix(const wire::BlasGetMatrix& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle stream, Stream(*state, op.stream()));
  VGPU_ASSIGN_OR_RETURN(uint64_t extent, CopyExtent(op.rows(), op.cols(), op.elem_size(), op.ld()));
  VGPU_RETURN_IF_ERROR(allocations_.Check(op.src(), extent));
  out.synchronizing = true;
  std::string* dst = out.reply->mutable_blas_get_matrix()->mutable_data();
  const uint64_t column = static_cast<uint64_t>(op.rows() * op.elem_size());
  if (op.ld() == op.rows()) {
    VGPU_ASSIGN_OR_RETURN(out.wait, state->ctx->MemcpyDtoH(dst, op.src(), column * op.cols(), stream));
    return Status();
  }
  const uint64_t pitch = static_cast<uint64_t>(op.ld() * op.elem_size());
  if (extent <= wire::kCopyChunkBytes * 16) {
    // One copy of the whole span; the reply keeps the rows x cols elements.
    auto span = std::make_shared<std::string>();
    VGPU_ASSIGN_OR_RETURN(backend::Wait w, state->ctx->MemcpyDtoH(span.get(), op.src(), extent, stream));
    const int64_t cols = op.cols();
    out.wait = [span, w = std::move(w), dst, column, pitch, cols]() -> Status {
      if (w) VGPU_RETURN_IF_ERROR(w());
      dst->clear();
      for (int64_t j = 0; j < cols; ++j) dst->append(*span, static_cast<size_t>(j * pitch), column);
      return Status();
    };
    return Status();
  }
  // A wide span: one copy per column into its own buffer, packed once all landed.
  auto parts = std::make_shared<std::vector<std::string>>(static_cast<size_t>(op.cols()));
  std::vector<backend::Wait> waits;
  for (int64_t j = 0; j < op.cols(); ++j) {
    VGPU_ASSIGN_OR_RETURN(backend::Wait w, state->ctx->MemcpyDtoH(&(*parts)[j], op.src() + j * pitch, column, stream));
    waits.push_back(std::move(w));
  }
  out.wait = [parts, waits = std::move(waits), dst]() -> Status {
    for (const backend::Wait& w : waits) {
      if (w) VGPU_RETURN_IF_ERROR(w());
    }
    dst->clear();
    for (const std::string& p : *parts) dst->append(p);
    return Status();
  };
  return Status();
}

}  // namespace vgpu::server
