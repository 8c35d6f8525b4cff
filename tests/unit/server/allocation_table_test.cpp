#include "server/session/allocation_table.h"

#include <catch2/catch.hpp>

namespace vgpu::server {
namespace {

TEST_CASE("device ranges must lie inside one allocation", "[memory]") {
  AllocationTable table;
  table.Add(0x1000, 0x100, /*ctx=*/1);
  table.Add(0x2000, 0x10, /*ctx=*/2);
  CHECK(table.Check(0x1000, 0x100).ok());
  CHECK(table.Check(0x10ff, 1).ok());
  CHECK(table.Check(0x1100, 0).ok());
  CHECK_FALSE(table.Check(0x10ff, 2).ok());
  CHECK_FALSE(table.Check(0xfff, 1).ok());
  CHECK_FALSE(table.Check(0x1080, UINT64_MAX).ok());  // no overflow
  CHECK_FALSE(table.Check(0x1500, 1).ok());
  CHECK(table.Check(0x2000, 0x10).ok());
  table.RemoveContext(2);
  CHECK_FALSE(table.Check(0x2000, 1).ok());
  CHECK(table.Remove(0x1000).ok());
  CHECK(table.Remove(0x1000).code() == Code::kInvalidValue);
}

TEST_CASE("module variables cannot be freed as allocations", "[memory]") {
  AllocationTable table;
  table.Add(0x3000, 8, /*ctx=*/1, /*module=*/5);
  CHECK(table.Check(0x3000, 8).ok());
  CHECK(table.Remove(0x3000).code() == Code::kInvalidValue);
  table.RemoveModule(1, 5);
  CHECK_FALSE(table.Check(0x3000, 8).ok());
}

}  // namespace
}  // namespace vgpu::server
