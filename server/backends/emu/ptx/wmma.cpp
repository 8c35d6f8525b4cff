#include "server/backends/emu/ptx/wmma.h"

#include <cmath>
#include <vector>

#include "server/backends/emu/ptx/math.h"

namespace vgpu::ptx {
namespace {

uint32_t Bits(Type t) { return t == Type::kF32 ? 32 : 16; }

float Decode(Type t, uint32_t bits) {
  switch (t) {
    case Type::kF16: return F16ToF32(static_cast<uint16_t>(bits));
    case Type::kBF16: return BF16ToF32(static_cast<uint16_t>(bits));
    default: return BitsFloat(bits);
  }
}

uint32_t Slot(uint64_t* const* regs, uint32_t bits, uint32_t lane, uint32_t slot) {
  uint32_t per = 32 / bits;
  uint32_t word = static_cast<uint32_t>(regs[slot / per][lane]);
  return bits == 32 ? word : (word >> (16 * (slot % per))) & 0xFFFF;
}

}  // namespace

bool ParseWmmaShape(std::string_view text, WmmaShape* shape) {
  if (text == ".m16n16k16") *shape = {16, 16, 16};
  else if (text == ".m32n8k16") *shape = {32, 8, 16};
  else if (text == ".m8n32k16") *shape = {8, 32, 16};
  else return false;
  return true;
}

void WmmaDims(const WmmaShape& s, WmmaMatrix matrix, uint32_t* rows, uint32_t* cols) {
  switch (matrix) {
    case WmmaMatrix::kA: *rows = s.m; *cols = s.k; return;
    case WmmaMatrix::kB: *rows = s.k; *cols = s.n; return;
    case WmmaMatrix::kC: *rows = s.m; *cols = s.n; return;
  }
}

uint32_t WmmaRegisters(WmmaMatrix matrix, Type type) {
  if (matrix == WmmaMatrix::kC) return type == Type::kF32 ? 8 : type == Type::kF16 ? 4 : 0;
  return type == Type::kF16 || type == Type::kBF16 ? 8 : 0;
}

void WmmaElement(const WmmaShape& s, WmmaMatrix matrix, uint32_t lane, uint32_t slot, uint32_t* row,
                 uint32_t* col) {
  uint32_t rows = 0, cols = 0;
  WmmaDims(s, matrix, &rows, &cols);
  uint32_t e = (slot * 32 + lane) % (rows * cols);
  *row = e / cols;
  *col = e % cols;
}

uint32_t WmmaDefaultStride(const WmmaShape& s, WmmaMatrix matrix, bool row_major) {
  uint32_t rows = 0, cols = 0;
  WmmaDims(s, matrix, &rows, &cols);
  return row_major ? cols : rows;
}

void RunWmma(const WmmaShape& s, Type ab, Type c, Type d, bool satfinite, uint64_t* const* regs, uint32_t exec) {
  uint32_t nd = WmmaRegisters(WmmaMatrix::kC, d), na = WmmaRegisters(WmmaMatrix::kA, ab);
  uint32_t nb = WmmaRegisters(WmmaMatrix::kB, ab);
  uint64_t* const* d_regs = regs;
  uint64_t* const* a_regs = d_regs + nd;
  uint64_t* const* b_regs = a_regs + na;
  uint64_t* const* c_regs = b_regs + nb;
  std::vector<float> A(s.m * s.k), B(s.k * s.n), C(s.m * s.n);
  auto gather = [&](WmmaMatrix matrix, Type t, uint32_t nregs, uint64_t* const* r, std::vector<float>& out,
                    uint32_t cols) {
    uint32_t slots = nregs * 32 / Bits(t);
    for (uint32_t lane = 0; lane < 32; ++lane)
      for (uint32_t slot = 0; slot < slots; ++slot) {
        uint32_t row = 0, col = 0;
        WmmaElement(s, matrix, lane, slot, &row, &col);
        out[row * cols + col] = Decode(t, Slot(r, Bits(t), lane, slot));
      }
  };
  gather(WmmaMatrix::kA, ab, na, a_regs, A, s.k);
  gather(WmmaMatrix::kB, ab, nb, b_regs, B, s.n);
  gather(WmmaMatrix::kC, c, WmmaRegisters(WmmaMatrix::kC, c), c_regs, C, s.n);
  uint32_t slots = nd * 32 / Bits(d);
  std::vector<uint32_t> words(nd * 32, 0);
  for (uint32_t lane = 0; lane < 32; ++lane)
    for (uint32_t slot = 0; slot < slots; ++slot) {
      uint32_t row = 0, col = 0;
      WmmaElement(s, WmmaMatrix::kC, lane, slot, &row, &col);
      float sum = C[row * s.n + col];
      for (uint32_t k = 0; k < s.k; ++k) sum += A[row * s.k + k] * B[k * s.n + col];
      if (satfinite && std::isinf(sum)) sum = std::copysign(d == Type::kF16 ? 65504.0f : 3.4028235e38f, sum);
      uint32_t bits = d == Type::kF16 ? F32ToF16(sum, kRn) : static_cast<uint32_t>(FloatBits(sum));
      uint32_t per = 32 / Bits(d);
      words[(slot / per) * 32 + lane] |= per == 1 ? bits : (bits & 0xFFFF) << (16 * (slot % per));
    }
  for (uint32_t reg = 0; reg < nd; ++reg)
    for (uint32_t lane = 0; lane < 32; ++lane)
      if (exec >> lane & 1) d_regs[reg][lane] = words[reg * 32 + lane];
}

}  // namespace vgpu::ptx
