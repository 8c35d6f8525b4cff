// Server side: fatbin containers and the entries of any image form. Input is
// untrusted; every offset and size is checked before use.
//
// Container (cuda-abi.md §3): a 16-byte header {u32 magic 0xBA55ED50, u16
// version, u16 headerSize, u64 fatSize}, then entries back to back, each a header
// of at least 64 bytes followed by its (padded) payload.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace vgpu::image {

struct Entry {
  enum class Kind { kPtx, kCubin } kind;
  uint32_t sm;        // e.g. 80 for sm_80 / compute_80
  std::string bytes;  // decompressed; PTX without trailing NULs, cubin trimmed to its ELF size
};

// Entry header flags.
inline constexpr uint64_t kEntryFlagLz4 = 0x2000;
inline constexpr uint64_t kEntryFlagZstd = 0x8000;

// Parses the container at the start of `container` (bytes after it are ignored).
// Decompresses Zstd (0x8000) and LZ4 (0x2000) payloads. Entries of other kinds
// (neither PTX nor ELF) are skipped. Errors are kInvalidImage with a message.
Result<std::vector<Entry>> ParseFatbin(std::span<const uint8_t> container);

// Splits the contents of an ELF `.nv_fatbin` section into its containers: they
// sit back to back, each starting on an 8-byte boundary.
Result<std::vector<std::span<const uint8_t>>> SplitContainers(std::span<const uint8_t> section);

// Any image form to its entries: a container gives its entries, a cubin one kCubin
// entry (sm from e_flags), PTX text one kPtx entry (sm from ".target"). A wrapper
// (it holds host pointers) is kInvalidImage; an archive is kNotSupported.
Result<std::vector<Entry>> Entries(std::span<const uint8_t> image);

}  // namespace vgpu::image
