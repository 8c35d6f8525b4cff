#include "server/session/handle_table.h"

#include <catch2/catch.hpp>

namespace vgpu::server {
namespace {

TEST_CASE("handle tables check every id", "[session]") {
  HandleTable<int> table("stream");
  REQUIRE(table.Insert(7, 70).ok());
  CHECK(table.Insert(7, 71).code() == Code::kInvalidValue);
  CHECK(table.Insert(0, 1).code() == Code::kInvalidValue);
  auto found = table.Find(7);
  REQUIRE(found.ok());
  CHECK(**found == 70);
  auto missing = table.Find(8);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::kInvalidHandle);
  CHECK(missing.status().message() == "stream 0x8 is not a handle of this session");
  CHECK(table.Erase(7).ok());
  CHECK(table.Erase(7).code() == Code::kInvalidHandle);
}

}  // namespace
}  // namespace vgpu::server
