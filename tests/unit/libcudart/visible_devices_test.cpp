#include "libcudart/visible_devices.h"

#include <catch2/catch.hpp>

namespace vgpu::rt {
namespace {

const std::vector<DriverDeviceId> kDevices = {
    {0, "GPU-11111111-2222-3333-4444-555555555555"},
    {1, "GPU-abcdef01-2222-3333-4444-555555555555"},
    {2, "GPU-abcdef99-2222-3333-4444-555555555555"},
    {3, "GPU-99999999-2222-3333-4444-555555555555"},
};

using V = std::vector<int>;

TEST_CASE("unset shows every device, empty shows none", "[device]") {
  CHECK(ParseVisibleDevices(nullptr, kDevices) == V{0, 1, 2, 3});
  CHECK(ParseVisibleDevices("", kDevices) == V{});
}

TEST_CASE("numeric lists reorder and stop at the first bad entry", "[device]") {
  CHECK(ParseVisibleDevices("2", kDevices) == V{2});
  CHECK(ParseVisibleDevices("3,1", kDevices) == V{3, 1});
  CHECK(ParseVisibleDevices(" 1 , 0 ", kDevices) == V{1, 0});
  CHECK(ParseVisibleDevices("1,7,0", kDevices) == V{1});   // out of range ends the list
  CHECK(ParseVisibleDevices("0,x,1", kDevices) == V{0});   // garbage ends the list
  CHECK(ParseVisibleDevices("0,0,1", kDevices) == V{0});   // repeat ends the list
  CHECK(ParseVisibleDevices("-1", kDevices) == V{});       // the usual "hide all"
  CHECK(ParseVisibleDevices("1a", kDevices) == V{});
}

TEST_CASE("GPU-<uuid> entries match full UUIDs and unique prefixes", "[device]") {
  CHECK(ParseVisibleDevices("GPU-99999999-2222-3333-4444-555555555555", kDevices) == V{3});
  CHECK(ParseVisibleDevices("GPU-1111", kDevices) == V{0});
  CHECK(ParseVisibleDevices("gpu-ABCDEF01", kDevices) == V{1});
  CHECK(ParseVisibleDevices("GPU-abcdef", kDevices) == V{});  // ambiguous prefix
  CHECK(ParseVisibleDevices("GPU-99999999,1", kDevices) == V{3, 1});
  CHECK(ParseVisibleDevices("GPU-00000000", kDevices) == V{});
  CHECK(ParseVisibleDevices("GPU-", kDevices) == V{});
}

}  // namespace
}  // namespace vgpu::rt
