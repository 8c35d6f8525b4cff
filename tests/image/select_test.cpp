// SelectForDevice: cubin family rules, PTX fallback, PTX-only mode.
#include <catch2/catch.hpp>

#include "image/select.h"

namespace vgpu::image {
namespace {

Entry Cubin(uint32_t sm) { return Entry{Entry::Kind::kCubin, sm, "cubin"}; }
Entry Ptx(uint32_t sm) { return Entry{Entry::Kind::kPtx, sm, "ptx"}; }

TEST_CASE("SelectForDevice: best cubin of the same major", "[image]") {
  std::vector<Entry> entries = {Cubin(70), Cubin(80), Cubin(86), Cubin(90), Ptx(70)};
  CHECK(SelectForDevice(entries, 80, false) == &entries[1]);
  CHECK(SelectForDevice(entries, 86, false) == &entries[2]);
  CHECK(SelectForDevice(entries, 89, false) == &entries[2]);  // sm_86 runs on sm_89
  CHECK(SelectForDevice(entries, 90, false) == &entries[3]);
  CHECK(SelectForDevice(entries, 75, false) == &entries[0]);  // sm_70 runs on sm_75
}

TEST_CASE("SelectForDevice: no cubin across majors; PTX JITs forward", "[image]") {
  std::vector<Entry> entries = {Cubin(80), Cubin(86), Ptx(70), Ptx(80)};
  // sm_80 cubins do not run on sm_90 or sm_100: the newest PTX <= target does.
  CHECK(SelectForDevice(entries, 90, false) == &entries[3]);
  CHECK(SelectForDevice(entries, 100, false) == &entries[3]);
  // Nothing older than the device: sm_75 gets compute_70 PTX.
  CHECK(SelectForDevice(entries, 75, false) == &entries[2]);
  // A cubin newer than the device is never chosen.
  std::vector<Entry> newer = {Cubin(86)};
  CHECK(SelectForDevice(newer, 80, false) == nullptr);
}

TEST_CASE("SelectForDevice: PTX newer than the device is not chosen", "[image]") {
  std::vector<Entry> entries = {Ptx(90)};
  CHECK(SelectForDevice(entries, 80, false) == nullptr);
  CHECK(SelectForDevice(entries, 90, false) == &entries[0]);
}

TEST_CASE("SelectForDevice: want_ptx considers PTX only", "[image]") {
  std::vector<Entry> entries = {Cubin(80), Ptx(75), Ptx(80)};
  CHECK(SelectForDevice(entries, 80, true) == &entries[2]);
  CHECK(SelectForDevice(entries, 120, true) == &entries[2]);
  std::vector<Entry> cubins_only = {Cubin(80)};
  CHECK(SelectForDevice(cubins_only, 80, true) == nullptr);
  CHECK(SelectForDevice({}, 80, false) == nullptr);
}

}  // namespace
}  // namespace vgpu::image
