// Enter: Status -> CUresult, and no exception ever crosses the C boundary.
// Compiled against libcuda/entry.cpp directly (not through the dlopen'ed
// library), since no exported function throws on purpose.
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>

#include "libcuda/entry.h"

namespace vgpu::cu {
namespace {

TEST_CASE("Enter converts the body's Status to a CUresult", "[driver]") {
  CHECK(Enter("cuTest", [] { return Status::Ok(); }) == CUDA_SUCCESS);
  CHECK(Enter("cuTest", [] { return InvalidValue("bad"); }) == CUDA_ERROR_INVALID_VALUE);
  CHECK(Enter("cuTest", [] { return Status(Code::kNoDevice, "no server"); }) == CUDA_ERROR_NO_DEVICE);
  CHECK(Enter("cuTest", [] { return Status(static_cast<Code>(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED), "x"); }) ==
        CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED);
}

TEST_CASE("Enter turns every exception into CUDA_ERROR_UNKNOWN", "[driver]") {
  CHECK(Enter("cuTest", []() -> Status { throw std::runtime_error("boom"); }) == CUDA_ERROR_UNKNOWN);
  CHECK(Enter("cuTest", []() -> Status { throw std::bad_alloc(); }) == CUDA_ERROR_UNKNOWN);
  CHECK(Enter("cuTest", []() -> Status { throw 42; }) == CUDA_ERROR_UNKNOWN);
}

TEST_CASE("NotSupportedOnce returns CUDA_ERROR_NOT_SUPPORTED every time", "[driver]") {
  CHECK(NotSupportedOnce("cuTestTodo") == CUDA_ERROR_NOT_SUPPORTED);
  CHECK(NotSupportedOnce("cuTestTodo") == CUDA_ERROR_NOT_SUPPORTED);
}

TEST_CASE("AreaOf names the api.def area", "[driver]") {
  CHECK(std::string(AreaOf("cuMemAlloc_v2")) == "memory");
  CHECK(std::string(AreaOf("cuCtxCreate_v4")) == "context");
  CHECK(std::string(AreaOf("cuNotAName")) == "driver");
}

}  // namespace
}  // namespace vgpu::cu
