#include "libcuda/device_output.h"

#include <cstdio>

#include "common/log.h"

namespace vgpu::cu {

void PrintDeviceOutput(const wire::DeviceOutput& output) {
  if (!output.stdout_text().empty()) {
    std::fwrite(output.stdout_text().data(), 1, output.stdout_text().size(), stdout);
    std::fflush(stdout);
  }
  if (output.dropped_bytes() != 0) {
    VGPU_LOG(Warn, "device", "%llu bytes of device printf output exceeded the 1 MiB buffer and were dropped",
             static_cast<unsigned long long>(output.dropped_bytes()));
  }
  if (!output.stderr_text().empty()) {
    std::fwrite(output.stderr_text().data(), 1, output.stderr_text().size(), stderr);
    std::fflush(stderr);
  }
}

}  // namespace vgpu::cu
