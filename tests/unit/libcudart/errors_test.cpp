#include "libcudart/errors.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <thread>

namespace vgpu::rt {
namespace {

TEST_CASE("every cudaError value has a name and a string", "[errors]") {
  const int codes[] = {
#define VGPU_RT_ERROR(name, value) value,
#include "libcudart/errors.def"
#undef VGPU_RT_ERROR
  };
  const char* names[] = {
#define VGPU_RT_ERROR(name, value) #name,
#include "libcudart/errors.def"
#undef VGPU_RT_ERROR
  };
  REQUIRE(std::size(codes) > 100);
  for (size_t i = 0; i < std::size(codes); ++i) {
    auto err = static_cast<cudaError_t>(codes[i]);
    CHECK(std::string(ErrorName(err)) == names[i]);
    const char* text = ErrorString(err);
    CHECK(std::strlen(text) > 0);
    CHECK(std::string(text) != "unrecognized error code");
  }
}

TEST_CASE("well-known strings match cudart", "[errors]") {
  CHECK(std::string(ErrorString(cudaSuccess)) == "no error");
  CHECK(std::string(ErrorString(cudaErrorInvalidValue)) == "invalid argument");
  CHECK(std::string(ErrorString(cudaErrorMemoryAllocation)) == "out of memory");
  CHECK(std::string(ErrorString(cudaErrorNoDevice)) == "no CUDA-capable device is detected");
  CHECK(std::string(ErrorName(cudaErrorNotSupported)) == "cudaErrorNotSupported");
  CHECK(std::string(ErrorString(cudaErrorLaunchTimeout)) == "the launch timed out and was terminated");
}

TEST_CASE("unknown codes are unrecognized", "[errors]") {
  CHECK(std::string(ErrorName(static_cast<cudaError_t>(12345))) == "unrecognized error code");
  CHECK(std::string(ErrorString(static_cast<cudaError_t>(-7))) == "unrecognized error code");
}

TEST_CASE("driver results map to runtime errors", "[errors]") {
  CHECK(ToCudaError(CUDA_SUCCESS) == cudaSuccess);
  CHECK(ToCudaError(CUDA_ERROR_INVALID_VALUE) == cudaErrorInvalidValue);
  CHECK(ToCudaError(CUDA_ERROR_OUT_OF_MEMORY) == cudaErrorMemoryAllocation);
  CHECK(ToCudaError(CUDA_ERROR_NO_DEVICE) == cudaErrorNoDevice);
  CHECK(ToCudaError(CUDA_ERROR_INVALID_HANDLE) == cudaErrorInvalidResourceHandle);
  CHECK(ToCudaError(CUDA_ERROR_NOT_FOUND) == cudaErrorSymbolNotFound);
  CHECK(ToCudaError(CUDA_ERROR_NOT_READY) == cudaErrorNotReady);
  CHECK(ToCudaError(CUDA_ERROR_ILLEGAL_ADDRESS) == cudaErrorIllegalAddress);
  CHECK(ToCudaError(CUDA_ERROR_NO_BINARY_FOR_GPU) == cudaErrorNoKernelImageForDevice);
  CHECK(ToCudaError(CUDA_ERROR_NOT_SUPPORTED) == cudaErrorNotSupported);
  CHECK(ToCudaError(Status(Code::kInvalidDevice, "x")) == cudaErrorInvalidDevice);
  CHECK(ToCudaError(RtError(cudaErrorInvalidSymbol, "x")) == cudaErrorInvalidSymbol);
}

TEST_CASE("last error is per thread, kept until read", "[errors]") {
  TakeLastError();
  RecordError("a", cudaErrorMemoryAllocation);
  RecordError("b", cudaErrorInvalidValue);  // the most recent error wins
  RecordError("c", cudaErrorNotReady);      // a status, never recorded
  CHECK(PeekLastError() == cudaErrorInvalidValue);
  cudaError_t other = cudaErrorUnknown;
  std::thread([&] { other = PeekLastError(); }).join();
  CHECK(other == cudaSuccess);
  CHECK(TakeLastError() == cudaErrorInvalidValue);
  CHECK(TakeLastError() == cudaSuccess);
}

}  // namespace
}  // namespace vgpu::rt
