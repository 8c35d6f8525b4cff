// The session's cuBLAS messages on the software GPU, driven with wire
// messages directly: every bad input (handle, context, routine, modes,
// dimensions, scalars, ranges, strides, batch counts, overflowing extents,
// strided copies) gets a clear error and nothing crashes; good calls work.
#include <cuda.h>
#include <library_types.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "server/backends/emu/emu_backend.h"
#include "server/session/session.h"

namespace vgpu::server {
namespace {

constexpr uint64_t kCtx = 1, kOtherCtx = 2, kHandle = 77, kOtherHandle = 78;

class BlasFixture {
 public:
  BlasFixture()
      : backend_(std::move(backend::emu::CreateEmuBackend(1 << 30)).value()), images_("", 1 << 20) {
    session_ = std::make_unique<Session>(*backend_, images_, 1);
    REQUIRE(session_->Open().ok());
    for (uint64_t ctx : {kCtx, kOtherCtx}) {
      wire::Call create;
      create.mutable_ctx_create()->set_ctx(ctx);
      REQUIRE(Run(create).result() == 0);
    }
    wire::Call handle;
    handle.mutable_blas_create()->set_ctx(kCtx);
    handle.mutable_blas_create()->set_handle(kHandle);
    REQUIRE(Run(handle).result() == 0);
    handle.mutable_blas_create()->set_ctx(kOtherCtx);
    handle.mutable_blas_create()->set_handle(kOtherHandle);
    REQUIRE(Run(handle).result() == 0);
  }

  // Executes and finishes one call as the service does.
  wire::Reply Run(wire::Call call) {
    call.set_seq(++seq_);
    call.set_want_reply(true);
    Outcome outcome = session_->Execute(call);
    session_->Finish(outcome);
    return *outcome.reply;
  }

  uint64_t Alloc(uint64_t bytes) {
    wire::Call call;
    call.mutable_mem_alloc()->set_ctx(kCtx);
    call.mutable_mem_alloc()->set_bytesize(bytes);
    wire::Reply reply = Run(call);
    REQUIRE(reply.result() == 0);
    return reply.mem_alloc().dptr();
  }

  void Upload(uint64_t dst, const void* data, size_t bytes) {
    wire::Call call;
    call.mutable_memcpy_htod()->set_ctx(kCtx);
    call.mutable_memcpy_htod()->set_dst(dst);
    call.mutable_memcpy_htod()->set_data(data, bytes);
    REQUIRE(Run(call).result() == 0);
  }

  std::string Download(uint64_t src, size_t bytes) {
    wire::Call call;
    call.mutable_memcpy_dtoh()->set_ctx(kCtx);
    call.mutable_memcpy_dtoh()->set_src(src);
    call.mutable_memcpy_dtoh()->set_bytesize(bytes);
    wire::Reply reply = Run(call);
    REQUIRE(reply.result() == 0);
    return reply.memcpy_dtoh().data();
  }

  uint64_t seq_ = 0;
  std::unique_ptr<backend::Backend> backend_;
  ImageCache images_;
  std::unique_ptr<Session> session_;
};

std::string F32(float v) { return std::string(reinterpret_cast<const char*>(&v), 4); }

wire::Call Axpy(uint64_t x, uint64_t y, int64_t n) {
  wire::Call call;
  auto* op = call.mutable_blas_level1();
  op->set_ctx(kCtx), op->set_handle(kHandle), op->set_op(wire::BLAS_AXPY), op->set_type(CUDA_R_32F);
  op->set_n(n), op->set_x(x), op->set_incx(1), op->set_y(y), op->set_incy(1);
  op->mutable_alpha()->set_value(F32(2));
  return call;
}

wire::Call Gemm(uint64_t a, uint64_t b, uint64_t c, int64_t m, int64_t n, int64_t k) {
  wire::Call call;
  auto* op = call.mutable_blas_level3();
  op->set_ctx(kCtx), op->set_handle(kHandle), op->set_op(wire::BLAS_GEMM), op->set_type(CUDA_R_32F);
  op->set_m(m), op->set_n(n), op->set_k(k);
  op->set_a(a), op->set_lda(m), op->set_b(b), op->set_ldb(k), op->set_c(c), op->set_ldc(m);
  op->mutable_alpha()->set_value(F32(1));
  op->mutable_beta()->set_value(F32(0));
  op->set_batch(1);
  return call;
}

// The reply is an error with a message saying why.
void ExpectError(const wire::Reply& reply, int code) {
  INFO("message: " << reply.message());
  CHECK(reply.result() == code);
  CHECK(!reply.message().empty());
}

}  // namespace

TEST_CASE("good BLAS calls run and answer host-mode results", "[blas]") {
  BlasFixture f;
  const uint64_t x = f.Alloc(64), y = f.Alloc(64), r = f.Alloc(16);
  const float hx[4] = {1, 2, 3, 4}, hy[4] = {10, 20, 30, 40};
  f.Upload(x, hx, sizeof hx);
  f.Upload(y, hy, sizeof hy);
  CHECK(f.Run(Axpy(x, y, 4)).result() == 0);
  float got[4];
  std::memcpy(got, f.Download(y, 16).data(), 16);
  CHECK((got[0] == 12 && got[3] == 48));
  // A host-mode dot is answered with its value.
  wire::Call dot;
  auto* op = dot.mutable_blas_level1();
  op->set_ctx(kCtx), op->set_handle(kHandle), op->set_op(wire::BLAS_DOT), op->set_type(CUDA_R_32F);
  op->set_n(4), op->set_x(x), op->set_incx(1), op->set_y(x), op->set_incy(1);
  wire::Reply reply = f.Run(dot);
  REQUIRE(reply.result() == 0);
  REQUIRE(reply.blas_level1().value().size() == 4);
  float value;
  std::memcpy(&value, reply.blas_level1().value().data(), 4);
  CHECK(value == 30);
  // Device mode: the result lands on the device.
  op->set_result(r);
  CHECK(f.Run(dot).result() == 0);
  std::memcpy(&value, f.Download(r, 4).data(), 4);
  CHECK(value == 30);
  // A strided matrix round trip.
  wire::Call set;
  auto* s = set.mutable_blas_set_matrix();
  s->set_ctx(kCtx), s->set_rows(2), s->set_cols(2), s->set_elem_size(4), s->set_dst(y), s->set_ld(3);
  s->set_data(std::string(reinterpret_cast<const char*>(hx), 16));
  CHECK(f.Run(set).result() == 0);
  wire::Call get;
  auto* g = get.mutable_blas_get_matrix();
  g->set_ctx(kCtx), g->set_rows(2), g->set_cols(2), g->set_elem_size(4), g->set_src(y), g->set_ld(3);
  reply = f.Run(get);
  REQUIRE(reply.result() == 0);
  CHECK(reply.blas_get_matrix().data() == std::string(reinterpret_cast<const char*>(hx), 16));
}

TEST_CASE("bad handles and contexts are refused", "[blas]") {
  BlasFixture f;
  const uint64_t x = f.Alloc(64);
  wire::Call call = Axpy(x, x, 4);
  call.mutable_blas_level1()->set_handle(999);
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_HANDLE);
  call.mutable_blas_level1()->set_handle(kOtherHandle);  // belongs to the other context
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_CONTEXT);
  call.mutable_blas_level1()->set_handle(kHandle);
  call.mutable_blas_level1()->set_ctx(12345);
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_CONTEXT);
  wire::Call dup;
  dup.mutable_blas_create()->set_ctx(kCtx);
  dup.mutable_blas_create()->set_handle(kHandle);
  ExpectError(f.Run(dup), CUDA_ERROR_INVALID_HANDLE);
  wire::Call destroy;
  destroy.mutable_blas_destroy()->set_handle(4242);
  ExpectError(f.Run(destroy), CUDA_ERROR_INVALID_HANDLE);
  // A bad stream id.
  call = Axpy(x, x, 4);
  call.mutable_blas_level1()->set_stream(31337);
  CHECK(f.Run(call).result() != 0);
}

TEST_CASE("bad routines, modes and dimensions are refused", "[blas]") {
  BlasFixture f;
  const uint64_t a = f.Alloc(1024);
  wire::Call call = Axpy(a, a, 4);
  call.mutable_blas_level1()->set_op(wire::BLAS_GEMM);  // a level-3 routine in a level-1 message
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call.mutable_blas_level1()->set_op(static_cast<wire::BlasRoutine>(1000));
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call = Axpy(a, a, 4);
  call.mutable_blas_level1()->set_type(CUDA_R_16F);
  ExpectError(f.Run(call), CUDA_ERROR_NOT_SUPPORTED);
  call = Axpy(a, a, 4);
  call.mutable_blas_level1()->set_type(12345);
  ExpectError(f.Run(call), CUDA_ERROR_NOT_SUPPORTED);
  call = Axpy(a, a, 4);
  call.mutable_blas_level1()->set_op(wire::BLAS_DOTC);  // conjugating a real type
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);

  call = Gemm(a, a, a, 4, 4, 4);
  CHECK(f.Run(call).result() == 0);
  call.mutable_blas_level3()->set_lda(3);  // < m
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call = Gemm(a, a, a, -1, 4, 4);
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call = Gemm(a, a, a, 4, 4, 4);
  call.mutable_blas_level3()->set_trans_a(7);
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call = Gemm(a, a, a, 4, 4, 4);
  call.mutable_blas_level3()->set_op(wire::BLAS_TRSM);
  call.mutable_blas_level3()->set_uplo(9);
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call.mutable_blas_level3()->set_uplo(0);
  call.mutable_blas_level3()->set_diag(5);
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call.mutable_blas_level3()->set_diag(0);
  call.mutable_blas_level3()->set_side(3);
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);

  wire::Call gemv;
  auto* g = gemv.mutable_blas_level2();
  g->set_ctx(kCtx), g->set_handle(kHandle), g->set_op(wire::BLAS_GEMV), g->set_type(CUDA_R_32F);
  g->set_m(4), g->set_n(4), g->set_a(a), g->set_lda(4), g->set_x(a), g->set_incx(0), g->set_y(a), g->set_incy(1);
  g->mutable_alpha()->set_value(F32(1));
  g->mutable_beta()->set_value(F32(1));
  ExpectError(f.Run(gemv), CUDA_ERROR_INVALID_VALUE);  // incx 0
  g->set_incx(1);
  CHECK(f.Run(gemv).result() == 0);
  g->set_lda(2);
  ExpectError(f.Run(gemv), CUDA_ERROR_INVALID_VALUE);
}

TEST_CASE("bad scalars and results are refused", "[blas]") {
  BlasFixture f;
  const uint64_t x = f.Alloc(64);
  wire::Call call = Axpy(x, x, 4);
  call.mutable_blas_level1()->mutable_alpha()->set_value("12345678");  // 8 bytes for an f32 alpha
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call.mutable_blas_level1()->mutable_alpha()->clear_value();
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call.mutable_blas_level1()->mutable_alpha()->set_device(0xdead0000);  // device mode, not allocated
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call.mutable_blas_level1()->mutable_alpha()->set_device(x + 62);  // straddles the end
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call.mutable_blas_level1()->mutable_alpha()->set_value(F32(1));  // both a value and a pointer
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call = Axpy(x, x, 4);
  call.mutable_blas_level1()->set_result(x);  // axpy has no result
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call = Axpy(x, x, 4);
  call.mutable_blas_level1()->set_op(wire::BLAS_NRM2);
  call.mutable_blas_level1()->set_result(x + 64);  // just past the end
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);

  wire::Call gemm;
  auto* g = gemm.mutable_blas_gemm();
  g->set_ctx(kCtx), g->set_handle(kHandle), g->set_m(2), g->set_n(2), g->set_k(2);
  g->set_a(x), g->set_b(x), g->set_c(x), g->set_lda(2), g->set_ldb(2), g->set_ldc(2);
  g->set_a_type(CUDA_R_32F), g->set_b_type(CUDA_R_32F), g->set_c_type(CUDA_R_32F), g->set_compute(68);
  g->set_batch(1);
  CHECK(f.Run(gemm).result() == 0);
  g->set_alpha_ptr(x);  // device alpha without a device beta
  ExpectError(f.Run(gemm), CUDA_ERROR_INVALID_VALUE);
  g->set_beta_ptr(0x1234);
  ExpectError(f.Run(gemm), CUDA_ERROR_INVALID_VALUE);
  g->set_beta_ptr(x + 4);
  CHECK(f.Run(gemm).result() == 0);
}

TEST_CASE("out-of-range and overflowing ranges are refused", "[blas]") {
  BlasFixture f;
  const uint64_t x = f.Alloc(64);
  ExpectError(f.Run(Axpy(x, x, 17)), CUDA_ERROR_INVALID_VALUE);  // 17 floats > 64 bytes
  wire::Call call = Axpy(x, x, 16);
  call.mutable_blas_level1()->set_incx(-2);  // spans 31 floats
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call = Axpy(x, 0x10, 4);
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call = Axpy(x, x, int64_t{1} << 40);
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call = Axpy(x, x, 4);
  call.mutable_blas_level1()->set_incx(INT64_MIN);
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);

  // lda * n overflowing 64 bits must not wrap into a small range.
  call = Gemm(x, x, x, 2, int64_t{1} << 32, 2);
  call.mutable_blas_level3()->set_ldb(int64_t{1} << 32);
  call.mutable_blas_level3()->set_ldc(int64_t{1} << 32);
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call = Gemm(x, x, x, 4, 4, 4);
  call.mutable_blas_level3()->set_ldc(INT64_MAX);
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  // Batches: counts, strides, and strides times counts.
  call = Gemm(x, x, x, 2, 2, 2);
  call.mutable_blas_level3()->set_batch(-1);
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call.mutable_blas_level3()->set_batch(int64_t{1} << 30);
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call.mutable_blas_level3()->set_batch(2);
  call.mutable_blas_level3()->set_stride_c(-4);
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call.mutable_blas_level3()->set_stride_c(12);  // the second C ends at exactly 64 bytes
  CHECK(f.Run(call).result() == 0);
  call.mutable_blas_level3()->set_stride_c(13);  // the second C is out of range
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  call.mutable_blas_level3()->set_stride_c(int64_t{1} << 40);
  call.mutable_blas_level3()->set_batch(int64_t{1} << 24);
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  // Pointer arrays: the arrays are checked here, the pointers in them when read.
  call = Gemm(x, x, x, 2, 2, 2);
  call.mutable_blas_level3()->set_pointer_arrays(true);
  call.mutable_blas_level3()->set_batch(9);  // 72 bytes of pointers > 64
  ExpectError(f.Run(call), CUDA_ERROR_INVALID_VALUE);
  const uint64_t bogus[2] = {0x1000, 0x2000};
  f.Upload(x, bogus, sizeof bogus);
  call.mutable_blas_level3()->set_batch(2);
  wire::Reply reply = f.Run(call);
  CHECK(reply.result() != 0);
  // The context survives a refused call, or reports the sticky error clearly.
  wire::Call info;
  info.mutable_mem_get_info()->set_ctx(kOtherCtx);
  CHECK(f.Run(info).result() == 0);
}

TEST_CASE("bad strided copies are refused", "[blas]") {
  BlasFixture f;
  const uint64_t x = f.Alloc(64);
  wire::Call set;
  auto* s = set.mutable_blas_set_matrix();
  s->set_ctx(kCtx), s->set_rows(2), s->set_cols(2), s->set_elem_size(4), s->set_dst(x), s->set_ld(2);
  s->set_data(std::string(16, 'a'));
  CHECK(f.Run(set).result() == 0);
  s->set_data(std::string(15, 'a'));  // not rows x cols elements
  ExpectError(f.Run(set), CUDA_ERROR_INVALID_VALUE);
  s->set_data(std::string(16, 'a'));
  s->set_ld(1);  // < rows
  ExpectError(f.Run(set), CUDA_ERROR_INVALID_VALUE);
  s->set_ld(100);  // extent past the allocation
  ExpectError(f.Run(set), CUDA_ERROR_INVALID_VALUE);
  s->set_ld(INT64_MAX);
  ExpectError(f.Run(set), CUDA_ERROR_INVALID_VALUE);
  s->set_ld(2);
  s->set_elem_size(0);
  ExpectError(f.Run(set), CUDA_ERROR_INVALID_VALUE);
  s->set_elem_size(-4);
  ExpectError(f.Run(set), CUDA_ERROR_INVALID_VALUE);
  s->set_elem_size(4);
  s->set_rows(-2);
  ExpectError(f.Run(set), CUDA_ERROR_INVALID_VALUE);
  wire::Call get;
  auto* g = get.mutable_blas_get_matrix();
  g->set_ctx(kCtx), g->set_rows(4), g->set_cols(int64_t{1} << 40), g->set_elem_size(4), g->set_src(x), g->set_ld(4);
  ExpectError(f.Run(get), CUDA_ERROR_INVALID_VALUE);
  g->set_cols(5);  // 80 bytes > 64
  ExpectError(f.Run(get), CUDA_ERROR_INVALID_VALUE);
  g->set_ctx(999);
  ExpectError(f.Run(get), CUDA_ERROR_INVALID_HANDLE);  // no such context, as for every call
}

}  // namespace vgpu::server
