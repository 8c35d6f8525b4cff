// cudaCreateChannelDesc: a pure constructor, no device involved.
#include "libcudart/areas.h"

namespace vgpu::rt::other {

struct cudaChannelFormatDesc cudaCreateChannelDesc(int x, int y, int z, int w, enum cudaChannelFormatKind f) {
  return cudaChannelFormatDesc{x, y, z, w, f};
}

}  // namespace vgpu::rt::other
