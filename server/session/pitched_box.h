// Validation of the device side of a 2D/3D copy or a 2D memset, from wire
// fields that are untrusted: every product and sum is overflow-checked, and
// the result is the box's first byte and the bytes it spans, ready for the
// allocation check.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "proto/vgpu.pb.h"
#include "server/backends/backend.h"

namespace vgpu::server {

struct CheckedBox {
  backend::PitchedPtr ptr;
  uint64_t span = 0;  // bytes from ptr.ptr to one past the box's last byte
};

// width, height and depth all nonzero, and at most `max_packed` bytes packed.
Result<backend::Extent3D> CheckExtent(uint64_t width_bytes, uint64_t height, uint64_t depth, uint64_t max_packed);

// `side` names the region in messages ("source", "destination"). With more
// than one row, pitch >= x_bytes + width; with more than one slice (or z > 0),
// height >= y + extent height.
Result<CheckedBox> CheckPitchedBox(const wire::PitchedRegion& region, const backend::Extent3D& extent,
                                   const char* side);

}  // namespace vgpu::server
