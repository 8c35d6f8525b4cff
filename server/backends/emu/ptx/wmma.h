// wmma (warp matrix multiply-accumulate, the nvcuda::wmma API) on the software GPU.
// The PTX ISA leaves wmma fragment layouts unspecified: a program may only fill fragments
// with wmma.load, combine them with wmma.mma, write them with wmma.store, and touch
// elements uniformly. So the layout here is the simplest one: slot s of lane l holds
// element (s * 32 + l) mod (rows * cols) of the matrix in row-major order; fragments with
// more slots than elements (A and B of some shapes, as on hardware) hold copies.
#pragma once

#include <cstdint>
#include <string_view>

#include "server/backends/emu/ptx/types.h"

namespace vgpu::ptx {

enum class WmmaMatrix : uint8_t { kA, kB, kC };  // kC is also D

struct WmmaShape {
  uint32_t m = 16, n = 16, k = 16;
};

// ".m16n16k16", ".m32n8k16" or ".m8n32k16"; false otherwise.
bool ParseWmmaShape(std::string_view text, WmmaShape* shape);

// Logical rows and columns: A is m x k, B is k x n, C/D are m x n.
void WmmaDims(const WmmaShape& shape, WmmaMatrix matrix, uint32_t* rows, uint32_t* cols);

// Registers per lane of a fragment whose elements are `type` (f16/bf16 for A and B,
// f16 or f32 for C and D); 0 for a combination the ISA does not define.
uint32_t WmmaRegisters(WmmaMatrix matrix, Type type);

// Logical (row, col) of slot `slot` of `lane`.
void WmmaElement(const WmmaShape& shape, WmmaMatrix matrix, uint32_t lane, uint32_t slot, uint32_t* row,
                 uint32_t* col);

// Elements between consecutive rows (row-major) or columns (column-major) when
// wmma.load/store give no stride.
uint32_t WmmaDefaultStride(const WmmaShape& shape, WmmaMatrix matrix, bool row_major);

// Element offset of (row, col) in memory laid out row- or column-major with `stride`.
inline uint64_t WmmaOffset(bool row_major, uint32_t row, uint32_t col, uint64_t stride) {
  return row_major ? row * stride + col : col * stride + row;
}

// wmma.mma for a whole warp: regs[i] points at the 32 lane values of the i-th register of
// D..., A..., B..., C... (fragment register counts from WmmaRegisters). Lanes in `exec`
// receive D. f16/bf16 products are exact in f32; accumulation is in f32.
void RunWmma(const WmmaShape& shape, Type ab, Type c, Type d, bool satfinite, uint64_t* const* regs,
             uint32_t exec);

}  // namespace vgpu::ptx
