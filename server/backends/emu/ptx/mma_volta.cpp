#include "server/backends/emu/ptx/mma_volta.h"

#include "server/backends/emu/ptx/math.h"

namespace vgpu::ptx {
namespace {

uint32_t High(uint32_t lane) { return lane >= 16 ? 4 : 0; }

uint32_t Half(uint64_t* const* regs, uint32_t lane, uint32_t i) {
  return (static_cast<uint32_t>(regs[i / 2][lane]) >> (16 * (i % 2))) & 0xFFFF;
}

}  // namespace

void M8N8K4ElementA(bool row_major, uint32_t lane, uint32_t i, uint32_t* row, uint32_t* col) {
  if (row_major) {
    *row = lane % 4 + High(lane);
    *col = i;
  } else {
    *row = i % 4 + High(lane);
    *col = lane % 4;
  }
}

void M8N8K4ElementB(bool row_major, uint32_t lane, uint32_t i, uint32_t* row, uint32_t* col) {
  if (row_major) {
    *row = lane % 4;
    *col = i % 4 + High(lane);
  } else {
    *row = i;
    *col = lane % 4 + High(lane);
  }
}

void M8N8K4ElementC(Type accumulator, uint32_t lane, uint32_t i, uint32_t* row, uint32_t* col) {
  if (accumulator == Type::kF16) {
    *row = lane % 4 + High(lane);
    *col = i;
  } else {
    *row = lane % 2 + (i & 2) + High(lane);
    *col = (i & 4) + (lane & 2) + (i & 1);
  }
}

void RunMmaM8N8K4(bool a_row, bool b_row, Type c, Type d, uint64_t* const* regs, uint32_t exec) {
  uint32_t nd = M8N8K4Registers(d);
  uint64_t* const* d_regs = regs;
  uint64_t* const* a_regs = d_regs + nd;
  uint64_t* const* b_regs = a_regs + 2;
  uint64_t* const* c_regs = b_regs + 2;
  float A[4][8][4] = {}, B[4][4][8] = {}, C[4][8][8] = {};
  for (uint32_t lane = 0; lane < 32; ++lane) {
    uint32_t qp = (lane % 16) / 4, r = 0, k = 0;
    for (uint32_t i = 0; i < 4; ++i) {
      M8N8K4ElementA(a_row, lane, i, &r, &k);
      A[qp][r][k] = F16ToF32(static_cast<uint16_t>(Half(a_regs, lane, i)));
      M8N8K4ElementB(b_row, lane, i, &k, &r);
      B[qp][k][r] = F16ToF32(static_cast<uint16_t>(Half(b_regs, lane, i)));
    }
    for (uint32_t i = 0; i < 8; ++i) {
      M8N8K4ElementC(c, lane, i, &r, &k);
      C[qp][r][k] = c == Type::kF32 ? BitsFloat(static_cast<uint32_t>(c_regs[i][lane]))
                                    : F16ToF32(static_cast<uint16_t>(Half(c_regs, lane, i)));
    }
  }
  uint32_t words[8][32] = {};
  for (uint32_t lane = 0; lane < 32; ++lane) {
    uint32_t qp = (lane % 16) / 4;
    for (uint32_t i = 0; i < 8; ++i) {
      uint32_t r = 0, col = 0;
      M8N8K4ElementC(d, lane, i, &r, &col);
      // f16 products are exact in f32; accumulate in f32.
      float sum = C[qp][r][col];
      for (uint32_t k = 0; k < 4; ++k) sum += A[qp][r][k] * B[qp][k][col];
      if (d == Type::kF32) words[i][lane] = static_cast<uint32_t>(FloatBits(sum));
      else words[i / 2][lane] |= uint32_t{F32ToF16(sum, kRn)} << (16 * (i % 2));
    }
  }
  for (uint32_t reg = 0; reg < nd; ++reg)
    for (uint32_t lane = 0; lane < 32; ++lane)
      if (exec >> lane & 1) d_regs[reg][lane] = words[reg][lane];
}

}  // namespace vgpu::ptx
