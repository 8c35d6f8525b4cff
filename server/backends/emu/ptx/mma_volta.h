// mma.sync.aligned.m8n8k4 with f16 inputs (Volta's tensor-core instruction, which nvcc
// still emits for compute_70): a warp computes four independent 8x8x4 products, one per
// quad pair (lanes 4q..4q+3 are its low group, 16+4q..16+4q+3 its high group), with the
// fragment layouts of the PTX ISA ("Matrix Fragments for mma.m8n8k4 with .f16").
#pragma once

#include <cstdint>

#include "server/backends/emu/ptx/types.h"

namespace vgpu::ptx {

// Registers per lane: A and B 2 (.f16x2); C and D 8 for .f32, 4 for .f16.
inline uint32_t M8N8K4Registers(Type accumulator) { return accumulator == Type::kF32 ? 8 : 4; }

// Logical (row, col) of element i of a lane's fragment, within its quad pair's matrix:
// A is 8 x 4 (m x k), B is 4 x 8 (k x n), C/D are 8 x 8.
void M8N8K4ElementA(bool row_major, uint32_t lane, uint32_t i, uint32_t* row, uint32_t* col);
void M8N8K4ElementB(bool row_major, uint32_t lane, uint32_t i, uint32_t* row, uint32_t* col);
void M8N8K4ElementC(Type accumulator, uint32_t lane, uint32_t i, uint32_t* row, uint32_t* col);

// Runs the instruction for a warp. regs[i] points at the 32 lane values of the i-th
// register of D..., A..., B..., C...; lanes in `exec` receive D.
void RunMmaM8N8K4(bool a_row, bool b_row, Type c, Type d, uint64_t* const* regs, uint32_t exec);

}  // namespace vgpu::ptx
