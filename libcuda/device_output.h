// Device printf and assert text that arrives with a synchronizing reply: printed where
// CUDA prints it, the printf text on stdout and assertion messages on stderr.
#pragma once

#include "proto/vgpu.pb.h"

namespace vgpu::cu {

// Writes `output` to the process's stdout and stderr (through stdio, so it stays in order
// with what the application printed itself) and flushes both.
void PrintDeviceOutput(const wire::DeviceOutput& output);

}  // namespace vgpu::cu
