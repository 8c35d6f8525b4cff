// Tensor-core operations: mma.sync fragment layouts, ldmatrix and movmatrix.
#include "server/backends/emu/ptx/mma.h"

#include <cstring>

#include "server/backends/emu/ptx/math.h"
#include "server/backends/emu/ptx/mma_volta.h"
#include "server/backends/emu/ptx/wmma.h"
#include "server/backends/emu/ptx/runner.h"

namespace vgpu::ptx {
namespace {

struct Dims {
  uint32_t m, n, k;
};

Dims ShapeDims(MmaShape s) {
  switch (s) {
    case MmaShape::kM16N8K16: return {16, 8, 16};
    case MmaShape::kM16N8K8: return {16, 8, 8};
    case MmaShape::kM16N8K4: return {16, 8, 4};
    case MmaShape::kM16N8K32: return {16, 8, 32};
    case MmaShape::kM8N8K16: return {8, 8, 16};
    case MmaShape::kM8N8K4: return {8, 8, 4};
  }
  return {0, 0, 0};
}

uint32_t ElementBits(Type t) {
  switch (t) {
    case Type::kF16: case Type::kBF16: return 16;
    case Type::kS8: case Type::kU8: return 8;
    default: return 32;  // tf32, f32, s32
  }
}

// Logical (row, column) of fragment element i of lane `lane`: A is m x k,
// B is k x n (row = k), C/D are m x n. g = groupID, t = threadID_in_group.
void ElementA(const MmaForm& f, uint32_t lane, uint32_t i, uint32_t* row, uint32_t* col) {
  uint32_t g = lane >> 2, t = lane & 3;
  uint32_t bits = ElementBits(f.a);
  switch (f.shape) {
    case MmaShape::kM16N8K16:
      if (bits == 16) { *row = g + 8 * ((i >> 1) & 1); *col = t * 2 + (i & 1) + 8 * (i >> 2); }
      else { *row = g + 8 * (i >> 2); *col = t * 4 + (i & 3); }  // 8-bit
      return;
    case MmaShape::kM16N8K8:
      if (bits == 16) { *row = g + 8 * (i >> 1); *col = t * 2 + (i & 1); }
      else { *row = g + 8 * (i & 1); *col = t + 4 * (i >> 1); }  // tf32
      return;
    case MmaShape::kM16N8K4: *row = g + 8 * i; *col = t; return;  // tf32
    case MmaShape::kM16N8K32: *row = g + 8 * ((i >> 2) & 1); *col = t * 4 + (i & 3) + 16 * (i >> 3); return;
    case MmaShape::kM8N8K16: *row = g; *col = t * 4 + i; return;
    case MmaShape::kM8N8K4: M8N8K4ElementA(!f.a_col, lane, i, row, col); return;
  }
}

void ElementB(const MmaForm& f, uint32_t lane, uint32_t i, uint32_t* row, uint32_t* col) {
  uint32_t g = lane >> 2, t = lane & 3;
  uint32_t bits = ElementBits(f.b);
  *col = g;
  switch (f.shape) {
    case MmaShape::kM16N8K16: *row = bits == 16 ? t * 2 + (i & 1) + 8 * (i >> 1) : t * 4 + i; return;
    case MmaShape::kM16N8K8: *row = bits == 16 ? t * 2 + i : t + 4 * i; return;
    case MmaShape::kM16N8K4: *row = t; return;
    case MmaShape::kM16N8K32: *row = t * 4 + (i & 3) + 16 * (i >> 2); return;
    case MmaShape::kM8N8K16: *row = t * 4 + i; return;
    case MmaShape::kM8N8K4: M8N8K4ElementB(f.b_row, lane, i, row, col); return;
  }
}

void ElementC(const MmaForm& f, uint32_t lane, uint32_t i, uint32_t* row, uint32_t* col) {
  uint32_t g = lane >> 2, t = lane & 3;
  if (f.shape == MmaShape::kM8N8K16) { *row = g; *col = t * 2 + i; return; }
  *row = g + 8 * (i >> 1);
  *col = t * 2 + (i & 1);
}

uint32_t ElementsPerLane(uint32_t rows, uint32_t cols) { return rows * cols / 32; }

// Element i of a lane from its packed registers.
uint32_t Extract(uint64_t* const* regs, uint32_t bits, uint32_t lane, uint32_t i) {
  uint32_t per = 32 / bits;
  uint32_t word = static_cast<uint32_t>(regs[i / per][lane]);
  uint32_t shift = (i % per) * bits;
  return bits == 32 ? word : (word >> shift) & ((1u << bits) - 1);
}

double Decode(Type t, uint32_t bits) {
  switch (t) {
    case Type::kF16: return F16ToF32(static_cast<uint16_t>(bits));
    case Type::kBF16: return BF16ToF32(static_cast<uint16_t>(bits));
    case Type::kB32: return BitsFloat(bits & 0xFFFFE000u);  // tf32: 10 mantissa bits
    case Type::kF32: return BitsFloat(bits);
    case Type::kS8: return static_cast<int8_t>(bits);
    case Type::kU8: return static_cast<uint8_t>(bits);
    case Type::kS32: return static_cast<int32_t>(bits);
    default: return 0;
  }
}

}  // namespace

bool ParseMmaShape(std::string_view text, MmaShape* shape) {
  static constexpr std::pair<std::string_view, MmaShape> kShapes[] = {
      {".m16n8k16", MmaShape::kM16N8K16}, {".m16n8k8", MmaShape::kM16N8K8}, {".m16n8k4", MmaShape::kM16N8K4},
      {".m16n8k32", MmaShape::kM16N8K32}, {".m8n8k16", MmaShape::kM8N8K16}, {".m8n8k4", MmaShape::kM8N8K4}};
  for (auto [name, s] : kShapes)
    if (name == text) {
      *shape = s;
      return true;
    }
  return false;
}

bool CountMmaRegisters(const MmaForm& f, MmaCounts* counts) {
  if (f.shape == MmaShape::kM8N8K4) {
    auto accumulator = [](Type t) { return t == Type::kF16 || t == Type::kF32; };
    if (f.a != Type::kF16 || f.b != Type::kF16 || !accumulator(f.c) || !accumulator(f.d) || f.saturate) return false;
    *counts = {M8N8K4Registers(f.d), 2, 2, M8N8K4Registers(f.c)};
    return true;
  }
  Dims dims = ShapeDims(f.shape);
  uint32_t abits = ElementBits(f.a), bbits = ElementBits(f.b);
  bool integer = abits == 8;
  if (integer != (bbits == 8)) return false;
  if (integer ? f.c != Type::kS32 || f.d != Type::kS32
              : (f.c != Type::kF32 && f.c != Type::kF16) || (f.d != Type::kF32 && f.d != Type::kF16))
    return false;
  switch (f.shape) {
    case MmaShape::kM16N8K16: if (abits == 32) return false; break;
    case MmaShape::kM16N8K8: if (abits == 8) return false; break;
    case MmaShape::kM16N8K4: if (abits != 32) return false; break;
    case MmaShape::kM16N8K32: case MmaShape::kM8N8K16: if (!integer) return false; break;
    case MmaShape::kM8N8K4: return false;
  }
  if (f.a == Type::kB32 && (f.c != Type::kF32 || f.d != Type::kF32)) return false;
  if (f.a == Type::kBF16 && (f.c != Type::kF32 || f.d != Type::kF32)) return false;
  auto regs = [](uint32_t elems, uint32_t bits) { return elems * bits / 32; };
  counts->a = regs(ElementsPerLane(dims.m, dims.k), abits);
  counts->b = regs(ElementsPerLane(dims.k, dims.n), bbits);
  counts->c = regs(ElementsPerLane(dims.m, dims.n), ElementBits(f.c));
  counts->d = regs(ElementsPerLane(dims.m, dims.n), ElementBits(f.d));
  return true;
}

void RunMma(const MmaForm& f, const MmaCounts& counts, uint64_t* const* regs, uint32_t exec) {
  if (f.shape == MmaShape::kM8N8K4) return RunMmaM8N8K4(!f.a_col, f.b_row, f.c, f.d, regs, exec);
  Dims dims = ShapeDims(f.shape);
  uint64_t* const* d_regs = regs;
  uint64_t* const* a_regs = d_regs + counts.d;
  uint64_t* const* b_regs = a_regs + counts.a;
  uint64_t* const* c_regs = b_regs + counts.b;
  double A[16][32] = {}, B[32][8] = {}, C[16][8] = {};
  uint32_t abits = ElementBits(f.a), bbits = ElementBits(f.b), cbits = ElementBits(f.c), dbits = ElementBits(f.d);
  for (uint32_t lane = 0; lane < 32; ++lane) {
    uint32_t r = 0, c = 0;
    for (uint32_t i = 0; i < ElementsPerLane(dims.m, dims.k); ++i) {
      ElementA(f, lane, i, &r, &c);
      A[r][c] = Decode(f.a, Extract(a_regs, abits, lane, i));
    }
    for (uint32_t i = 0; i < ElementsPerLane(dims.k, dims.n); ++i) {
      ElementB(f, lane, i, &r, &c);
      B[r][c] = Decode(f.b, Extract(b_regs, bbits, lane, i));
    }
    for (uint32_t i = 0; i < ElementsPerLane(dims.m, dims.n); ++i) {
      ElementC(f, lane, i, &r, &c);
      C[r][c] = Decode(f.c, Extract(c_regs, cbits, lane, i));
    }
  }
  bool integer = f.d == Type::kS32;
  uint32_t d_words[4][32] = {};
  for (uint32_t lane = 0; lane < 32; ++lane) {
    for (uint32_t i = 0; i < ElementsPerLane(dims.m, dims.n); ++i) {
      uint32_t r = 0, c = 0;
      ElementC(f, lane, i, &r, &c);
      uint32_t bits;
      if (integer) {
        int64_t sum = static_cast<int64_t>(C[r][c]);
        for (uint32_t k = 0; k < dims.k; ++k) sum += static_cast<int64_t>(A[r][k]) * static_cast<int64_t>(B[k][c]);
        if (f.saturate) sum = std::min<int64_t>(INT32_MAX, std::max<int64_t>(INT32_MIN, sum));
        bits = static_cast<uint32_t>(static_cast<int32_t>(sum));  // wraps without .satfinite
      } else {
        // Products of f16/bf16/tf32 are exact in f32; accumulate in f32.
        float sum = static_cast<float>(C[r][c]);
        for (uint32_t k = 0; k < dims.k; ++k) sum += static_cast<float>(A[r][k] * B[k][c]);
        bits = f.d == Type::kF16 ? F32ToF16(sum, kRn) : static_cast<uint32_t>(FloatBits(sum));
      }
      uint32_t per = 32 / dbits;
      uint32_t shift = (i % per) * dbits;
      d_words[i / per][lane] |= dbits == 32 ? bits : (bits & 0xFFFFu) << shift;
    }
  }
  for (uint32_t reg = 0; reg < counts.d; ++reg)
    for (uint32_t lane = 0; lane < 32; ++lane)
      if (exec >> lane & 1) d_regs[reg][lane] = d_words[reg][lane];
}

void Ldmatrix(const uint8_t (*rows)[16], uint32_t count, bool transpose, uint32_t out[4][32]) {
  for (uint32_t m = 0; m < count; ++m) {
    for (uint32_t lane = 0; lane < 32; ++lane) {
      uint16_t half[2];
      for (uint32_t e = 0; e < 2; ++e) {
        // Without .trans lane l holds row l/4, columns 2(l%4)+e; with .trans
        // the same elements of the transposed 8x8 matrix.
        uint32_t row = lane / 4, col = 2 * (lane % 4) + e;
        if (transpose) std::swap(row, col);
        std::memcpy(&half[e], rows[m * 8 + row] + col * 2, 2);
      }
      out[m][lane] = uint32_t{half[0]} | uint32_t{half[1]} << 16;
    }
  }
}

// movmatrix and mma for a warp (the family entry from RunWarp).
Status BlockRunner::ExecMma(const Instr& in, const Operands& o) {
  Status result;
  [[maybe_unused]] uint64_t* R = o.R;
  [[maybe_unused]] uint64_t* d = o.d;
  [[maybe_unused]] const uint64_t* a = o.a;
  [[maybe_unused]] const uint64_t* b = o.b;
  [[maybe_unused]] const uint64_t* c = o.c;
  [[maybe_unused]] const uint32_t exec = o.exec;
  switch (in.op) {
    case Op::kMovmatrix: {
      if (!exec) break;
      uint32_t src[32];
      for (int l = 0; l < 32; ++l) src[l] = uint32_t(a[l]);
      ForLanes(exec, [&](int l) {
        uint32_t word = 0;
        for (int e = 0; e < 2; ++e) {
          // Element (row l/4, col 2(l%4)+e) of the transpose is element
          // (2(l%4)+e, l/4) of the source, held by lane row*4 + col/2.
          int row = 2 * (l % 4) + e, col = l / 4;
          uint32_t half = (src[row * 4 + col / 2] >> (16 * (col % 2))) & 0xFFFF;
          word |= half << (16 * e);
        }
        d[l] = word;
      });
      break;
    }
    case Op::kMma: {
      if (!exec) break;
      const MmaForm& form = ls_->data->mma_forms[in.v[0]];
      MmaCounts counts;
      (void)CountMmaRegisters(form, &counts);
      const uint32_t* list = ls_->data->operand_lists.data() + in.imm;
      uint64_t* regs[24];
      for (uint32_t i = 0; i < counts.d + counts.a + counts.b + counts.c; ++i) regs[i] = R + size_t{list[i]} * 32;
      RunMma(form, counts, regs, exec);
      break;
    }
    case Op::kWmmaMma: {
      if (!exec) break;
      static constexpr WmmaShape kShapes[] = {{16, 16, 16}, {32, 8, 16}, {8, 32, 16}};
      const Type ab = static_cast<Type>(in.mod), c_type = in.type2, d_type = in.type;
      uint32_t n = WmmaRegisters(WmmaMatrix::kC, d_type) + 2 * WmmaRegisters(WmmaMatrix::kA, ab) +
                   WmmaRegisters(WmmaMatrix::kC, c_type);
      const uint32_t* list = ls_->data->operand_lists.data() + in.v[0];
      uint64_t* regs[32];
      for (uint32_t i = 0; i < n; ++i) regs[i] = R + size_t{list[i]} * 32;
      RunWmma(kShapes[in.v[1]], ab, c_type, d_type, in.flags & kSat, regs, exec);
      break;
    }
    default:
      break;
  }
  return result;
}

}  // namespace vgpu::ptx
