// nvcc's <<<grid, block, shmem, stream>>>: __cudaPushCallConfiguration stores
// the configuration per thread, the generated stub pops it right before the
// launch. Never leaves the process.
#pragma once

#include <cuda_runtime_api.h>

namespace vgpu::rt {

struct CallConfiguration {
  dim3 grid;
  dim3 block;
  size_t shared_mem = 0;
  cudaStream_t stream = nullptr;
};

void PushCallConfiguration(const CallConfiguration& config);
// False if nothing was pushed on this thread.
bool PopCallConfiguration(CallConfiguration* out);
size_t CallConfigurationDepth();

}  // namespace vgpu::rt
