#include "libcudart/launch_config.h"

#include <vector>

#include "libcudart/exports.h"

namespace vgpu::rt {
namespace {
thread_local std::vector<CallConfiguration> t_configs;
}  // namespace

void PushCallConfiguration(const CallConfiguration& config) { t_configs.push_back(config); }

bool PopCallConfiguration(CallConfiguration* out) {
  if (t_configs.empty()) return false;
  *out = t_configs.back();
  t_configs.pop_back();
  return true;
}

size_t CallConfigurationDepth() { return t_configs.size(); }

}  // namespace vgpu::rt

extern "C" VGPU_RT_EXPORT unsigned __cudaPushCallConfiguration(dim3 gridDim, dim3 blockDim, size_t sharedMem,
                                                              struct CUstream_st* stream) {
  vgpu::rt::PushCallConfiguration({gridDim, blockDim, sharedMem, stream});
  return 0;
}

extern "C" VGPU_RT_EXPORT cudaError_t __cudaPopCallConfiguration(dim3* gridDim, dim3* blockDim, size_t* sharedMem,
                                                                void* stream) {
  vgpu::rt::CallConfiguration config;
  if (!vgpu::rt::PopCallConfiguration(&config)) return cudaErrorMissingConfiguration;
  if (gridDim) *gridDim = config.grid;
  if (blockDim) *blockDim = config.block;
  if (sharedMem) *sharedMem = config.shared_mem;
  if (stream) *static_cast<cudaStream_t*>(stream) = config.stream;
  return cudaSuccess;
}
