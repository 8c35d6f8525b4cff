// The session layer on the software GPU, driven with wire messages directly:
// validation of everything that comes from the wire, deferred and sticky
// errors, and cleanup when a session ends.
#include "server/session/session.h"

#include <cuda.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "common/sha256.h"
#include "server/backends/emu/emu_backend.h"

namespace vgpu::server {
namespace {

class Fixture {
 public:
  Fixture() : backend_(std::move(backend::emu::CreateEmuBackend(1 << 30)).value()), images_("", 1 << 20) {}

  std::unique_ptr<Session> Open() {
    auto session = std::make_unique<Session>(*backend_, images_, next_id_++);
    REQUIRE(session->Open().ok());
    return session;
  }

  // Executes and finishes one call as the service does; returns the reply.
  wire::Reply Run(Session& session, wire::Call call, bool want_reply = true) {
    call.set_seq(++seq_);
    call.set_want_reply(want_reply);
    Outcome outcome = session.Execute(call);
    bool send = session.Finish(outcome);
    CHECK(send == want_reply);
    return *outcome.reply;
  }

  uint64_t seq_ = 0;
  std::unique_ptr<backend::Backend> backend_;
  ImageCache images_;
  uint64_t next_id_ = 1;
};

wire::Call CtxCreate(uint64_t ctx) {
  wire::Call call;
  call.mutable_ctx_create()->set_ctx(ctx);
  return call;
}

wire::Call Alloc(uint64_t ctx, uint64_t bytes) {
  wire::Call call;
  call.mutable_mem_alloc()->set_ctx(ctx);
  call.mutable_mem_alloc()->set_bytesize(bytes);
  return call;
}

wire::Call Sync(uint64_t ctx) {
  wire::Call call;
  call.mutable_ctx_synchronize()->set_ctx(ctx);
  return call;
}

wire::Call Info(uint64_t ctx) {
  wire::Call call;
  call.mutable_mem_get_info()->set_ctx(ctx);
  return call;
}

std::string ReadFixture(const std::string& name) {
  std::ifstream file(std::string(VGPU_FIXTURE_DIR) + "/" + name, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

TEST_CASE("malformed calls get clear errors and change nothing", "[session]") {
  Fixture f;
  auto session = f.Open();
  CHECK(f.Run(*session, wire::Call()).result() == CUDA_ERROR_NOT_SUPPORTED);
  CHECK(f.Run(*session, Alloc(42, 16)).result() == CUDA_ERROR_INVALID_HANDLE);  // no such context
  wire::Call bad_device = CtxCreate(1);
  bad_device.mutable_ctx_create()->set_device(3);
  CHECK(f.Run(*session, bad_device).result() == CUDA_ERROR_INVALID_DEVICE);
  REQUIRE(f.Run(*session, CtxCreate(1)).result() == 0);
  CHECK(f.Run(*session, CtxCreate(1)).result() == CUDA_ERROR_INVALID_VALUE);  // id reused
  CHECK(f.Run(*session, Alloc(1, 0)).result() == CUDA_ERROR_INVALID_VALUE);
  CHECK(f.Run(*session, Alloc(1, uint64_t{1} << 40)).result() == CUDA_ERROR_OUT_OF_MEMORY);

  wire::Reply alloc = f.Run(*session, Alloc(1, 64));
  REQUIRE(alloc.result() == 0);
  uint64_t dptr = alloc.mem_alloc().dptr();

  wire::Call dtoh;
  dtoh.mutable_memcpy_dtoh()->set_ctx(1);
  dtoh.mutable_memcpy_dtoh()->set_src(dptr + 32);
  dtoh.mutable_memcpy_dtoh()->set_bytesize(64);  // past the end
  wire::Reply reply = f.Run(*session, dtoh);
  CHECK(reply.result() == CUDA_ERROR_INVALID_VALUE);
  CHECK(reply.message().find("not inside an allocation") != std::string::npos);

  wire::Call memset;
  memset.mutable_memset()->set_ctx(1);
  memset.mutable_memset()->set_dst(dptr);
  memset.mutable_memset()->set_element_size(3);
  memset.mutable_memset()->set_count(1);
  CHECK(f.Run(*session, memset).result() == CUDA_ERROR_INVALID_VALUE);

  wire::Call on_bad_stream;
  on_bad_stream.mutable_memcpy_htod()->set_ctx(1);
  on_bad_stream.mutable_memcpy_htod()->set_dst(dptr);
  on_bad_stream.mutable_memcpy_htod()->set_data("x");
  on_bad_stream.mutable_memcpy_htod()->set_stream(99);
  CHECK(f.Run(*session, on_bad_stream).result() == CUDA_ERROR_INVALID_HANDLE);

  wire::Call module;
  module.mutable_module_load()->set_ctx(1);
  module.mutable_module_load()->set_module(5);
  module.mutable_module_load()->set_sha256(Sha256Hex("garbage"));
  module.mutable_module_load()->set_image("garbage");
  CHECK(f.Run(*session, module).result() != 0);
  module.mutable_module_load()->set_image("not matching the digest");
  CHECK(f.Run(*session, module).result() == CUDA_ERROR_INVALID_VALUE);

  wire::Call launch;
  launch.mutable_launch_kernel()->set_ctx(1);
  launch.mutable_launch_kernel()->set_module(5);
  CHECK(f.Run(*session, launch).result() == CUDA_ERROR_INVALID_HANDLE);

  wire::Call free_twice;
  free_twice.mutable_mem_free()->set_ctx(1);
  free_twice.mutable_mem_free()->set_dptr(dptr);
  CHECK(f.Run(*session, free_twice).result() == 0);
  CHECK(f.Run(*session, free_twice).result() == CUDA_ERROR_INVALID_VALUE);
}

TEST_CASE("an asynchronous error is reported by the next synchronizing call", "[session]") {
  Fixture f;
  auto session = f.Open();
  REQUIRE(f.Run(*session, CtxCreate(1)).result() == 0);
  wire::Call bad;
  bad.mutable_memcpy_dtod()->set_ctx(1);
  bad.mutable_memcpy_dtod()->set_dst(0x1000);
  bad.mutable_memcpy_dtod()->set_src(0x2000);
  bad.mutable_memcpy_dtod()->set_bytesize(4);
  f.Run(*session, bad, /*want_reply=*/false);
  CHECK(f.Run(*session, Info(1)).result() == 0);  // not synchronizing: unaffected
  CHECK(f.Run(*session, Sync(1)).result() == CUDA_ERROR_INVALID_VALUE);
  CHECK(f.Run(*session, Sync(1)).result() == 0);  // reported once
}

TEST_CASE("modules load by content address and launch with checked parameters", "[session][module]") {
  Fixture f;
  auto session = f.Open();
  REQUIRE(f.Run(*session, CtxCreate(1)).result() == 0);
  std::string ptx = ReadFixture("ptx/out_of_bounds.ptx");
  REQUIRE_FALSE(ptx.empty());
  wire::Call load;
  load.mutable_module_load()->set_ctx(1);
  load.mutable_module_load()->set_module(7);
  load.mutable_module_load()->set_sha256(Sha256Hex(ptx));
  CHECK(f.Run(*session, load).result() == CUDA_ERROR_FILE_NOT_FOUND);  // asks for the bytes
  load.mutable_module_load()->set_image(ptx);
  wire::Reply loaded = f.Run(*session, load);
  REQUIRE(loaded.result() == 0);
  REQUIRE(loaded.module_load().functions_size() >= 1);

  wire::Call launch;
  auto* op = launch.mutable_launch_kernel();
  op->set_ctx(1);
  op->set_module(7);
  op->set_function(0);
  op->set_grid_x(1);
  op->set_grid_y(1);
  op->set_grid_z(1);
  op->set_block_x(32);
  op->set_block_y(1);
  op->set_block_z(1);
  uint32_t param_bytes = loaded.module_load().functions(0).param_bytes();
  op->set_params(std::string(param_bytes > 0 ? param_bytes - 1 : 0, '\0'));
  if (param_bytes > 0) CHECK(f.Run(*session, launch).result() == CUDA_ERROR_INVALID_VALUE);
  op->set_function(99);
  CHECK(f.Run(*session, launch).result() == CUDA_ERROR_INVALID_HANDLE);

  // The kernel writes through a null pointer: illegal address, sticky.
  op->set_function(0);
  op->set_params(std::string(param_bytes, '\0'));
  f.Run(*session, launch, /*want_reply=*/false);
  CHECK(f.Run(*session, Sync(1)).result() == CUDA_ERROR_ILLEGAL_ADDRESS);
  CHECK(f.Run(*session, Alloc(1, 16)).result() == CUDA_ERROR_ILLEGAL_ADDRESS);
}

TEST_CASE("dynamic shared memory opts in up to an A100's per-block limit, not beyond", "[session][module]") {
  Fixture f;
  auto session = f.Open();
  REQUIRE(f.Run(*session, CtxCreate(1)).result() == 0);
  std::string ptx = ReadFixture("ptx/out_of_bounds.ptx");
  wire::Call load;
  load.mutable_module_load()->set_ctx(1);
  load.mutable_module_load()->set_module(7);
  load.mutable_module_load()->set_sha256(Sha256Hex(ptx));
  load.mutable_module_load()->set_image(ptx);
  REQUIRE(f.Run(*session, load).result() == 0);
  auto set = [&](int32_t bytes) {
    wire::Call call;
    auto* op = call.mutable_func_set_attribute();
    op->set_ctx(1);
    op->set_module(7);
    op->set_function(0);
    op->set_attribute(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES);
    op->set_value(bytes);
    return f.Run(*session, call).result();
  };
  // ggml's MMQ kernels ask for more than 48 KiB (q2_K aborts without it).
  CHECK(set(54336) == 0);
  CHECK(set(163 * 1024) == 0);
  CHECK(set(163 * 1024 + 1) == CUDA_ERROR_INVALID_VALUE);
  CHECK(set(-1) == CUDA_ERROR_INVALID_VALUE);
}

TEST_CASE("an image with bytes that are not UTF-8 gets a reply the client can parse", "[session][module]") {
  Fixture f;
  auto session = f.Open();
  REQUIRE(f.Run(*session, CtxCreate(1)).result() == 0);
  // The PTX lexer echoes what it could not read into the error message.
  std::string ptx = ".version 8.0\n.target sm_80\n.address_size 64\n\xff\xfe garbage \xc3(\n";
  wire::Call load;
  load.mutable_module_load()->set_ctx(1);
  load.mutable_module_load()->set_module(8);
  load.mutable_module_load()->set_sha256(Sha256Hex(ptx));
  load.mutable_module_load()->set_image(ptx);
  wire::Reply reply = f.Run(*session, load);
  CHECK(reply.result() != 0);
  // What the client's protobuf does with the bytes: a proto3 string that is
  // not UTF-8 makes the whole message unparseable.
  std::string bytes = reply.SerializeAsString();
  wire::Reply parsed;
  CHECK(parsed.ParseFromString(bytes));
  CHECK(parsed.message() == reply.message());
}

TEST_CASE("a session's memory is freed when it ends", "[session][memory]") {
  Fixture f;
  auto observer = f.Open();
  REQUIRE(f.Run(*observer, CtxCreate(1)).result() == 0);
  uint64_t free_before = f.Run(*observer, Info(1)).mem_get_info().free();
  uint64_t dptr = 0;
  {
    auto session = f.Open();
    REQUIRE(f.Run(*session, CtxCreate(1)).result() == 0);
    wire::Reply alloc = f.Run(*session, Alloc(1, 256 << 20));
    REQUIRE(alloc.result() == 0);
    dptr = alloc.mem_alloc().dptr();
    CHECK(f.Run(*observer, Info(1)).mem_get_info().free() <= free_before - (256 << 20));
    // Another session cannot touch or free it.
    wire::Call steal;
    steal.mutable_mem_free()->set_ctx(1);
    steal.mutable_mem_free()->set_dptr(dptr);
    CHECK(f.Run(*observer, steal).result() == CUDA_ERROR_INVALID_VALUE);
  }
  CHECK(f.Run(*observer, Info(1)).mem_get_info().free() == free_before);
}

}  // namespace
}  // namespace vgpu::server
