// Bounded resources of a session on the software GPU: the kernel timeout,
// launches that stop when the client is gone, per-session caps, the
// device-memory quota as every API reports it, and address spaces that say
// nothing about other sessions.
#include <cuda.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "common/sha256.h"
#include "server/backends/emu/emu_backend.h"
#include "server/session/cancellation.h"
#include "server/session/limits.h"
#include "server/session/session.h"

namespace vgpu::server {
namespace {

// Every thread counts to its parameter: with a huge grid, a launch that
// would run for days.
constexpr char kSpinPtx[] = R"(.version 8.0
.target sm_80
.address_size 64
.visible .entry spin(.param .u64 n)
{
  .reg .pred %p;
  .reg .b64 %r<3>;
  ld.param.u64 %r1, [n];
  mov.u64 %r2, 0;
LOOP:
  add.u64 %r2, %r2, 1;
  setp.lt.u64 %p, %r2, %r1;
  @%p bra LOOP;
  ret;
}
)";

// A module with a 2 MiB variable.
constexpr char kBigGlobalPtx[] = R"(.version 8.0
.target sm_80
.address_size 64
.visible .global .align 4 .b8 big[2097152];
.visible .entry touch()
{
  ret;
}
)";

class Fixture {
 public:
  explicit Fixture(std::chrono::nanoseconds kernel_timeout = {})
      : backend_(std::move(backend::emu::CreateEmuBackend(1 << 30, kernel_timeout)).value()), images_("", 1 << 20) {}

  std::unique_ptr<Session> Open(SessionLimits limits = {}, backend::SessionOptions options = {}) {
    auto session = std::make_unique<Session>(*backend_, images_, next_id_++, limits);
    REQUIRE(session->Open(options).ok());
    REQUIRE(Run(*session, CtxCreate()).result() == 0);
    return session;
  }

  wire::Reply Run(Session& session, wire::Call call) {
    call.set_seq(++seq_);
    call.set_want_reply(true);
    Outcome outcome = session.Execute(call);
    session.Finish(outcome);
    return *outcome.reply;
  }

  static wire::Call CtxCreate() {
    wire::Call call;
    call.mutable_ctx_create()->set_ctx(1);
    return call;
  }
  static wire::Call Alloc(uint64_t bytes) {
    wire::Call call;
    call.mutable_mem_alloc()->set_ctx(1);
    call.mutable_mem_alloc()->set_bytesize(bytes);
    return call;
  }
  static wire::Call Free(uint64_t dptr) {
    wire::Call call;
    call.mutable_mem_free()->set_ctx(1);
    call.mutable_mem_free()->set_dptr(dptr);
    return call;
  }
  static wire::Call Info() {
    wire::Call call;
    call.mutable_mem_get_info()->set_ctx(1);
    return call;
  }
  static wire::Call Load(uint64_t module, const std::string& ptx) {
    wire::Call call;
    call.mutable_module_load()->set_ctx(1);
    call.mutable_module_load()->set_module(module);
    call.mutable_module_load()->set_sha256(Sha256Hex(ptx));
    call.mutable_module_load()->set_image(ptx);
    return call;
  }
  static wire::Call Spin(uint64_t module, uint32_t blocks, uint64_t count) {
    wire::Call call;
    auto* op = call.mutable_launch_kernel();
    op->set_ctx(1);
    op->set_module(module);
    op->set_grid_x(blocks);
    op->set_grid_y(1);
    op->set_grid_z(1);
    op->set_block_x(32);
    op->set_block_y(1);
    op->set_block_z(1);
    op->set_params(std::string(reinterpret_cast<const char*>(&count), sizeof count));
    return call;
  }

  std::unique_ptr<backend::Backend> backend_;
  ImageCache images_;
  uint64_t seq_ = 0;
  uint64_t next_id_ = 1;
};

constexpr uint32_t kHugeGrid = 0x7FFFFFFF;

TEST_CASE("a launch past the kernel timeout fails with a sticky CUDA_ERROR_LAUNCH_TIMEOUT", "[limits][function]") {
  Fixture f(std::chrono::milliseconds(50));
  auto session = f.Open();
  REQUIRE(f.Run(*session, Fixture::Load(1, kSpinPtx)).result() == 0);
  CHECK(f.Run(*session, Fixture::Spin(1, 1, 10)).result() == 0);  // a short one runs
  wire::Reply reply = f.Run(*session, Fixture::Spin(1, kHugeGrid, 1000));
  CHECK(reply.result() == CUDA_ERROR_LAUNCH_TIMEOUT);
  CHECK(f.Run(*session, Fixture::Alloc(16)).result() == CUDA_ERROR_LAUNCH_TIMEOUT);
  auto other = f.Open();  // other sessions are unaffected
  CHECK(f.Run(*other, Fixture::Alloc(16)).result() == 0);
}

TEST_CASE("the software GPU reports whether kernels have a timeout", "[limits][device]") {
  Fixture none;
  Fixture some(std::chrono::seconds(5));
  CHECK(none.backend_->devices()[0].attributes[CU_DEVICE_ATTRIBUTE_KERNEL_EXEC_TIMEOUT] == 0);
  CHECK(some.backend_->devices()[0].attributes[CU_DEVICE_ATTRIBUTE_KERNEL_EXEC_TIMEOUT] == 1);
}

TEST_CASE("a launch stops when its session is cancelled", "[limits][function]") {
  Fixture f;
  std::atomic<bool> gone{false};
  backend::SessionOptions options;
  options.cancelled = [&gone] { return gone.load(); };
  auto session = f.Open({}, options);
  REQUIRE(f.Run(*session, Fixture::Load(1, kSpinPtx)).result() == 0);
  // No timeout: only the cancellation can end this launch.
  std::thread client_leaves([&gone] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gone = true;
  });
  wire::Reply reply = f.Run(*session, Fixture::Spin(1, kHugeGrid, 1000));
  client_leaves.join();
  CHECK(reply.result() == CUDA_ERROR_LAUNCH_FAILED);
  CHECK(reply.message().find("client is gone") != std::string::npos);
}

TEST_CASE("one thread block that never ends still stops at the timeout and at cancellation", "[limits][function]") {
  constexpr uint64_t kForever = ~uint64_t{0};
  {
    Fixture f(std::chrono::milliseconds(50));
    auto session = f.Open();
    REQUIRE(f.Run(*session, Fixture::Load(1, kSpinPtx)).result() == 0);
    CHECK(f.Run(*session, Fixture::Spin(1, 1, kForever)).result() == CUDA_ERROR_LAUNCH_TIMEOUT);
  }
  Fixture f;
  std::atomic<bool> gone{false};
  backend::SessionOptions options;
  options.cancelled = [&gone] { return gone.load(); };
  auto session = f.Open({}, options);
  REQUIRE(f.Run(*session, Fixture::Load(1, kSpinPtx)).result() == 0);
  std::thread client_leaves([&gone] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gone = true;
  });
  wire::Reply reply = f.Run(*session, Fixture::Spin(1, 1, kForever));
  client_leaves.join();
  CHECK(reply.result() == CUDA_ERROR_LAUNCH_FAILED);
}

TEST_CASE("contexts, streams, events and modules are capped per session", "[limits]") {
  Fixture f;
  SessionLimits limits;
  limits.max_streams = 2;
  limits.max_events = 2;
  limits.max_modules = 1;
  limits.max_contexts = 1;
  auto session = f.Open(limits);
  wire::Call second_context = Fixture::CtxCreate();
  second_context.mutable_ctx_create()->set_ctx(2);
  wire::Reply context_refused = f.Run(*session, second_context);
  CHECK(context_refused.result() == CUDA_ERROR_OUT_OF_MEMORY);
  CHECK(context_refused.message().find("--max-contexts") != std::string::npos);
  auto stream = [](uint64_t id) {
    wire::Call call;
    call.mutable_stream_create()->set_ctx(1);
    call.mutable_stream_create()->set_stream(id);
    return call;
  };
  auto event = [](uint64_t id) {
    wire::Call call;
    call.mutable_event_create()->set_ctx(1);
    call.mutable_event_create()->set_event(id);
    return call;
  };
  CHECK(f.Run(*session, stream(1)).result() == 0);
  CHECK(f.Run(*session, stream(2)).result() == 0);
  wire::Reply refused = f.Run(*session, stream(3));
  CHECK(refused.result() == CUDA_ERROR_OUT_OF_MEMORY);
  CHECK(refused.message().find("--max-streams") != std::string::npos);
  wire::Call destroy;
  destroy.mutable_stream_destroy()->set_ctx(1);
  destroy.mutable_stream_destroy()->set_stream(1);
  CHECK(f.Run(*session, destroy).result() == 0);
  CHECK(f.Run(*session, stream(3)).result() == 0);  // room again

  CHECK(f.Run(*session, event(1)).result() == 0);
  CHECK(f.Run(*session, event(2)).result() == 0);
  CHECK(f.Run(*session, event(3)).result() == CUDA_ERROR_OUT_OF_MEMORY);

  CHECK(f.Run(*session, Fixture::Load(1, kSpinPtx)).result() == 0);
  wire::Reply module = f.Run(*session, Fixture::Load(2, kSpinPtx));
  CHECK(module.result() == CUDA_ERROR_OUT_OF_MEMORY);
  CHECK(module.message().find("--max-modules") != std::string::npos);
}

TEST_CASE("the quota bounds every allocation and is what MemGetInfo reports", "[limits][memory]") {
  Fixture f;
  SessionLimits limits;
  limits.quota_bytes = 1 << 20;
  auto session = f.Open(limits);
  wire::Reply info = f.Run(*session, Fixture::Info());
  CHECK(info.mem_get_info().total() == 1 << 20);
  CHECK(info.mem_get_info().free() == 1 << 20);

  wire::Reply first = f.Run(*session, Fixture::Alloc(768 << 10));
  REQUIRE(first.result() == 0);
  CHECK(f.Run(*session, Fixture::Info()).mem_get_info().free() == 256 << 10);
  wire::Reply over = f.Run(*session, Fixture::Alloc(512 << 10));
  CHECK(over.result() == CUDA_ERROR_OUT_OF_MEMORY);
  CHECK(over.message().find("quota") != std::string::npos);
  CHECK(f.Run(*session, Fixture::Alloc(256 << 10)).result() == 0);  // exactly up to it

  // Module variables count too: a 2 MiB variable does not fit.
  wire::Reply module = f.Run(*session, Fixture::Load(1, kBigGlobalPtx));
  CHECK(module.result() == CUDA_ERROR_OUT_OF_MEMORY);
  CHECK(f.Run(*session, Fixture::Free(first.mem_alloc().dptr())).result() == 0);
  CHECK(f.Run(*session, Fixture::Info()).mem_get_info().free() == 768 << 10);

  // Another client has its own quota, and without one sees the device.
  auto unlimited = f.Open();
  CHECK(f.Run(*unlimited, Fixture::Info()).mem_get_info().total() == 1 << 30);
  CHECK(f.Run(*unlimited, Fixture::Load(1, kBigGlobalPtx)).result() == 0);
}

TEST_CASE("a session's device addresses say nothing about other sessions", "[limits][memory]") {
  Fixture f;
  auto a = f.Open();
  wire::Reply a_first = f.Run(*a, Fixture::Alloc(1 << 20));
  REQUIRE(a_first.result() == 0);
  for (int i = 0; i < 5; ++i) REQUIRE(f.Run(*a, Fixture::Alloc(3 << 20)).result() == 0);
  auto b = f.Open();
  wire::Reply b_first = f.Run(*b, Fixture::Alloc(1 << 20));
  REQUIRE(b_first.result() == 0);
  // Each session starts at the base of its own address space (4 GiB
  // aligned), whatever others allocated before it.
  constexpr uint64_t kSpace = uint64_t{1} << 32;
  CHECK(a_first.mem_alloc().dptr() % kSpace == 0);
  CHECK(b_first.mem_alloc().dptr() % kSpace == 0);
  // And only its own allocations are reachable from it.
  CHECK(f.Run(*b, Fixture::Free(a_first.mem_alloc().dptr())).result() == CUDA_ERROR_INVALID_VALUE);
}

TEST_CASE("an image the backend refused is not cached", "[limits][module]") {
  Fixture f;
  auto session = f.Open();
  const std::string garbage = "not PTX, not a fatbin, not a cubin";
  CHECK(f.Run(*session, Fixture::Load(1, garbage)).result() != 0);
  wire::Call by_digest = Fixture::Load(1, garbage);
  by_digest.mutable_module_load()->clear_image();
  CHECK(f.Run(*session, by_digest).result() == CUDA_ERROR_FILE_NOT_FOUND);  // asks for the bytes again
  // An image that loaded is cached: the digest alone is enough next time.
  REQUIRE(f.Run(*session, Fixture::Load(2, kSpinPtx)).result() == 0);
  wire::Call cached = Fixture::Load(3, kSpinPtx);
  cached.mutable_module_load()->clear_image();
  CHECK(f.Run(*session, cached).result() == 0);
}

TEST_CASE("a cancellation notices its client is gone, and stays cancelled", "[limits]") {
  std::atomic<bool> gone{false};
  std::atomic<int> probes{0};
  Cancellation cancellation([&] {
    ++probes;
    return gone.load();
  });
  CHECK_FALSE(cancellation.Cancelled());
  gone = true;
  bool noticed = false;
  for (int i = 0; i < 10000 && !noticed; ++i) {  // probes are spaced a few ms apart
    noticed = cancellation.Cancelled();
    if (!noticed) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(noticed);
  gone = false;
  CHECK(cancellation.Cancelled());
  // Asked in a tight loop, the client is probed far less often than asked.
  int before = probes.load();
  Cancellation busy([&] {
    ++probes;
    return false;
  });
  for (int i = 0; i < 100000; ++i) (void)busy.Cancelled();
  CHECK(probes.load() - before < 100000);
}

TEST_CASE("admission refuses sessions beyond the maximum and frees seats", "[limits]") {
  Admission::Options options;
  options.max_sessions = 2;
  options.per_session.quota_bytes = 7 << 20;
  Admission admission(options);
  auto first = admission.TryAdmit();
  auto second = admission.TryAdmit();
  REQUIRE(first);
  REQUIRE(second);
  CHECK(admission.Full());
  CHECK_FALSE(admission.TryAdmit());
  CHECK(admission.RefusalMessage().find("--max-sessions") != std::string::npos);
  first.reset();
  CHECK(admission.TryAdmit());
  CHECK(admission.LimitsFor(std::nullopt).quota_bytes == 7 << 20);  // the --quota-mib default
  CHECK(admission.LimitsFor(uint64_t{8192}).quota_bytes == uint64_t{8} << 30);  // a token's quota_mib
  CHECK(admission.LimitsFor(uint64_t{1}).quota_bytes == 1 << 20);
}

}  // namespace
}  // namespace vgpu::server
