// The `cuda` backend: vgpu-server on the host's real GPU.
#pragma once

#include <memory>
#include <string>

#include "server/backends/backend.h"

namespace vgpu::backend::cuda {

// dlopens the host's libcuda.so.1 at run time; returns Code::kNoDevice with a
// clear message when there is no driver, cuInit fails, or no device is
// present, so the server can fall back to emu. Takes milliseconds when there
// is no driver.
Result<std::unique_ptr<Backend>> CreateCudaBackend();

// The same with the driver library named explicitly (a path or a soname), for
// tests and hosts that keep the driver outside the loader's path.
Result<std::unique_ptr<Backend>> CreateCudaBackend(const std::string& library);

}  // namespace vgpu::backend::cuda
