// Test helpers: committed nvcc fixtures and hand-built fatbin containers.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vgpu::image::testing {

// Reads tests/fixtures/image/<name> (see tests/image/regen.sh); fails the test if absent.
std::vector<uint8_t> LoadFixture(const std::string& name);

// One entry to put into a container built by BuildContainer.
struct RawEntry {
  uint16_t kind;             // 1 PTX, 2 ELF
  uint32_t sm;
  uint64_t flags;            // 0x11 plus 0x2000 (LZ4) / 0x8000 (Zstd)
  std::string payload;       // already compressed when flags say so
  uint64_t uncompressed_size = 0;
};

// A container as nvcc lays it out: 16-byte header, 64/80-byte entry headers,
// payloads padded to 16 bytes.
std::vector<uint8_t> BuildContainer(const std::vector<RawEntry>& entries);

// Reads the raw entries back from a container (no decompression), for tests that
// re-pack nvcc's entries differently.
std::vector<RawEntry> SplitRaw(std::span<const uint8_t> container);

inline std::span<const uint8_t> AsBytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace vgpu::image::testing
