// The cuda backend on the host's real GPU. Every case passes with "no GPU"
// where CreateCudaBackend fails, so this runs everywhere.
#include <catch2/catch.hpp>

#include <cuda.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "server/backends/cuda/cuda_backend.h"

namespace {

using vgpu::Code;
using vgpu::Status;
using vgpu::backend::Backend;
using vgpu::backend::Context;
using vgpu::backend::DevicePtr;
using vgpu::backend::Handle;
using vgpu::backend::LaunchConfig;
using vgpu::backend::ModuleInfo;
using vgpu::backend::Wait;

struct Gpu {
  std::unique_ptr<Backend> backend;
  std::string why;
};

Gpu& TheGpu() {
  static Gpu gpu = [] {
    Gpu g;
    auto backend = vgpu::backend::cuda::CreateCudaBackend();
    if (backend.ok()) {
      g.backend = std::move(*backend);
    } else {
      g.why = backend.status().ToString();
    }
    return g;
  }();
  return gpu;
}

#define VGPU_REQUIRE_GPU()                  \
  if (!TheGpu().backend) {                  \
    SUCCEED("no GPU: " + TheGpu().why);     \
    return;                                 \
  }                                         \
  Backend& backend = *TheGpu().backend

std::unique_ptr<Context> NewContext(Backend& backend) {
  auto session = backend.OpenSession();
  REQUIRE(session.ok());
  auto ctx = (*session)->CreateContext(0, 0);
  INFO(ctx.status().ToString());
  REQUIRE(ctx.ok());
  return std::move(*ctx);
}

// As the session's waiter thread runs it.
Status RunOnWaiter(const Wait& wait) {
  Status result;
  std::thread waiter([&] { result = wait(); });
  waiter.join();
  return result;
}

std::string Pattern(size_t n, int seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed) & 0xff);
  return s;
}

std::string ReadBack(Context& ctx, DevicePtr p, size_t n, Handle stream = 0) {
  std::string out;
  auto wait = ctx.MemcpyDtoH(&out, p, n, stream);
  INFO(wait.status().ToString());
  REQUIRE(wait.ok());
  Status s = RunOnWaiter(*wait);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return out;
}

// Hand-written PTX: vector add, a mixed-layout kernel, a faulting store and a global.
const char kPtx[] = R"(
.version 6.0
.target sm_50
.address_size 64

.visible .global .align 4 .u32 vgpu_counter = 7;

.visible .entry vgpu_vadd(
	.param .u64 vgpu_vadd_a,
	.param .u64 vgpu_vadd_b,
	.param .u64 vgpu_vadd_c,
	.param .u32 vgpu_vadd_n
)
{
	.reg .pred 	%p<2>;
	.reg .b32 	%r<6>;
	.reg .f32 	%f<4>;
	.reg .b64 	%rd<11>;

	ld.param.u64 	%rd1, [vgpu_vadd_a];
	ld.param.u64 	%rd2, [vgpu_vadd_b];
	ld.param.u64 	%rd3, [vgpu_vadd_c];
	ld.param.u32 	%r2, [vgpu_vadd_n];
	mov.u32 	%r3, %ctaid.x;
	mov.u32 	%r4, %ntid.x;
	mov.u32 	%r5, %tid.x;
	mad.lo.s32 	%r1, %r3, %r4, %r5;
	setp.ge.u32 	%p1, %r1, %r2;
	@%p1 bra 	DONE;
	cvta.to.global.u64 	%rd4, %rd1;
	cvta.to.global.u64 	%rd5, %rd2;
	cvta.to.global.u64 	%rd6, %rd3;
	mul.wide.u32 	%rd7, %r1, 4;
	add.s64 	%rd8, %rd4, %rd7;
	add.s64 	%rd9, %rd5, %rd7;
	add.s64 	%rd10, %rd6, %rd7;
	ld.global.f32 	%f1, [%rd8];
	ld.global.f32 	%f2, [%rd9];
	add.f32 	%f3, %f1, %f2;
	st.global.f32 	[%rd10], %f3;
DONE:
	ret;
}

.visible .entry vgpu_layout(
	.param .u32 vgpu_layout_p0,
	.param .u64 vgpu_layout_p1,
	.param .align 8 .b8 vgpu_layout_p2[24],
	.param .u8 vgpu_layout_p3,
	.param .f64 vgpu_layout_p4
)
{
	ret;
}

.visible .entry vgpu_fault(
	.param .u64 vgpu_fault_p
)
{
	.reg .b32 	%r<2>;
	.reg .b64 	%rd<2>;

	ld.param.u64 	%rd1, [vgpu_fault_p];
	mov.u32 	%r1, 42;
	st.global.u32 	[%rd1], %r1;
	ret;
}
)";

int FindFunction(const ModuleInfo& info, const std::string& name) {
  for (size_t i = 0; i < info.functions.size(); ++i) {
    if (info.functions[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

template <typename T>
void Pack(std::vector<uint8_t>* params, uint32_t offset, T value) {
  if (params->size() < offset + sizeof(T)) params->resize(offset + sizeof(T));
  std::memcpy(params->data() + offset, &value, sizeof(T));
}

}  // namespace

TEST_CASE("gpu: inventory", "[gpu][device]") {
  VGPU_REQUIRE_GPU();
  CHECK(backend.name() == "cuda");
  CHECK(backend.driver_version() >= 12040);
  REQUIRE_FALSE(backend.devices().empty());
  for (const auto& dev : backend.devices()) {
    CHECK_FALSE(dev.name.empty());
    CHECK(dev.total_memory > 0);
    REQUIRE(dev.attributes.size() == CU_DEVICE_ATTRIBUTE_MAX);
    CHECK(dev.attributes[CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR] >= 5);
    CHECK(dev.attributes[CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK] >= 512);
    CHECK(dev.attributes[CU_DEVICE_ATTRIBUTE_WARP_SIZE] == 32);
    CHECK(dev.pci_bus == static_cast<uint32_t>(dev.attributes[CU_DEVICE_ATTRIBUTE_PCI_BUS_ID]));
    bool uuid_set = false;
    for (uint8_t b : dev.uuid) uuid_set |= b != 0;
    CHECK(uuid_set);
  }
}

TEST_CASE("gpu: alloc, free and memory info", "[gpu][memory]") {
  VGPU_REQUIRE_GPU();
  auto ctx = NewContext(backend);
  auto before = ctx->MemGetInfo();
  REQUIRE(before.ok());
  CHECK(before->total == backend.devices()[0].total_memory);
  auto p = ctx->MemAlloc(256 << 20);
  REQUIRE(p.ok());
  CHECK(*p != 0);
  auto during = ctx->MemGetInfo();
  REQUIRE(during.ok());
  CHECK(during->free < before->free);
  CHECK(ctx->MemFree(*p).ok());
  CHECK(ctx->MemFree(*p).code() != Code::kOk);
}

TEST_CASE("gpu: copy round trips", "[gpu][memory]") {
  VGPU_REQUIRE_GPU();
  auto ctx = NewContext(backend);
  auto stream = ctx->StreamCreate(CU_STREAM_NON_BLOCKING, 0);
  REQUIRE(stream.ok());
  for (size_t n : {size_t{1}, size_t{4097}, size_t{(1 << 20) + 3}, size_t{64} << 20}) {
    for (Handle s : {Handle{0}, *stream}) {
      INFO("bytes " << n << " stream " << s);
      auto p = ctx->MemAlloc(n);
      REQUIRE(p.ok());
      const std::string data = Pattern(n, static_cast<int>(n));
      std::string copy = data;
      REQUIRE(ctx->MemcpyHtoD(*p, std::move(copy), s).ok());
      CHECK(ReadBack(*ctx, *p, n, s) == data);
      auto q = ctx->MemAlloc(n);
      REQUIRE(q.ok());
      REQUIRE(ctx->MemcpyDtoD(*q, *p, n, s).ok());
      CHECK(ReadBack(*ctx, *q, n, s) == data);
      CHECK(ctx->MemFree(*p).ok());
      CHECK(ctx->MemFree(*q).ok());
    }
  }
  CHECK(ctx->StreamDestroy(*stream).ok());
}

TEST_CASE("gpu: many small copies in flight", "[gpu][memory]") {
  VGPU_REQUIRE_GPU();
  auto ctx = NewContext(backend);
  auto p = ctx->MemAlloc(1 << 20);
  REQUIRE(p.ok());
  // Enqueue without waiting: staging buffers must stay valid until the copies ran.
  for (int i = 0; i < 256; ++i) {
    REQUIRE(ctx->MemcpyHtoD(*p + i * 4096, Pattern(4096, i), 0).ok());
  }
  const std::string out = ReadBack(*ctx, *p, 256 * 4096);
  for (int i = 0; i < 256; ++i) {
    INFO("chunk " << i);
    CHECK(out.substr(i * 4096, 4096) == Pattern(4096, i));
  }
}

TEST_CASE("gpu: memset", "[gpu][memory]") {
  VGPU_REQUIRE_GPU();
  auto ctx = NewContext(backend);
  auto p = ctx->MemAlloc(4096);
  REQUIRE(p.ok());
  REQUIRE(ctx->Memset(*p, 0xAB, 1, 4096, 0).ok());
  REQUIRE(ctx->Memset(*p + 1024, 0xBEEF, 2, 512, 0).ok());
  REQUIRE(ctx->Memset(*p + 2048, 0x01020304, 4, 256, 0).ok());
  const std::string out = ReadBack(*ctx, *p, 4096);
  CHECK(static_cast<uint8_t>(out[0]) == 0xAB);
  CHECK(static_cast<uint8_t>(out[1023]) == 0xAB);
  CHECK(static_cast<uint8_t>(out[1024]) == 0xEF);
  CHECK(static_cast<uint8_t>(out[1025]) == 0xBE);
  CHECK(static_cast<uint8_t>(out[2048]) == 0x04);
  CHECK(static_cast<uint8_t>(out[2051]) == 0x01);
  CHECK(static_cast<uint8_t>(out[3072]) == 0xAB);
}

TEST_CASE("gpu: streams and events", "[gpu][stream][event]") {
  VGPU_REQUIRE_GPU();
  auto ctx = NewContext(backend);
  auto s1 = ctx->StreamCreate(CU_STREAM_NON_BLOCKING, 0);
  auto s2 = ctx->StreamCreate(CU_STREAM_NON_BLOCKING, 0);
  REQUIRE(s1.ok());
  REQUIRE(s2.ok());
  auto start = ctx->EventCreate(CU_EVENT_DEFAULT);
  auto end = ctx->EventCreate(CU_EVENT_DEFAULT);
  auto written = ctx->EventCreate(CU_EVENT_DISABLE_TIMING);
  REQUIRE(start.ok());
  REQUIRE(end.ok());
  REQUIRE(written.ok());

  const size_t n = 32 << 20;
  auto src = ctx->MemAlloc(n);
  auto dst = ctx->MemAlloc(n);
  REQUIRE(src.ok());
  REQUIRE(dst.ok());
  REQUIRE(ctx->EventRecord(*start, *s1).ok());
  REQUIRE(ctx->Memset(*src, 0x5A, 1, n, *s1).ok());
  REQUIRE(ctx->EventRecord(*written, *s1).ok());
  // s2 copies only after s1's memset: ordering across streams by an event.
  REQUIRE(ctx->StreamWaitEvent(*s2, *written, 0).ok());
  REQUIRE(ctx->MemcpyDtoD(*dst, *src, n, *s2).ok());
  REQUIRE(ctx->EventRecord(*end, *s2).ok());

  auto event_wait = ctx->EventSynchronize(*end);
  REQUIRE(event_wait.ok());
  REQUIRE(RunOnWaiter(*event_wait).ok());
  CHECK(ctx->EventQuery(*end).ok());
  CHECK(ctx->StreamQuery(*s2).ok());
  auto ms = ctx->EventElapsedTime(*start, *end);
  REQUIRE(ms.ok());
  CHECK(*ms >= 0.0f);
  CHECK(ReadBack(*ctx, *dst, n, *s2) == std::string(n, '\x5A'));

  auto stream_wait = ctx->StreamSynchronize(*s1);
  REQUIRE(stream_wait.ok());
  CHECK(RunOnWaiter(*stream_wait).ok());
  auto all = ctx->Synchronize();
  REQUIRE(all.ok());
  CHECK(RunOnWaiter(*all).ok());

  // Timing was disabled on `written`.
  CHECK(ctx->EventElapsedTime(*start, *written).status().code() != Code::kOk);
  for (Handle e : {*start, *end, *written}) CHECK(ctx->EventDestroy(e).ok());
  CHECK(ctx->StreamDestroy(*s1).ok());
  CHECK(ctx->StreamDestroy(*s2).ok());
}

TEST_CASE("gpu: PTX module load, layouts and vector add", "[gpu][module][function]") {
  VGPU_REQUIRE_GPU();
  auto ctx = NewContext(backend);
  ModuleInfo info;
  // No trailing NUL: the backend adds it.
  auto module = ctx->ModuleLoad({reinterpret_cast<const uint8_t*>(kPtx), sizeof(kPtx) - 1}, &info);
  INFO(module.status().ToString());
  REQUIRE(module.ok());
  REQUIRE(info.functions.size() == 3);
  CHECK(info.globals.empty());

  const int layout = FindFunction(info, "vgpu_layout");
  REQUIRE(layout >= 0);
  const auto& slots = info.functions[layout].params;
  REQUIRE(slots.size() == 5);
  const uint32_t expected[5][2] = {{0, 4}, {8, 8}, {16, 24}, {40, 1}, {48, 8}};
  for (int i = 0; i < 5; ++i) {
    INFO("param " << i);
    CHECK(slots[i].offset == expected[i][0]);
    CHECK(slots[i].size == expected[i][1]);
  }
  CHECK(info.functions[layout].param_bytes == 56);
  REQUIRE(info.functions[layout].attributes.size() == CU_FUNC_ATTRIBUTE_MAX);
  CHECK(info.functions[layout].attributes[CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK] > 0);

  const int vadd = FindFunction(info, "vgpu_vadd");
  REQUIRE(vadd >= 0);
  const auto& vslots = info.functions[vadd].params;
  REQUIRE(vslots.size() == 4);
  CHECK(info.functions[vadd].param_bytes == 28);

  const uint32_t n = 10000;
  std::vector<float> a(n), b(n);
  for (uint32_t i = 0; i < n; ++i) {
    a[i] = static_cast<float>(i);
    b[i] = static_cast<float>(2 * i) + 0.5f;
  }
  auto da = ctx->MemAlloc(n * 4);
  auto db = ctx->MemAlloc(n * 4);
  auto dc = ctx->MemAlloc(n * 4);
  REQUIRE((da.ok() && db.ok() && dc.ok()));
  REQUIRE(ctx->MemcpyHtoD(*da, std::string(reinterpret_cast<const char*>(a.data()), n * 4), 0).ok());
  REQUIRE(ctx->MemcpyHtoD(*db, std::string(reinterpret_cast<const char*>(b.data()), n * 4), 0).ok());
  REQUIRE(ctx->Memset(*dc, 0, 4, n, 0).ok());

  std::vector<uint8_t> params;
  Pack<uint64_t>(&params, vslots[0].offset, *da);
  Pack<uint64_t>(&params, vslots[1].offset, *db);
  Pack<uint64_t>(&params, vslots[2].offset, *dc);
  Pack<uint32_t>(&params, vslots[3].offset, n);
  params.resize(info.functions[vadd].param_bytes);
  LaunchConfig config;
  config.block[0] = 256;
  config.grid[0] = (n + 255) / 256;
  Status launched = ctx->Launch(*module, vadd, config, params, 0);
  INFO(launched.ToString());
  REQUIRE(launched.ok());
  const std::string out = ReadBack(*ctx, *dc, n * 4);
  std::vector<float> c(n);
  std::memcpy(c.data(), out.data(), n * 4);
  for (uint32_t i = 0; i < n; i += 997) CHECK(c[i] == a[i] + b[i]);
  CHECK(c[n - 1] == a[n - 1] + b[n - 1]);

  // The same through a cooperative launch (pointers built from the layout).
  REQUIRE(ctx->Memset(*dc, 0, 4, n, 0).ok());
  config.cooperative = true;
  config.grid[0] = 4;
  config.block[0] = 128;
  launched = ctx->Launch(*module, vadd, config, params, 0);
  INFO(launched.ToString());
  REQUIRE(launched.ok());
  const std::string coop = ReadBack(*ctx, *dc, 512 * 4);
  std::memcpy(c.data(), coop.data(), 512 * 4);
  CHECK(c[0] == a[0] + b[0]);
  CHECK(c[511] == a[511] + b[511]);

  auto global = ctx->ModuleGetGlobal(*module, "vgpu_counter");
  REQUIRE(global.ok());
  CHECK(global->size == 4);
  const std::string counter = ReadBack(*ctx, global->dptr, 4);
  uint32_t value = 0;
  std::memcpy(&value, counter.data(), 4);
  CHECK(value == 7);
  CHECK(ctx->ModuleGetGlobal(*module, "no_such_global").status().code() == Code::kNotFound);

  CHECK(ctx->FuncSetAttribute(*module, vadd, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 1024).ok());
  CHECK(ctx->ModuleUnload(*module).ok());
  CHECK(ctx->Launch(*module, vadd, config, params, 0).code() == Code::kInvalidHandle);
}

TEST_CASE("gpu: two sessions cannot free each other's pointers", "[gpu][memory]") {
  VGPU_REQUIRE_GPU();
  auto a = NewContext(backend);
  auto b = NewContext(backend);
  auto p = a->MemAlloc(4096);
  REQUIRE(p.ok());
  REQUIRE(a->Memset(*p, 0x11, 1, 4096, 0).ok());
  Status s = b->MemFree(*p);
  CHECK(s.code() == Code::kInvalidValue);
  CHECK(ReadBack(*a, *p, 4096) == std::string(4096, '\x11'));
  CHECK(a->MemFree(*p).ok());
}

TEST_CASE("gpu: a faulting kernel is reported by the next Wait", "[gpu][function]") {
  VGPU_REQUIRE_GPU();
  auto ctx = NewContext(backend);
  ModuleInfo info;
  auto module = ctx->ModuleLoad({reinterpret_cast<const uint8_t*>(kPtx), sizeof(kPtx)}, &info);
  REQUIRE(module.ok());
  const int fault = FindFunction(info, "vgpu_fault");
  REQUIRE(fault >= 0);
  std::vector<uint8_t> params;
  Pack<uint64_t>(&params, 0, 0x10);  // not mapped
  REQUIRE(ctx->Launch(*module, fault, LaunchConfig{}, params, 0).ok());
  auto wait = ctx->Synchronize();
  REQUIRE(wait.ok());
  Status s = RunOnWaiter(*wait);
  INFO(s.ToString());
  CHECK(s.code() == Code::kIllegalAddress);
  // The broken context dies with its owner; a fresh one still works.
  ctx.reset();
  auto fresh = NewContext(backend);
  auto p = fresh->MemAlloc(16);
  CHECK(p.ok());
}

TEST_CASE("gpu: contexts die with pending work and unrun waits", "[gpu][context]") {
  VGPU_REQUIRE_GPU();
  for (int round = 0; round < 3; ++round) {
    auto ctx = NewContext(backend);
    auto p = ctx->MemAlloc(8 << 20);
    REQUIRE(p.ok());
    REQUIRE(ctx->MemcpyHtoD(*p, Pattern(8 << 20, round), 0).ok());
    std::string out;
    auto wait = ctx->MemcpyDtoH(&out, *p, 8 << 20, 0);
    REQUIRE(wait.ok());
    // Neither the Wait nor the context is waited for.
  }
  auto ctx = NewContext(backend);
  auto info = ctx->MemGetInfo();
  CHECK(info.ok());
}

TEST_CASE("gpu: cuBLAS GEMM through the host's libcublas", "[gpu][blas]") {
  VGPU_REQUIRE_GPU();
  auto ctx = NewContext(backend);
  auto stream = ctx->StreamCreate(CU_STREAM_NON_BLOCKING, 0);
  REQUIRE(stream.ok());
  const float a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8};
  auto pa = ctx->MemAlloc(sizeof a), pb = ctx->MemAlloc(sizeof b), pc = ctx->MemAlloc(sizeof a);
  REQUIRE((pa.ok() && pb.ok() && pc.ok()));
  REQUIRE(ctx->MemcpyHtoD(*pa, std::string(reinterpret_cast<const char*>(a), sizeof a), *stream).ok());
  REQUIRE(ctx->MemcpyHtoD(*pb, std::string(reinterpret_cast<const char*>(b), sizeof b), *stream).ok());
  vgpu::backend::BlasGemm g;
  g.m = g.n = g.k = 2;
  g.lda = g.ldb = g.ldc = 2;
  g.a = *pa, g.b = *pb, g.c = *pc;
  g.a_type = g.b_type = g.c_type = 0;  // CUDA_R_32F
  g.compute = 68;                      // CUBLAS_COMPUTE_32F
  g.alpha = 1, g.beta = 0;
  Status s = ctx->BlasGemm(7, g, *stream);
  if (s.code() == Code::kNotSupported) {
    SUCCEED("no libcublas on this host: " + s.ToString());
    return;
  }
  REQUIRE(s.ok());
  const std::string out = ReadBack(*ctx, *pc, sizeof a, *stream);
  float c[4];
  std::memcpy(c, out.data(), sizeof c);
  CHECK((c[0] == 23 && c[1] == 34 && c[2] == 31 && c[3] == 46));
  CHECK(ctx->BlasDestroy(7).ok());
}
