// The cuda backend against a fake libcuda.so.1 (fake_driver.cpp): loading,
// inventory, contexts, staging, waits, modules and launches, without a GPU.
#include <catch2/catch.hpp>
#include <dlfcn.h>

#include <cudaTypedefs.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "server/backends/cuda/cuda_backend.h"
#include "server/backends/cuda/staging.h"

namespace {

using vgpu::Code;
using vgpu::Status;
using vgpu::backend::Backend;
using vgpu::backend::Context;
using vgpu::backend::DevicePtr;
using vgpu::backend::Handle;
using vgpu::backend::ModuleInfo;
using vgpu::backend::Wait;
using vgpu::backend::cuda::CreateCudaBackend;

// The fake's controls, found in the same loaded copy the backend dlopens.
struct Fake {
  Fake() {
    handle = dlopen(VGPU_FAKE_LIBCUDA, RTLD_NOW | RTLD_LOCAL);
    REQUIRE(handle != nullptr);
    reset = Sym<void (*)(int, int, const char*)>("vgpu_fake_reset");
    hold = Sym<void (*)(int)>("vgpu_fake_hold");
    complete_all = Sym<void (*)()>("vgpu_fake_complete_all");
    sticky = Sym<void (*)(int)>("vgpu_fake_sticky");
    requested_version = Sym<int (*)(const char*, unsigned long long*)>("vgpu_fake_requested_version");
    live_contexts = Sym<int (*)()>("vgpu_fake_live_contexts");
    live_pinned = Sym<int (*)()>("vgpu_fake_live_pinned");
    pinned_allocs = Sym<int (*)()>("vgpu_fake_pinned_allocs");
    live_allocations = Sym<int (*)()>("vgpu_fake_live_allocations");
    last_launch = Sym<int (*)(uint8_t*, int)>("vgpu_fake_last_launch");
    last_cooperative = Sym<int (*)()>("vgpu_fake_last_cooperative");
    last_image = Sym<int (*)(char*, int)>("vgpu_fake_last_image");
    reset(1, 0, nullptr);
  }
  ~Fake() { dlclose(handle); }
  template <typename F>
  F Sym(const char* name) {
    auto f = reinterpret_cast<F>(dlsym(handle, name));
    REQUIRE(f != nullptr);
    return f;
  }

  void* handle;
  void (*reset)(int devices, int init_result, const char* missing);
  void (*hold)(int);
  void (*complete_all)();
  void (*sticky)(int);
  int (*requested_version)(const char*, unsigned long long*);
  int (*live_contexts)();
  int (*live_pinned)();
  int (*pinned_allocs)();
  int (*live_allocations)();
  int (*last_launch)(uint8_t*, int);
  int (*last_cooperative)();
  int (*last_image)(char*, int);
};

std::unique_ptr<Backend> Load(Fake& fake, int devices = 1) {
  fake.reset(devices, 0, nullptr);
  auto backend = CreateCudaBackend(VGPU_FAKE_LIBCUDA);
  INFO(backend.status().ToString());
  REQUIRE(backend.ok());
  return std::move(*backend);
}

std::unique_ptr<Context> NewContext(Backend& backend, int device = 0) {
  auto session = backend.OpenSession();
  REQUIRE(session.ok());
  auto ctx = (*session)->CreateContext(device, 0);
  INFO(ctx.status().ToString());
  REQUIRE(ctx.ok());
  return std::move(*ctx);
}

// Runs a Wait on another thread, as the session's waiter does.
Status RunOnWaiter(const Wait& wait) {
  Status result;
  std::thread waiter([&] { result = wait(); });
  waiter.join();
  return result;
}

}  // namespace

TEST_CASE("fake driver: inventory and versions", "[driver][device]") {
  Fake fake;
  auto backend = Load(fake, 2);
  CHECK(backend->name() == "cuda");
  CHECK(backend->driver_version() == 12080);
  REQUIRE(backend->devices().size() == 2);
  const auto& dev1 = backend->devices()[1];
  CHECK(dev1.name == "vgpu fake device 1");
  CHECK(dev1.uuid[0] == 1);
  CHECK(dev1.uuid[15] == 16);
  CHECK(dev1.total_memory == (uint64_t{16} << 30) + 1);
  REQUIRE(dev1.attributes.size() == CU_DEVICE_ATTRIBUTE_MAX);
  CHECK(dev1.attributes[0] == 0);
  CHECK(dev1.attributes[1] == 11);
  CHECK(dev1.attributes[100] == 1001);
  CHECK(dev1.attributes[CU_DEVICE_ATTRIBUTE_MAX - 1] == 0);  // rejected by the "driver": 0
  CHECK(dev1.pci_bus == CU_DEVICE_ATTRIBUTE_PCI_BUS_ID * 10 + 1);
  CHECK(dev1.pci_device == CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID * 10 + 1);
  CHECK(dev1.pci_domain == CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID * 10 + 1);

  // Every row is asked for with its own version and the legacy stream.
#define VGPU_CUDA_FN(name, version)                                          \
  {                                                                          \
    unsigned long long flags = 99;                                           \
    CHECK(fake.requested_version(#name, &flags) == version);                 \
    CHECK(flags == CU_GET_PROC_ADDRESS_LEGACY_STREAM);                       \
  }
#include "server/backends/cuda/driver_api.def"
#undef VGPU_CUDA_FN
  CHECK(fake.requested_version("cuCtxCreate", nullptr) == 3020);
  CHECK(fake.requested_version("cuFuncGetParamInfo", nullptr) == 12040);
}

TEST_CASE("fake driver: failures give kNoDevice", "[driver]") {
  Fake fake;
  fake.reset(0, 0, nullptr);
  auto none = CreateCudaBackend(VGPU_FAKE_LIBCUDA);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code() == Code::kNoDevice);
  CHECK(none.status().message().find("no CUDA device") != std::string::npos);

  fake.reset(1, CUDA_ERROR_NO_DEVICE, nullptr);
  auto init = CreateCudaBackend(VGPU_FAKE_LIBCUDA);
  REQUIRE_FALSE(init.ok());
  CHECK(init.status().code() == Code::kNoDevice);
  CHECK(init.status().message().find("cuInit failed") != std::string::npos);
  CHECK(init.status().message().find("CUDA_ERROR_NO_DEVICE") != std::string::npos);

  fake.reset(1, 0, "cuFuncGetParamInfo");
  auto old = CreateCudaBackend(VGPU_FAKE_LIBCUDA);
  REQUIRE_FALSE(old.ok());
  CHECK(old.status().code() == Code::kNoDevice);
  CHECK(old.status().message().find("cuFuncGetParamInfo@12040") != std::string::npos);
}

TEST_CASE("vgpu's own client libcuda is never taken for the driver", "[driver]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("vgpu_backend_cuda_" + std::to_string(getpid())) / "lib/vgpu";
  fs::create_directories(dir);
  fs::copy_file(VGPU_FAKE_LIBCUDA, dir / "libcuda.so.1", fs::copy_options::overwrite_existing);
  auto backend = CreateCudaBackend((dir / "libcuda.so.1").string());
  fs::remove_all(dir.parent_path().parent_path());
  REQUIRE_FALSE(backend.ok());
  CHECK(backend.status().code() == Code::kNoDevice);
  CHECK(backend.status().message().find("vgpu's client library") != std::string::npos);
}

TEST_CASE("fake driver: memory round trip through waits on another thread", "[memory]") {
  Fake fake;
  auto backend = Load(fake);
  {
    auto ctx = NewContext(*backend);
    CHECK(fake.live_contexts() == 1);
    auto info = ctx->MemGetInfo();
    REQUIRE(info.ok());
    CHECK(info->total == uint64_t{16} << 30);

    auto p = ctx->MemAlloc(1000);
    REQUIRE(p.ok());
    std::string data(1000, '\0');
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
    const std::string expected = data;
    REQUIRE(ctx->MemcpyHtoD(*p, std::move(data), 0).ok());

    std::string out;
    auto wait = ctx->MemcpyDtoH(&out, *p, 1000, 0);
    REQUIRE(wait.ok());
    REQUIRE(RunOnWaiter(*wait).ok());
    CHECK(out == expected);
    // A second run repeats the outcome and does not copy again.
    out.clear();
    CHECK((*wait)().ok());
    CHECK(out.empty());

    REQUIRE(ctx->Memset(*p, 0xAB, 1, 10, 0).ok());
    REQUIRE(ctx->Memset(*p + 10, 0xBEEF, 2, 5, 0).ok());
    REQUIRE(ctx->Memset(*p + 20, 0x01020304, 4, 2, 0).ok());
    CHECK(ctx->Memset(*p, 0, 3, 1, 0).code() == Code::kInvalidValue);
    auto q = ctx->MemAlloc(1000);
    REQUIRE(q.ok());
    REQUIRE(ctx->MemcpyDtoD(*q, *p, 1000, 0).ok());
    auto wait2 = ctx->MemcpyDtoH(&out, *q, 28, 0);
    REQUIRE(wait2.ok());
    REQUIRE(RunOnWaiter(*wait2).ok());
    CHECK(static_cast<uint8_t>(out[9]) == 0xAB);
    CHECK(static_cast<uint8_t>(out[10]) == 0xEF);
    CHECK(static_cast<uint8_t>(out[11]) == 0xBE);
    CHECK(static_cast<uint8_t>(out[20]) == 0x04);
    CHECK(static_cast<uint8_t>(out[27]) == 0x01);

    // Zero-byte copies need no staging.
    CHECK(ctx->MemcpyHtoD(*p, std::string(), 0).ok());
    auto empty = ctx->MemcpyDtoH(&out, *p, 0, 0);
    REQUIRE(empty.ok());
    CHECK((*empty)().ok());
    CHECK(out.empty());

    CHECK(ctx->MemFree(*p).ok());
    CHECK(ctx->MemFree(*p).code() == Code::kInvalidValue);  // already gone
    CHECK(ctx->MemAlloc(0).status().code() == Code::kInvalidValue);
  }
  // Destroying the context frees its memory, pinned buffers and the context.
  CHECK(fake.live_contexts() == 0);
  CHECK(fake.live_allocations() == 0);
  CHECK(fake.live_pinned() == 0);
}

TEST_CASE("fake driver: 2D/3D copies and 2D memsets are one driver call each", "[memory]") {
  Fake fake;
  auto backend = Load(fake);
  {
    auto ctx = NewContext(*backend);
    auto p = ctx->MemAlloc(4096);
    auto q = ctx->MemAlloc(4096);
    REQUIRE(p.ok());
    REQUIRE(q.ok());
    REQUIRE(ctx->Memset(*p, 0, 1, 4096, 0).ok());
    REQUIRE(ctx->Memset(*q, 0, 1, 4096, 0).ok());
    // 2 slices of 3 rows of 4 bytes, pitch 16, 5 rows per slice, from offset 8.
    ::vgpu::backend::PitchedPtr box{*p + 8, 16, 80};
    ::vgpu::backend::Extent3D extent{4, 3, 2};
    std::string packed = "abcdefghijklmnopqrstuvwx";
    REQUIRE(ctx->Memcpy3DHtoD(box, extent, std::string(packed), 0).ok());
    std::string raw;
    auto wait = ctx->MemcpyDtoH(&raw, *p, 256, 0);
    REQUIRE(wait.ok());
    REQUIRE(RunOnWaiter(*wait).ok());
    CHECK(raw.substr(8, 4) == "abcd");
    CHECK(raw.substr(24, 4) == "efgh");
    CHECK(raw.substr(88, 4) == "mnop");
    CHECK(raw[12] == '\0');
    // Device to device into another layout, then back packed.
    ::vgpu::backend::PitchedPtr other{*q + 1, 5, 15};
    REQUIRE(ctx->Memcpy3DDtoD(other, box, extent, 0).ok());
    std::string out;
    auto wait2 = ctx->Memcpy3DDtoH(&out, other, extent, 0);
    REQUIRE(wait2.ok());
    REQUIRE(RunOnWaiter(*wait2).ok());
    CHECK(out == packed);
    REQUIRE(ctx->Memset2D(*q, 8, 0x0102, 2, 2, 3, 0).ok());
    auto wait3 = ctx->MemcpyDtoH(&raw, *q, 24, 0);
    REQUIRE(wait3.ok());
    REQUIRE(RunOnWaiter(*wait3).ok());
    CHECK(raw.substr(0, 4) == std::string("\x02\x01\x02\x01", 4));
    CHECK(raw.substr(16, 4) == std::string("\x02\x01\x02\x01", 4));
    CHECK(ctx->Memset2D(*q, 8, 0, 3, 1, 1, 0).code() == Code::kInvalidValue);
  }
  CHECK(fake.live_pinned() == 0);
}

TEST_CASE("fake driver: sessions cannot free each other's memory", "[memory]") {
  Fake fake;
  auto backend = Load(fake);
  auto a = NewContext(*backend);
  auto b = NewContext(*backend);
  auto p = a->MemAlloc(64);
  REQUIRE(p.ok());
  Status s = b->MemFree(*p);
  CHECK(s.code() == Code::kInvalidValue);
  CHECK(s.message().find("not an allocation of this context") != std::string::npos);
  CHECK(a->MemFree(*p).ok());
}

TEST_CASE("fake driver: staging buffers wait for their copies", "[memory]") {
  Fake fake;
  auto backend = Load(fake);
  auto ctx = NewContext(*backend);
  auto p = ctx->MemAlloc(4096);
  REQUIRE(p.ok());
  const int before = fake.pinned_allocs();

  // While copies are pending, each one needs its own buffer.
  fake.hold(1);
  for (int i = 0; i < 3; ++i) REQUIRE(ctx->MemcpyHtoD(*p, std::string(4096, 'x'), 0).ok());
  CHECK(fake.pinned_allocs() == before + 3);
  CHECK(ctx->StreamQuery(0).code() == Code::kNotReady);

  // Once they completed, the buffers are reused.
  fake.hold(0);
  fake.complete_all();
  for (int i = 0; i < 3; ++i) REQUIRE(ctx->MemcpyHtoD(*p, std::string(4096, 'y'), 0).ok());
  CHECK(fake.pinned_allocs() == before + 3);
  CHECK(ctx->StreamQuery(0).ok());

  // A dropped DtoH Wait leaves its buffer to its event, not to a leak.
  fake.hold(1);
  {
    std::string out;
    auto wait = ctx->MemcpyDtoH(&out, *p, 4096, 0);
    REQUIRE(wait.ok());
  }
  fake.hold(0);
  fake.complete_all();
  REQUIRE(ctx->MemcpyHtoD(*p, std::string(4096, 'z'), 0).ok());
  CHECK(fake.pinned_allocs() == before + 3);
}

TEST_CASE("fake driver: large uploads cycle a few staging buffers", "[memory]") {
  Fake fake;
  auto backend = Load(fake);
  auto ctx = NewContext(*backend);
  const size_t n = (70 << 20) + 5;
  auto p = ctx->MemAlloc(n);
  REQUIRE(p.ok());
  std::string data(n, '\0');
  for (size_t i = 0; i < n; i += 4093) data[i] = static_cast<char>(i / 4093);
  const std::string expected = data;
  const int before = fake.pinned_allocs();
  REQUIRE(ctx->MemcpyHtoD(*p, std::move(data), 0).ok());
  // 32 MiB pieces: the first buffer is reused once its copy completed.
  CHECK(fake.pinned_allocs() - before <= 2);
  std::string out;
  auto wait = ctx->MemcpyDtoH(&out, *p, n, 0);
  REQUIRE(wait.ok());
  REQUIRE(RunOnWaiter(*wait).ok());
  CHECK(out == expected);
  // The 70 MiB download buffer is more than the pool keeps idle.
  const int live = fake.live_pinned();
  REQUIRE(ctx->MemcpyHtoD(*p, std::string(16, 'x'), 0).ok());
  CHECK(fake.live_pinned() < live + 1);
}

TEST_CASE("fake driver: a Wait keeps its context alive", "[context]") {
  Fake fake;
  auto backend = Load(fake);
  auto ctx = NewContext(*backend);
  auto p = ctx->MemAlloc(16);
  REQUIRE(p.ok());
  REQUIRE(ctx->Memset(*p, 0x5A, 1, 16, 0).ok());
  std::string out;
  auto wait = ctx->MemcpyDtoH(&out, *p, 16, 0);
  REQUIRE(wait.ok());
  ctx.reset();
  CHECK(fake.live_contexts() == 1);
  CHECK(RunOnWaiter(*wait).ok());
  CHECK(out == std::string(16, '\x5A'));
  *wait = nullptr;
  CHECK(fake.live_contexts() == 0);
}

TEST_CASE("fake driver: streams, events and synchronizing waits", "[stream][event]") {
  Fake fake;
  auto backend = Load(fake);
  auto ctx = NewContext(*backend);
  auto s = ctx->StreamCreate(CU_STREAM_NON_BLOCKING, 0);
  REQUIRE(s.ok());
  CHECK(*s != 0);
  auto e1 = ctx->EventCreate(0);
  auto e2 = ctx->EventCreate(0);
  REQUIRE(e1.ok());
  REQUIRE(e2.ok());
  REQUIRE(ctx->EventRecord(*e1, *s).ok());
  REQUIRE(ctx->StreamWaitEvent(0, *e1, 0).ok());
  REQUIRE(ctx->EventRecord(*e2, 0).ok());
  CHECK(ctx->EventQuery(*e2).ok());
  auto ms = ctx->EventElapsedTime(*e1, *e2);
  REQUIRE(ms.ok());
  CHECK(*ms == 1.5f);

  fake.hold(1);
  REQUIRE(ctx->EventRecord(*e1, *s).ok());
  CHECK(ctx->EventQuery(*e1).code() == Code::kNotReady);
  auto event_wait = ctx->EventSynchronize(*e1);
  auto stream_wait = ctx->StreamSynchronize(*s);
  auto ctx_wait = ctx->Synchronize();
  REQUIRE(event_wait.ok());
  REQUIRE(stream_wait.ok());
  REQUIRE(ctx_wait.ok());
  // The client may destroy its event before the waiter gets to it.
  REQUIRE(ctx->EventDestroy(*e1).ok());
  fake.hold(0);
  CHECK(RunOnWaiter(*event_wait).ok());
  CHECK(RunOnWaiter(*stream_wait).ok());
  CHECK(RunOnWaiter(*ctx_wait).ok());

  // Errors from the device come back from the Waits with the driver's code.
  fake.sticky(CUDA_ERROR_ILLEGAL_ADDRESS);
  auto failed = ctx->Synchronize();
  REQUIRE(failed.ok());
  Status st = RunOnWaiter(*failed);
  CHECK(st.code() == Code::kIllegalAddress);
  CHECK(st.message().find("CUDA_ERROR_ILLEGAL_ADDRESS") != std::string::npos);
  fake.sticky(0);

  CHECK(ctx->StreamDestroy(*s).ok());
  CHECK(ctx->EventDestroy(*e2).ok());
  CHECK(ctx->EventDestroy(*e2).code() == Code::kInvalidHandle);  // the driver's answer, passed on
}

TEST_CASE("fake driver: modules, layouts and launches", "[module][function]") {
  Fake fake;
  auto backend = Load(fake);
  auto ctx = NewContext(*backend);
  const std::string ptx = ".version 8.0\n.target sm_80\n.address_size 64\n";
  ModuleInfo info;
  auto module = ctx->ModuleLoad({reinterpret_cast<const uint8_t*>(ptx.data()), ptx.size()}, &info);
  INFO(module.status().ToString());
  REQUIRE(module.ok());
  char image[128] = {};
  CHECK(fake.last_image(image, sizeof(image)) == static_cast<int>(ptx.size()));
  CHECK(std::string(image) == ptx);

  REQUIRE(info.functions.size() == 2);
  CHECK(info.globals.empty());
  const auto& k = info.functions[0];
  CHECK(k.name == "k_params");
  REQUIRE(k.params.size() == 2);
  CHECK(k.params[0].offset == 0);
  CHECK(k.params[0].size == 8);
  CHECK(k.params[1].offset == 8);
  CHECK(k.params[1].size == 4);
  CHECK(k.param_bytes == 12);
  REQUIRE(k.attributes.size() == CU_FUNC_ATTRIBUTE_MAX);
  CHECK(k.attributes[0] == 1);
  CHECK(k.attributes[3] == 4);  // needed cuFuncLoad
  CHECK(k.attributes[4] == 5);
  CHECK(k.attributes[5] == 0);
  CHECK(info.functions[1].name == "k_empty");
  CHECK(info.functions[1].params.empty());
  CHECK(info.functions[1].param_bytes == 0);

  std::vector<uint8_t> params(12);
  for (size_t i = 0; i < params.size(); ++i) params[i] = static_cast<uint8_t>(i + 1);
  vgpu::backend::LaunchConfig config;
  config.grid[0] = 4;
  config.block[0] = 128;
  REQUIRE(ctx->Launch(*module, 0, config, params, 0).ok());
  uint8_t seen[64] = {};
  CHECK(fake.last_launch(seen, sizeof(seen)) == 12);
  CHECK(fake.last_cooperative() == 0);
  CHECK(std::memcmp(seen, params.data(), 12) == 0);

  config.cooperative = true;
  REQUIRE(ctx->Launch(*module, 0, config, params, 0).ok());
  CHECK(fake.last_cooperative() == 1);
  std::memset(seen, 0, sizeof(seen));
  fake.last_launch(seen, sizeof(seen));
  CHECK(std::memcmp(seen, params.data(), 12) == 0);
  config.cooperative = false;

  // Trailing padding from the client is not passed on.
  params.resize(16);
  REQUIRE(ctx->Launch(*module, 0, config, params, 0).ok());
  CHECK(fake.last_launch(seen, sizeof(seen)) == 12);
  params.resize(12);

  REQUIRE(ctx->Launch(*module, 1, config, {}, 0).ok());
  CHECK(fake.last_launch(seen, sizeof(seen)) == 0);

  // Too few parameter bytes, unknown function, unknown module.
  CHECK(ctx->Launch(*module, 0, config, std::span<const uint8_t>(params).first(8), 0).code() ==
        Code::kInvalidValue);
  CHECK(ctx->Launch(*module, 2, config, params, 0).code() == Code::kInvalidHandle);
  CHECK(ctx->Launch(*module + 8, 0, config, params, 0).code() == Code::kInvalidHandle);

  CHECK(ctx->FuncSetAttribute(*module, 0, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 1024).ok());
  CHECK(ctx->FuncSetAttribute(*module, 0, CU_FUNC_ATTRIBUTE_NUM_REGS, 1).code() == Code::kInvalidValue);

  auto global = ctx->ModuleGetGlobal(*module, "g");
  REQUIRE(global.ok());
  CHECK(global->size == 4);
  CHECK(global->name == "g");
  CHECK(ctx->ModuleGetGlobal(*module, "nope").status().code() == Code::kNotFound);

  CHECK(ctx->ModuleUnload(*module).ok());
  CHECK(ctx->ModuleUnload(*module).code() == Code::kInvalidHandle);
  CHECK(ctx->Launch(*module, 0, config, params, 0).code() == Code::kInvalidHandle);

  // Images that cannot be handed to the driver never reach it.
  std::string wrapper(24, '\0');
  const uint32_t magic = 0x466243B1;
  std::memcpy(wrapper.data(), &magic, 4);
  CHECK(ctx->ModuleLoad({reinterpret_cast<const uint8_t*>(wrapper.data()), wrapper.size()}, &info).status().code() ==
        Code::kInvalidImage);
}

TEST_CASE("fake driver: bad device ordinal", "[context]") {
  Fake fake;
  auto backend = Load(fake);
  auto session = backend->OpenSession();
  REQUIRE(session.ok());
  CHECK((*session)->CreateContext(1, 0).status().code() == Code::kInvalidDevice);
  CHECK((*session)->CreateContext(-1, 0).status().code() == Code::kInvalidDevice);
}

TEST_CASE("staging size classes", "[memory]") {
  using vgpu::backend::cuda::StagingPool;
  CHECK(StagingPool::RoundUp(1) == 64 * 1024);
  CHECK(StagingPool::RoundUp(64 * 1024) == 64 * 1024);
  CHECK(StagingPool::RoundUp(64 * 1024 + 1) == 128 * 1024);
  CHECK(StagingPool::RoundUp(1 << 20) == 1 << 20);
  CHECK(StagingPool::RoundUp((1 << 20) + 1) == 2 << 20);
  CHECK(StagingPool::RoundUp((5 << 20) + 3) == 6 << 20);
}
