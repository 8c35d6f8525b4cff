#include "common/status.h"

#include <catch2/catch.hpp>

namespace vgpu {
namespace {

Result<int> Half(int x) {
  if (x % 2) return InvalidValue("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  VGPU_ASSIGN_OR_RETURN(int half, Half(x));
  VGPU_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST_CASE("Result carries a value or a status", "[status]") {
  REQUIRE(Quarter(8).ok());
  CHECK(*Quarter(8) == 2);
  auto r = Quarter(6);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInvalidValue);
  CHECK(r.status().message() == "odd: 3");
  CHECK(Status().ok());
  CHECK(NotSupported("x").raw_code() == 801);
}

}  // namespace
}  // namespace vgpu
