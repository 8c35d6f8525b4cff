// The wire protocol version both sides compare at Hello and on the session
// stream. Bump it on any incompatible change to vgpu.proto.
#pragma once

#include <cstdint>

namespace vgpu::wire {

inline constexpr uint32_t kProtocolVersion = 1;
inline constexpr const char* kProtocolMetadataKey = "vgpu-protocol";
inline constexpr const char* kTokenMetadataKey = "vgpu-token";
// Upper bound of one gRPC message. Copies are chunked well below it.
inline constexpr int kMaxMessageBytes = 256 << 20;
// Bulk copies travel in pieces of this size, so one batch stays bounded.
inline constexpr uint64_t kCopyChunkBytes = 4 << 20;

}  // namespace vgpu::wire
