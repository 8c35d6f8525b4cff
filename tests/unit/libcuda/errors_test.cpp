// cuGetErrorName / cuGetErrorString cover every CUresult of cuda.h.
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/libcuda/api_test_support.h"

namespace vgpu::cu::testing {
namespace {

using GetError = CUresult (*)(CUresult, const char**);

// (name, value) of every enumerator of `enum cudaError_enum` in cuda.h.
std::vector<std::pair<std::string, int>> CudaHeaderResults() {
  std::ifstream header(VGPU_CUDA_H);
  std::stringstream text;
  text << header.rdbuf();
  std::string all = text.str();
  size_t begin = all.find("typedef enum cudaError_enum");
  size_t end = all.find("} CUresult;", begin);
  std::vector<std::pair<std::string, int>> out;
  if (begin == std::string::npos || end == std::string::npos) return out;
  std::string body = all.substr(begin, end - begin);
  std::regex enumerator(R"((CUDA_[A-Z0-9_]+)\s*=\s*(\d+))");
  for (std::sregex_iterator it(body.begin(), body.end(), enumerator), done; it != done; ++it) {
    out.emplace_back((*it)[1].str(), std::stoi((*it)[2].str()));
  }
  return out;
}

TEST_CASE("cuGetErrorName and cuGetErrorString know every CUresult in cuda.h", "[driver]") {
  auto results = CudaHeaderResults();
  REQUIRE(results.size() >= 100);
  auto name_of = Function<GetError>("cuGetErrorName");
  auto string_of = Function<GetError>("cuGetErrorString");
  std::set<std::string> descriptions;
  for (const auto& [name, value] : results) {
    INFO(name << " = " << value);
    const char* text = nullptr;
    REQUIRE(name_of(static_cast<CUresult>(value), &text) == CUDA_SUCCESS);
    REQUIRE(text != nullptr);
    CHECK(text == name);
    text = nullptr;
    REQUIRE(string_of(static_cast<CUresult>(value), &text) == CUDA_SUCCESS);
    REQUIRE(text != nullptr);
    CHECK(std::string(text).size() > 3);
  }
}

TEST_CASE("cuGetErrorName and cuGetErrorString reject unknown codes and NULL", "[driver]") {
  for (const char* fn_name : {"cuGetErrorName", "cuGetErrorString"}) {
    INFO(fn_name);
    auto fn = Function<GetError>(fn_name);
    const char* text = "untouched";
    CHECK(fn(static_cast<CUresult>(12345), &text) == CUDA_ERROR_INVALID_VALUE);
    CHECK(text == nullptr);
    text = "untouched";
    CHECK(fn(static_cast<CUresult>(-1), &text) == CUDA_ERROR_INVALID_VALUE);
    CHECK(text == nullptr);
    CHECK(fn(CUDA_SUCCESS, nullptr) == CUDA_ERROR_INVALID_VALUE);
  }
  const char* text = nullptr;
  CHECK(Function<GetError>("cuGetErrorString")(CUDA_ERROR_OUT_OF_MEMORY, &text) == CUDA_SUCCESS);
  CHECK(std::string(text) == "out of memory");
}

}  // namespace
}  // namespace vgpu::cu::testing
