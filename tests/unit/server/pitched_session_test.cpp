// 2D/3D copies, 2D memsets and host-function holds at the session layer on
// the software GPU, driven with wire messages: every field from the wire is
// validated (pitch, offsets, overflow, allocation bounds), and calls after a
// host-function marker wait for its HostFuncDone.
#include <cuda.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "server/backends/emu/emu_backend.h"
#include "server/session/pitched_box.h"
#include "server/session/session.h"

namespace vgpu::server {
namespace {

class Fixture {
 public:
  Fixture() : backend_(std::move(backend::emu::CreateEmuBackend(1 << 30)).value()), images_("", 1 << 20) {
    session_ = std::make_unique<Session>(*backend_, images_, 1);
    REQUIRE(session_->Open().ok());
    wire::Call create;
    create.mutable_ctx_create()->set_ctx(1);
    REQUIRE(Run(create).result() == 0);
  }

  wire::Reply Run(wire::Call call) {
    call.set_seq(++seq_);
    call.set_want_reply(true);
    Outcome outcome = session_->Execute(call);
    session_->Finish(outcome);
    return *outcome.reply;
  }

  uint64_t Alloc(uint64_t bytes) {
    wire::Call call;
    call.mutable_mem_alloc()->set_ctx(1);
    call.mutable_mem_alloc()->set_bytesize(bytes);
    wire::Reply reply = Run(call);
    REQUIRE(reply.result() == 0);
    return reply.mem_alloc().dptr();
  }

  void Upload(uint64_t dst, const std::string& bytes) {
    wire::Call call;
    call.mutable_memcpy_htod()->set_ctx(1);
    call.mutable_memcpy_htod()->set_dst(dst);
    call.mutable_memcpy_htod()->set_data(bytes);
    REQUIRE(Run(call).result() == 0);
  }

  std::string Download(uint64_t src, uint64_t bytes) {
    wire::Call call;
    call.mutable_memcpy_dtoh()->set_ctx(1);
    call.mutable_memcpy_dtoh()->set_src(src);
    call.mutable_memcpy_dtoh()->set_bytesize(bytes);
    wire::Reply reply = Run(call);
    REQUIRE(reply.result() == 0);
    return reply.memcpy_dtoh().data();
  }

  std::unique_ptr<backend::Backend> backend_;
  ImageCache images_;
  std::unique_ptr<Session> session_;
  uint64_t seq_ = 0;
};

void SetRegion(wire::PitchedRegion* r, uint64_t ptr, uint64_t x, uint64_t y, uint64_t z, uint64_t pitch,
               uint64_t height) {
  r->set_ptr(ptr);
  r->set_x_bytes(x);
  r->set_y(y);
  r->set_z(z);
  r->set_pitch(pitch);
  r->set_height(height);
}

wire::Call Copy(wire::CopyDirection direction, uint64_t width, uint64_t height, uint64_t depth) {
  wire::Call call;
  auto* op = call.mutable_memcpy_3d();
  op->set_ctx(1);
  op->set_direction(direction);
  op->set_width_bytes(width);
  op->set_height(height);
  op->set_depth(depth);
  return call;
}

TEST_CASE("the box of a pitched region is checked for pitch, height and overflow", "[memory]") {
  backend::Extent3D extent{10, 4, 2};
  wire::PitchedRegion r;
  SetRegion(&r, 0x1000, 3, 1, 1, 16, 6);
  auto box = CheckPitchedBox(r, extent, "source");
  REQUIRE(box.ok());
  CHECK(box->ptr.ptr == 0x1000 + 1 * 16 * 6 + 1 * 16 + 3);
  CHECK(box->ptr.pitch == 16);
  CHECK(box->ptr.slice_pitch == 96);
  CHECK(box->span == 96 + 3 * 16 + 10);

  SetRegion(&r, 0x1000, 7, 0, 0, 16, 6);  // x + width > pitch
  CHECK(CheckPitchedBox(r, extent, "source").status().code() == Code::kInvalidValue);
  SetRegion(&r, 0x1000, 0, 3, 0, 16, 6);  // y + height > slice height
  CHECK(CheckPitchedBox(r, extent, "source").status().code() == Code::kInvalidValue);
  SetRegion(&r, UINT64_MAX - 8, 0, 0, 0, 16, 6);  // past the end of the address space
  CHECK(CheckPitchedBox(r, extent, "source").status().code() == Code::kInvalidValue);
  SetRegion(&r, 0, 0, 0, UINT64_MAX, UINT64_MAX, UINT64_MAX);  // products overflow
  CHECK(CheckPitchedBox(r, extent, "source").status().code() == Code::kInvalidValue);
  // One row: the pitch does not matter.
  SetRegion(&r, 0x1000, 0, 0, 0, 0, 0);
  CHECK(CheckPitchedBox(r, backend::Extent3D{10, 1, 1}, "source").ok());

  CHECK(!CheckExtent(0, 1, 1, 100).ok());
  CHECK(!CheckExtent(10, 11, 1, 100).ok());
  CHECK(!CheckExtent(UINT64_MAX, UINT64_MAX, 2, UINT64_MAX).ok());
  CHECK(CheckExtent(10, 10, 1, 100).ok());
}

TEST_CASE("Memcpy3D moves boxes in every direction and refuses bad ones", "[memory]") {
  Fixture f;
  uint64_t a = f.Alloc(4096), b = f.Alloc(4096);
  std::string zeros(4096, '\0');
  f.Upload(a, zeros);
  f.Upload(b, zeros);

  // Host to device: 3 rows of 5 bytes into pitch 32 at (x 2, y 1).
  wire::Call up = Copy(wire::COPY_HOST_TO_DEVICE, 5, 3, 1);
  SetRegion(up.mutable_memcpy_3d()->mutable_dst(), a, 2, 1, 0, 32, 0);
  up.mutable_memcpy_3d()->set_data("abcdefghijklmno");
  REQUIRE(f.Run(up).result() == 0);
  std::string device = f.Download(a, 128);
  CHECK(device.substr(32 + 2, 5) == "abcde");
  CHECK(device.substr(64 + 2, 5) == "fghij");
  CHECK(device.substr(96 + 2, 5) == "klmno");
  CHECK(device[32 + 7] == '\0');

  // Device to device, into another pitch; then device to host, packed.
  wire::Call d2d = Copy(wire::COPY_DEVICE_TO_DEVICE, 5, 3, 1);
  SetRegion(d2d.mutable_memcpy_3d()->mutable_src(), a, 2, 1, 0, 32, 0);
  SetRegion(d2d.mutable_memcpy_3d()->mutable_dst(), b, 1, 0, 0, 7, 0);
  REQUIRE(f.Run(d2d).result() == 0);
  wire::Call down = Copy(wire::COPY_DEVICE_TO_HOST, 5, 3, 1);
  SetRegion(down.mutable_memcpy_3d()->mutable_src(), b, 1, 0, 0, 7, 0);
  wire::Reply reply = f.Run(down);
  REQUIRE(reply.result() == 0);
  CHECK(reply.memcpy_3d().data() == "abcdefghijklmno");

  // Data size that does not match the box.
  up.mutable_memcpy_3d()->set_data("short");
  CHECK(f.Run(up).result() == CUDA_ERROR_INVALID_VALUE);
  // A box past the allocation's end.
  wire::Call past = Copy(wire::COPY_DEVICE_TO_HOST, 64, 65, 1);
  SetRegion(past.mutable_memcpy_3d()->mutable_src(), a, 0, 0, 0, 64, 0);
  CHECK(f.Run(past).result() == CUDA_ERROR_INVALID_VALUE);
  // Memory that is not the session's.
  SetRegion(past.mutable_memcpy_3d()->mutable_src(), 0x10, 0, 0, 0, 64, 0);
  past.mutable_memcpy_3d()->set_height(1);
  CHECK(f.Run(past).result() == CUDA_ERROR_INVALID_VALUE);
  // No direction, and a piece too large for one message.
  CHECK(f.Run(Copy(wire::COPY_DIRECTION_UNSPECIFIED, 1, 1, 1)).result() == CUDA_ERROR_INVALID_VALUE);
  wire::Call huge = Copy(wire::COPY_DEVICE_TO_HOST, 1 << 20, 1 << 10, 1);
  SetRegion(huge.mutable_memcpy_3d()->mutable_src(), a, 0, 0, 0, 1 << 20, 0);
  CHECK(f.Run(huge).result() == CUDA_ERROR_INVALID_VALUE);
}

TEST_CASE("Memset2D fills rows and refuses misaligned or out-of-range ones", "[memory]") {
  Fixture f;
  uint64_t a = f.Alloc(256);
  f.Upload(a, std::string(256, '\0'));
  wire::Call set;
  auto* op = set.mutable_memset_2d();
  op->set_ctx(1);
  op->set_dst(a + 4);
  op->set_pitch(20);
  op->set_value(0x01020304);
  op->set_element_size(4);
  op->set_width(3);
  op->set_height(4);
  REQUIRE(f.Run(set).result() == 0);
  std::string device = f.Download(a, 256);
  for (int row = 0; row < 4; ++row) {
    for (int i = 0; i < 3; ++i) CHECK(device.substr(4 + row * 20 + i * 4, 4) == std::string("\x04\x03\x02\x01", 4));
    CHECK(device.substr(4 + row * 20 + 12, 8) == std::string(8, '\0'));
  }
  op->set_dst(a + 2);
  CHECK(f.Run(set).result() == CUDA_ERROR_INVALID_VALUE);  // misaligned
  op->set_dst(a);
  op->set_pitch(8);
  CHECK(f.Run(set).result() == CUDA_ERROR_INVALID_VALUE);  // pitch < width
  op->set_pitch(100);
  CHECK(f.Run(set).result() == CUDA_ERROR_INVALID_VALUE);  // past the end
  op->set_element_size(3);
  CHECK(f.Run(set).result() == CUDA_ERROR_INVALID_VALUE);
}

TEST_CASE("calls after a host-function marker wait for its HostFuncDone", "[stream]") {
  Fixture f;
  uint64_t a = f.Alloc(16);
  f.Upload(a, std::string(16, '\0'));
  wire::Call reach;
  reach.mutable_host_func_reach()->set_ctx(1);
  reach.mutable_host_func_reach()->set_id(7);
  reach.set_seq(++f.seq_);
  reach.set_want_reply(true);
  Outcome marker = f.session_->Execute(reach);
  CHECK(marker.want_reply);
  CHECK(f.session_->Finish(marker));
  CHECK(marker.reply->result() == 0);

  // Held: a memset and a download, not executed yet.
  wire::Call set;
  set.mutable_memset()->set_ctx(1);
  set.mutable_memset()->set_dst(a);
  set.mutable_memset()->set_value(0x5a);
  set.mutable_memset()->set_element_size(1);
  set.mutable_memset()->set_count(16);
  set.set_seq(++f.seq_);
  const uint64_t set_seq = set.seq();
  Outcome held = f.session_->Execute(set);  // keeps (moves) the call
  CHECK(!held.want_reply);
  CHECK(!held.wait);
  wire::Call down;
  down.mutable_memcpy_dtoh()->set_ctx(1);
  down.mutable_memcpy_dtoh()->set_src(a);
  down.mutable_memcpy_dtoh()->set_bytesize(16);
  down.set_seq(++f.seq_);
  down.set_want_reply(true);
  const uint64_t down_seq = down.seq();
  Outcome held_down = f.session_->Execute(down);
  CHECK(!held_down.want_reply);
  CHECK(f.session_->TakeReleased().empty());

  // A stray id releases nothing; the right one releases both, in order.
  wire::Call stray;
  stray.mutable_host_func_done()->set_id(8);
  stray.set_seq(++f.seq_);
  f.session_->Execute(stray);
  CHECK(f.session_->TakeReleased().empty());
  wire::Call done;
  done.mutable_host_func_done()->set_id(7);
  done.set_seq(++f.seq_);
  f.session_->Execute(done);
  std::vector<Outcome> released = f.session_->TakeReleased();
  REQUIRE(released.size() == 2);
  CHECK(released[0].reply->seq() == set_seq);
  CHECK(released[1].reply->seq() == down_seq);
  CHECK(f.session_->Finish(released[1]));
  CHECK(released[1].reply->memcpy_dtoh().data() == std::string(16, '\x5a'));

  // A marker on a stream that does not exist holds nothing.
  wire::Call bad = reach;
  bad.mutable_host_func_reach()->set_stream(99);
  bad.mutable_host_func_reach()->set_id(9);
  CHECK(f.Run(bad).result() != 0);
  CHECK(f.Download(a, 1) == "\x5a");
}

}  // namespace
}  // namespace vgpu::server
