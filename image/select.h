// Which entry of a module a GPU of compute capability `sm` (e.g. 80, 90) runs.
#pragma once

#include <cstdint>
#include <vector>

#include "image/fatbin.h"

namespace vgpu::image {

// want_ptx = false: the cubin with the highest SM that the device can run (same
// major, minor <= the device's: sm_XY runs on sm_XZ when Z >= Y), else the PTX
// with the highest SM <= `sm` (JIT). want_ptx = true: only PTX is considered (the
// software GPU interprets PTX). nullptr when nothing fits.
const Entry* SelectForDevice(const std::vector<Entry>& entries, uint32_t sm, bool want_ptx);

}  // namespace vgpu::image
