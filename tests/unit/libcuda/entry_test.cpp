// TODO rows: CUDA_ERROR_NOT_SUPPORTED, logged once per name at warn level.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/unit/libcuda/api_test_support.h"

namespace vgpu::cu::testing {
namespace {

size_t CountInLog(const std::string& needle) {
  std::ifstream log(LogPath());
  std::stringstream text;
  text << log.rdbuf();
  std::string all = text.str();
  size_t count = 0;
  for (size_t at = all.find(needle); at != std::string::npos; at = all.find(needle, at + 1)) ++count;
  return count;
}

TEST_CASE("every TODO row returns CUDA_ERROR_NOT_SUPPORTED", "[driver]") {
  // TODO thunks never read their parameters, so calling them with none is
  // safe on the SysV ABI; that lets one loop cover all of them.
  using NoArgs = CUresult (*)();
  size_t todo = 0;
  for (const Row& row : Rows()) {
    if (std::string(row.status) != "TODO") continue;
    ++todo;
    INFO(row.name);
    CHECK(Function<NoArgs>(row.name)() == CUDA_ERROR_NOT_SUPPORTED);
  }
  CHECK(todo > 0);
}

TEST_CASE("a TODO row logs 'not supported' once per name", "[driver]") {
  const Row* first = nullptr;
  for (const Row& row : Rows()) {
    if (std::string(row.status) == "TODO") {
      first = &row;
      break;
    }
  }
  REQUIRE(first != nullptr);
  using NoArgs = CUresult (*)();
  auto fn = Function<NoArgs>(first->name);
  CHECK(fn() == CUDA_ERROR_NOT_SUPPORTED);
  CHECK(fn() == CUDA_ERROR_NOT_SUPPORTED);
  std::string line = std::string(" ") + first->area + ": " + first->name + " is not supported by vgpu yet";
  INFO(LogPath() << " should hold once: " << line);
  CHECK(CountInLog(line) == 1);
  CHECK(CountInLog("libcuda warn") >= 1);
}

}  // namespace
}  // namespace vgpu::cu::testing
