// Warp-level matrix multiply-accumulate (mma.sync) on the software GPU: the
// fragment layouts of the PTX ISA ("Matrix fragments for mma.m16n8k*"), so a
// kernel that hands each lane its documented share of A, B and C gets D = A*B
// + C exactly as a tensor core would place it (f16/bf16/tf32 products are
// exact in f32; accumulation is in f32, or exact in s32 for integers).
#pragma once

#include <cstdint>
#include <string_view>

#include "server/backends/emu/ptx/types.h"

namespace vgpu::ptx {

// kM8N8K4 is Volta's f16 form (mma_volta.h): four quad-pair products per warp.
enum class MmaShape : uint8_t { kM16N8K16, kM16N8K8, kM16N8K4, kM16N8K32, kM8N8K16, kM8N8K4 };

// What one mma instruction multiplies. `a`/`b` are element types (kF16,
// kBF16, kB32 for tf32, kS8, kU8); `c`/`d` are kF32, kF16 or kS32.
struct MmaForm {
  MmaShape shape = MmaShape::kM16N8K16;
  Type a = Type::kNone, b = Type::kNone, c = Type::kNone, d = Type::kNone;
  bool saturate = false;  // .satfinite on integer forms
  bool a_col = false, b_row = false;  // .col A / .row B: only m8n8k4 has them
};

// Parses "m16n8k16" etc.; false if unknown.
bool ParseMmaShape(std::string_view text, MmaShape* shape);

// Registers per lane of each operand, or false if the combination of shape
// and types is not one the ISA defines.
struct MmaCounts {
  uint32_t d = 0, a = 0, b = 0, c = 0;
};
bool CountMmaRegisters(const MmaForm& form, MmaCounts* counts);

// Runs one mma for a whole warp. regs[i] points at the 32 lane values of the
// i-th register of the operand list D..., A..., B..., C... (in that order);
// lanes in `exec` receive their D fragment. Inputs come from all 32 lanes.
void RunMma(const MmaForm& form, const MmaCounts& counts, uint64_t* const* regs, uint32_t exec);

// ldmatrix: `rows[r]` holds the 16 bytes of row r (8 rows per matrix, `count`
// matrices); lane l receives, in out[m][l], its 32-bit share of matrix m.
void Ldmatrix(const uint8_t (*rows)[16], uint32_t count, bool transpose, uint32_t out[4][32]);

}  // namespace vgpu::ptx
