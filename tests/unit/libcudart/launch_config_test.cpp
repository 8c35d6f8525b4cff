#include "libcudart/launch_config.h"

#include <catch2/catch.hpp>

#include <thread>

extern "C" unsigned __cudaPushCallConfiguration(dim3, dim3, size_t, struct CUstream_st*);
extern "C" cudaError_t __cudaPopCallConfiguration(dim3*, dim3*, size_t*, void*);

namespace {

TEST_CASE("push/pop call configuration is a per-thread stack", "[launch]") {
  REQUIRE(vgpu::rt::CallConfigurationDepth() == 0);
  auto* s1 = reinterpret_cast<CUstream_st*>(0x1234);
  CHECK(__cudaPushCallConfiguration(dim3(4, 2, 1), dim3(128), 64, s1) == 0);
  CHECK(__cudaPushCallConfiguration(dim3(1), dim3(32), 0, nullptr) == 0);  // nested launch in an argument

  size_t depth_elsewhere = 99;
  std::thread([&] { depth_elsewhere = vgpu::rt::CallConfigurationDepth(); }).join();
  CHECK(depth_elsewhere == 0);

  dim3 grid, block;
  size_t shmem = 1;
  cudaStream_t stream = reinterpret_cast<cudaStream_t>(0x99);
  REQUIRE(__cudaPopCallConfiguration(&grid, &block, &shmem, &stream) == cudaSuccess);
  CHECK(grid.x == 1);
  CHECK(block.x == 32);
  CHECK(shmem == 0);
  CHECK(stream == nullptr);
  REQUIRE(__cudaPopCallConfiguration(&grid, &block, &shmem, &stream) == cudaSuccess);
  CHECK((grid.x == 4 && grid.y == 2 && grid.z == 1));
  CHECK(block.x == 128);
  CHECK(shmem == 64);
  CHECK(stream == reinterpret_cast<cudaStream_t>(s1));
  CHECK(__cudaPopCallConfiguration(&grid, &block, &shmem, &stream) == cudaErrorMissingConfiguration);
}

}  // namespace
