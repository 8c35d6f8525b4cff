// Random, mostly malformed wire calls against a real session on the software
// GPU: none may crash the server or leak into another session, and the
// session must still serve a well-formed client afterwards.
#include <cuda.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <random>

#include "common/sha256.h"
#include "server/backends/emu/emu_backend.h"
#include "server/session/session.h"

namespace vgpu::server {
namespace {

class Fuzzer {
 public:
  explicit Fuzzer(uint32_t seed) : rng_(seed) {}

  uint64_t Id() { return Pick({0, 1, 2, 3, 7, 42, UINT64_MAX}); }
  uint64_t Pointer() {
    if (!pointers_.empty() && Coin()) return pointers_[rng_() % pointers_.size()] + Pick({0, 1, 8, 255, 256, 4096});
    return Pick({0, 1, 0x1000, 0x200000000000ull, UINT64_MAX - 7, rng_()});
  }
  uint64_t Size() { return Pick({0, 1, 3, 16, 4096, 1 << 20, uint64_t{1} << 40, UINT64_MAX}); }
  uint32_t Small() { return static_cast<uint32_t>(Pick({0, 1, 2, 3, 4, 32, 1025})); }
  bool Coin() { return rng_() & 1; }
  void Remember(uint64_t dptr) { pointers_.push_back(dptr); }
  std::string Bytes(size_t max) {
    std::string bytes(rng_() % (max + 1), '\0');
    for (char& c : bytes) c = static_cast<char>(rng_());
    return bytes;
  }

  wire::Call RandomCall(const std::string& ptx) {
    wire::Call call;
    switch (rng_() % 20) {
      case 0: call.mutable_ctx_create()->set_ctx(Id()); call.mutable_ctx_create()->set_device(static_cast<int32_t>(Small()) - 1); break;
      case 1: call.mutable_ctx_destroy()->set_ctx(Id()); break;
      case 2: call.mutable_ctx_synchronize()->set_ctx(Id()); break;
      case 3: call.mutable_mem_alloc()->set_ctx(Id()); call.mutable_mem_alloc()->set_bytesize(Size()); break;
      case 4: call.mutable_mem_free()->set_ctx(Id()); call.mutable_mem_free()->set_dptr(Pointer()); break;
      case 5: {
        auto* op = call.mutable_memcpy_htod();
        op->set_ctx(Id());
        op->set_dst(Pointer());
        op->set_data(Bytes(300));
        op->set_stream(Id());
        break;
      }
      case 6: {
        auto* op = call.mutable_memcpy_dtoh();
        op->set_ctx(Id());
        op->set_src(Pointer());
        op->set_bytesize(Size());
        op->set_async(Coin());
        break;
      }
      case 7: {
        auto* op = call.mutable_memcpy_dtod();
        op->set_ctx(Id());
        op->set_dst(Pointer());
        op->set_src(Pointer());
        op->set_bytesize(Size());
        break;
      }
      case 8: {
        auto* op = call.mutable_memset();
        op->set_ctx(Id());
        op->set_dst(Pointer());
        op->set_element_size(Small());
        op->set_count(Size());
        break;
      }
      case 9: call.mutable_stream_create()->set_ctx(Id()); call.mutable_stream_create()->set_stream(Id()); break;
      case 10: call.mutable_stream_destroy()->set_ctx(Id()); call.mutable_stream_destroy()->set_stream(Id()); break;
      case 11: call.mutable_stream_wait_event()->set_ctx(Id()); call.mutable_stream_wait_event()->set_event(Id()); break;
      case 12: call.mutable_event_create()->set_ctx(Id()); call.mutable_event_create()->set_event(Id()); break;
      case 13: call.mutable_event_record()->set_ctx(Id()); call.mutable_event_record()->set_event(Id()); break;
      case 14: {
        auto* op = call.mutable_event_elapsed_time();
        op->set_ctx(Id());
        op->set_start(Id());
        op->set_end(Id());
        break;
      }
      case 15: {
        auto* op = call.mutable_module_load();
        op->set_ctx(Id());
        op->set_module(Id());
        std::string image = Coin() ? ptx : Bytes(200);
        if (Coin() && !image.empty()) image[rng_() % image.size()] ^= static_cast<char>(1 + rng_() % 255);
        op->set_sha256(Coin() ? Sha256Hex(image) : Bytes(64));
        if (Coin()) op->set_image(image);
        break;
      }
      case 16: call.mutable_module_unload()->set_ctx(Id()); call.mutable_module_unload()->set_module(Id()); break;
      case 17: {
        auto* op = call.mutable_launch_kernel();
        op->set_ctx(Id());
        op->set_module(Id());
        op->set_function(Small());
        // Small grids: a valid huge grid would only take long, not fail.
        op->set_grid_x(Small());
        op->set_grid_y(Coin() ? 1 : Small());
        op->set_grid_z(1);
        op->set_block_x(Small());
        op->set_block_y(1);
        op->set_block_z(Coin() ? 1 : Small());
        op->set_shared_mem_bytes(static_cast<uint32_t>(Pick({0, 16, 1 << 20})));
        op->set_params(Bytes(40));
        break;
      }
      case 18: {
        auto* op = call.mutable_func_set_attribute();
        op->set_ctx(Id());
        op->set_module(Id());
        op->set_function(Small());
        op->set_attribute(static_cast<int32_t>(Small()) + 5);
        op->set_value(static_cast<int32_t>(rng_()));
        break;
      }
      default: break;  // no operation set
    }
    return call;
  }

 private:
  uint64_t Pick(std::initializer_list<uint64_t> values) { return *(values.begin() + rng_() % values.size()); }
  std::mt19937_64 rng_;
  std::vector<uint64_t> pointers_;
};

TEST_CASE("random wire calls never crash a session or reach another one", "[session][fuzz]") {
  auto backend = std::move(backend::emu::CreateEmuBackend(uint64_t{4} << 30)).value();
  ImageCache images("", 64 << 20);
  std::ifstream file(std::string(VGPU_FIXTURE_DIR) + "/ptx/vector_add.ptx");
  std::string ptx((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  REQUIRE_FALSE(ptx.empty());

  // A bystander session with data that must survive the fuzzing untouched.
  Session bystander(*backend, images, 1);
  REQUIRE(bystander.Open().ok());
  uint64_t seq = 0;
  auto run = [&seq](Session& session, wire::Call call) {
    call.set_seq(++seq);
    call.set_want_reply(true);
    Outcome outcome = session.Execute(call);
    session.Finish(outcome);
    return *outcome.reply;
  };
  wire::Call create;
  create.mutable_ctx_create()->set_ctx(1);
  REQUIRE(run(bystander, create).result() == 0);
  wire::Call alloc;
  alloc.mutable_mem_alloc()->set_ctx(1);
  alloc.mutable_mem_alloc()->set_bytesize(64);
  uint64_t guarded = run(bystander, alloc).mem_alloc().dptr();
  wire::Call fill;
  fill.mutable_memset()->set_ctx(1);
  fill.mutable_memset()->set_dst(guarded);
  fill.mutable_memset()->set_value(0x5a);
  fill.mutable_memset()->set_element_size(1);
  fill.mutable_memset()->set_count(64);
  REQUIRE(run(bystander, fill).result() == 0);

  int succeeded = 0, failed = 0;
  for (uint32_t seed = 1; seed <= 8; ++seed) {
    Fuzzer fuzzer(seed);
    fuzzer.Remember(guarded);  // aim at the bystander's memory too
    Session session(*backend, images, 100 + seed);
    REQUIRE(session.Open().ok());
    REQUIRE(run(session, create).result() == 0);
    wire::Call own;
    own.mutable_mem_alloc()->set_ctx(1);
    own.mutable_mem_alloc()->set_bytesize(4096);
    fuzzer.Remember(run(session, own).mem_alloc().dptr());
    for (int i = 0; i < 400; ++i) {
      wire::Call call = fuzzer.RandomCall(ptx);
      call.set_seq(++seq);
      call.set_want_reply(fuzzer.Coin());
      Outcome outcome = session.Execute(call);
      session.Finish(outcome);
      if (outcome.reply->has_mem_alloc()) fuzzer.Remember(outcome.reply->mem_alloc().dptr());
      (outcome.reply->result() == 0 ? succeeded : failed)++;
    }
  }
  // Both kinds must occur, or the fuzzer explores nothing.
  INFO("succeeded " << succeeded << ", failed " << failed);
  CHECK(succeeded > 100);
  CHECK(failed > 100);

  wire::Call read;
  read.mutable_memcpy_dtoh()->set_ctx(1);
  read.mutable_memcpy_dtoh()->set_src(guarded);
  read.mutable_memcpy_dtoh()->set_bytesize(64);
  wire::Reply reply = run(bystander, read);
  REQUIRE(reply.result() == 0);
  CHECK(reply.memcpy_dtoh().data() == std::string(64, '\x5a'));
}

}  // namespace
}  // namespace vgpu::server
