#include "server/session/pitched_box.h"

#include <algorithm>
#include <string>

namespace vgpu::server {
namespace {

using Wide = unsigned __int128;
constexpr Wide kLimit = Wide{1} << 64;

}  // namespace

Result<backend::Extent3D> CheckExtent(uint64_t width_bytes, uint64_t height, uint64_t depth, uint64_t max_packed) {
  if (width_bytes == 0 || height == 0 || depth == 0) return InvalidValue("2D/3D copy with an empty extent");
  Wide packed = Wide{width_bytes} * height * depth;
  if (packed > max_packed) {
    return InvalidValue("2D/3D copy piece of " + std::to_string(static_cast<uint64_t>(std::min(packed, kLimit - 1))) +
                        " bytes exceeds one message");
  }
  return backend::Extent3D{width_bytes, height, depth};
}

Result<CheckedBox> CheckPitchedBox(const wire::PitchedRegion& region, const backend::Extent3D& extent,
                                   const char* side) {
  const std::string name(side);
  bool many_rows = extent.height > 1 || extent.depth > 1;
  bool slices = extent.depth > 1 || region.z() > 0;
  if (many_rows && Wide{region.pitch()} < Wide{region.x_bytes()} + extent.width_bytes) {
    return InvalidValue(name + " pitch " + std::to_string(region.pitch()) + " is less than x offset " +
                        std::to_string(region.x_bytes()) + " + width " + std::to_string(extent.width_bytes));
  }
  if (slices && Wide{region.height()} < Wide{region.y()} + extent.height) {
    return InvalidValue(name + " height " + std::to_string(region.height()) + " is less than y offset " +
                        std::to_string(region.y()) + " + copy height " + std::to_string(extent.height));
  }
  Wide slice_pitch = slices ? Wide{region.pitch()} * region.height() : 0;
  Wide origin = Wide{region.ptr()} + Wide{region.z()} * slice_pitch + Wide{region.y()} * region.pitch() +
                region.x_bytes();
  Wide span = Wide{extent.depth - 1} * slice_pitch + Wide{extent.height - 1} * region.pitch() + extent.width_bytes;
  if (slice_pitch >= kLimit || origin >= kLimit || span >= kLimit || origin + span > kLimit) {
    return InvalidValue(name + " box overflows the address space");
  }
  CheckedBox box;
  box.ptr.ptr = static_cast<uint64_t>(origin);
  box.ptr.pitch = region.pitch();
  box.ptr.slice_pitch = static_cast<uint64_t>(slice_pitch);
  box.span = static_cast<uint64_t>(span);
  return box;
}

}  // namespace vgpu::server
