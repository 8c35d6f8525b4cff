#include "server/backends/factory.h"

#include "common/log.h"
#include "server/backends/cuda/cuda_backend.h"
#include "server/backends/emu/emu_backend.h"

namespace vgpu::backend {

Result<std::unique_ptr<Backend>> CreateBackend(const BackendOptions& options) {
  if (options.kind == "emu") return emu::CreateEmuBackend(options.emu_memory_bytes, options.emu_kernel_timeout);
  if (options.kind == "cuda") return cuda::CreateCudaBackend();
  if (options.kind != "auto") return InvalidValue("unknown backend '" + options.kind + "' (cuda, emu or auto)");
  auto cuda_backend = cuda::CreateCudaBackend();
  if (cuda_backend.ok()) return cuda_backend;
  VGPU_LOG(Info, "backend", "no usable GPU (%s); using the software GPU", cuda_backend.status().message().c_str());
  return emu::CreateEmuBackend(options.emu_memory_bytes, options.emu_kernel_timeout);
}

}  // namespace vgpu::backend
