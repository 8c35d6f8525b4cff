// Small facts about PTX text that the image layer needs.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace vgpu::image {

// The SM number of the first ".target sm_XY[a|f]" directive (e.g. 80, 90, 100).
Result<uint32_t> PtxTargetSm(std::string_view ptx);

}  // namespace vgpu::image
