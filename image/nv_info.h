// Records of CUDA ELF .nv.info sections (cuda-abi.md §4): {u8 format, u8
// attribute, u16 value-or-length} followed, for format SVAL, by `length` bytes.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"

namespace vgpu::image::nvinfo {

// Formats.
inline constexpr uint8_t kNval = 1;
inline constexpr uint8_t kBval = 2;
inline constexpr uint8_t kHval = 3;
inline constexpr uint8_t kSval = 4;

// Attributes used here.
inline constexpr uint8_t kMaxThreads = 0x05;      // SVAL u32 x, y, z (.maxntid)
inline constexpr uint8_t kParamCbank = 0x0a;      // SVAL u32 sym, u16 offset, u16 size
inline constexpr uint8_t kReqNtid = 0x10;         // SVAL u32 x, y, z (.reqntid)
inline constexpr uint8_t kFrameSize = 0x11;       // SVAL u32 sym, u32 bytes
inline constexpr uint8_t kKparamInfo = 0x17;      // SVAL 12 bytes
inline constexpr uint8_t kCbankParamSize = 0x19;  // HVAL bytes
inline constexpr uint8_t kRegCount = 0x2f;        // SVAL u32 sym, u32 registers

struct Record {
  uint8_t format;
  uint8_t attribute;
  uint16_t value;                 // HVAL/BVAL value; SVAL length
  std::span<const uint8_t> data;  // SVAL payload, else empty
};

// Splits a section into records; a record running past the end is kInvalidImage.
Result<std::vector<Record>> ParseRecords(std::span<const uint8_t> section);

}  // namespace vgpu::image::nvinfo
