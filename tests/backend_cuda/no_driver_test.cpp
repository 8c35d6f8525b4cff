// CreateCudaBackend where there is no usable driver: Code::kNoDevice, fast,
// and no crash, so vgpu-server can fall back to the software GPU.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "server/backends/cuda/cuda_backend.h"

namespace {

using vgpu::Code;
using vgpu::backend::cuda::CreateCudaBackend;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

TEST_CASE("no driver library gives kNoDevice promptly", "[driver]") {
  const auto start = Clock::now();
  auto backend = CreateCudaBackend("/nonexistent/vgpu/libcuda.so.1");
  REQUIRE_FALSE(backend.ok());
  CHECK(backend.status().code() == Code::kNoDevice);
  CHECK(backend.status().message().find("cannot load") != std::string::npos);
  CHECK(SecondsSince(start) < 2.0);
}

TEST_CASE("a library that is not a driver gives kNoDevice", "[driver]") {
  auto backend = CreateCudaBackend("libm.so.6");
  REQUIRE_FALSE(backend.ok());
  CHECK(backend.status().code() == Code::kNoDevice);
  CHECK(backend.status().message().find("not a CUDA driver") != std::string::npos);
}

TEST_CASE("the toolkit's stub libcuda gives kNoDevice from cuInit", "[driver]") {
  const std::string stub = VGPU_STUB_LIBCUDA;
  if (stub.empty()) {
    SUCCEED("no stub libcuda.so in this toolkit");
    return;
  }
  const auto start = Clock::now();
  auto backend = CreateCudaBackend(stub);
  REQUIRE_FALSE(backend.ok());
  CHECK(backend.status().code() == Code::kNoDevice);
  CHECK(backend.status().message().find("cuInit") != std::string::npos);
  CHECK(backend.status().message().find("CUDA_ERROR_STUB_LIBRARY") != std::string::npos);
  CHECK(SecondsSince(start) < 2.0);
}

TEST_CASE("the host's libcuda.so.1: a backend or kNoDevice, never a crash", "[driver]") {
  const auto start = Clock::now();
  auto backend = CreateCudaBackend();
  if (backend.ok()) {
    CHECK((*backend)->name() == "cuda");
    CHECK_FALSE((*backend)->devices().empty());
  } else {
    CHECK(backend.status().code() == Code::kNoDevice);
    CHECK_FALSE(backend.status().message().empty());
    CHECK(SecondsSince(start) < 2.0);
  }
}
