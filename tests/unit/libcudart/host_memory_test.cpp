#include "libcudart/host_memory.h"

#include <catch2/catch.hpp>

#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

namespace vgpu::rt {
namespace {

TEST_CASE("host allocations are aligned and tracked", "[memory]") {
  for (size_t size : {size_t{1}, size_t{255}, size_t{4097}, size_t{1} << 20}) {
    auto p = AllocHost(size, cudaHostAllocPortable);
    REQUIRE(p.ok());
    CHECK(reinterpret_cast<uintptr_t>(*p) % 256 == 0);
    auto range = FindHost(static_cast<char*>(*p) + size - 1);
    REQUIRE(range.has_value());
    CHECK(range->flags == cudaHostAllocPortable);
    CHECK(range->owned);
    CHECK(!FindHost(static_cast<char*>(*p) + size + 4096 * 4).has_value());
    CHECK(FreeHost(*p).ok());
    CHECK(!FindHost(*p).has_value());
  }
  int stack_value = 0;
  CHECK(!FreeHost(&stack_value).ok());
}

TEST_CASE("registered ranges cannot overlap", "[memory]") {
  std::vector<char> buffer(8192);
  REQUIRE(RegisterHost(buffer.data() + 1024, 2048, 0).ok());
  CHECK(FindHost(buffer.data() + 3000).has_value());
  CHECK(!FindHost(buffer.data() + 3072).has_value());
  CHECK(RegisterHost(buffer.data(), 2048, 0).code() == static_cast<Code>(cudaErrorHostMemoryAlreadyRegistered));
  CHECK(RegisterHost(buffer.data() + 2000, 10, 0).code() ==
        static_cast<Code>(cudaErrorHostMemoryAlreadyRegistered));
  CHECK(!FreeHost(buffer.data() + 1024).ok());  // registered, not ours to free
  CHECK(UnregisterHost(buffer.data() + 1024).ok());
  CHECK(UnregisterHost(buffer.data() + 1024).code() == static_cast<Code>(cudaErrorHostMemoryNotRegistered));
}

}  // namespace
}  // namespace vgpu::rt
