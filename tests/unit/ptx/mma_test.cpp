// mma.sync and ldmatrix against a host reference: each lane's fragment is
// packed from the PTX ISA's tables ("Matrix fragments for mma.m16n8k16",
// ".m16n8k32", "ldmatrix"), written out here independently of the
// interpreter's mapping, and D is compared with a plain matrix product.
#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "server/backends/emu/ptx/math.h"
#include "server/backends/emu/ptx/mma.h"

namespace vgpu::ptx {
namespace {

struct Lanes {
  uint64_t v[32] = {};
};

TEST_CASE("mma m16n8k16 f16 x f16 + f32 matches a matrix product", "[ptx][mma]") {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> small(-8, 8);
  float A[16][16], B[16][8], C[16][8];
  for (auto& row : A) for (float& x : row) x = small(rng) / 4.0f;
  for (auto& row : B) for (float& x : row) x = small(rng) / 4.0f;
  for (auto& row : C) for (float& x : row) x = small(rng);
  // Registers: D 4 x f32, A 4 x f16x2, B 2 x f16x2, C 4 x f32.
  Lanes regs[14];
  auto h = [](float x) { return uint64_t{F32ToF16(x, kRn)}; };
  for (int lane = 0; lane < 32; ++lane) {
    int g = lane / 4, t = lane % 4;
    for (int r = 0; r < 4; ++r) {
      // a{2r}, a{2r+1}: rows g (+8 for r odd), columns 2t, 2t+1 (+8 for r >= 2).
      int row = g + (r % 2) * 8, col = 2 * t + (r / 2) * 8;
      regs[4 + r].v[lane] = h(A[row][col]) | h(A[row][col + 1]) << 16;
    }
    for (int r = 0; r < 2; ++r) {
      int k = 2 * t + r * 8;
      regs[8 + r].v[lane] = h(B[k][g]) | h(B[k + 1][g]) << 16;
    }
    for (int i = 0; i < 4; ++i) regs[10 + i].v[lane] = FloatBits(C[g + (i / 2) * 8][2 * t + i % 2]);
  }
  MmaForm form{MmaShape::kM16N8K16, Type::kF16, Type::kF16, Type::kF32, Type::kF32, false};
  MmaCounts counts;
  REQUIRE(CountMmaRegisters(form, &counts));
  CHECK(counts.d == 4);
  CHECK(counts.a == 4);
  CHECK(counts.b == 2);
  CHECK(counts.c == 4);
  uint64_t* ptrs[14];
  for (int i = 0; i < 14; ++i) ptrs[i] = regs[i].v;
  RunMma(form, counts, ptrs, 0xFFFFFFFFu);
  for (int lane = 0; lane < 32; ++lane) {
    int g = lane / 4, t = lane % 4;
    for (int i = 0; i < 4; ++i) {
      int row = g + (i / 2) * 8, col = 2 * t + i % 2;
      float want = C[row][col];
      for (int k = 0; k < 16; ++k) want += A[row][k] * B[k][col];
      CHECK(BitsFloat(regs[i].v[lane]) == want);  // small exact values
    }
  }
}

TEST_CASE("mma m16n8k32 s8 x s8 + s32 matches a matrix product", "[ptx][mma]") {
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> byte(-128, 127);
  int A[16][32], B[32][8], C[16][8];
  for (auto& row : A) for (int& x : row) x = byte(rng);
  for (auto& row : B) for (int& x : row) x = byte(rng);
  for (auto& row : C) for (int& x : row) x = byte(rng) * 1000;
  Lanes regs[14];  // D 4, A 4, B 2, C 4
  auto pack = [](int b0, int b1, int b2, int b3) {
    return uint64_t{uint8_t(b0)} | uint64_t{uint8_t(b1)} << 8 | uint64_t{uint8_t(b2)} << 16 |
           uint64_t{uint8_t(b3)} << 24;
  };
  for (int lane = 0; lane < 32; ++lane) {
    int g = lane / 4, t = lane % 4;
    for (int r = 0; r < 4; ++r) {
      // a{4r..4r+3}: row g (+8 for r odd), columns 4t..4t+3 (+16 for r >= 2).
      int row = g + (r % 2) * 8, col = 4 * t + (r / 2) * 16;
      regs[4 + r].v[lane] = pack(A[row][col], A[row][col + 1], A[row][col + 2], A[row][col + 3]);
    }
    for (int r = 0; r < 2; ++r) {
      int k = 4 * t + r * 16;
      regs[8 + r].v[lane] = pack(B[k][g], B[k + 1][g], B[k + 2][g], B[k + 3][g]);
    }
    for (int i = 0; i < 4; ++i) regs[10 + i].v[lane] = uint32_t(C[g + (i / 2) * 8][2 * t + i % 2]);
  }
  MmaForm form{MmaShape::kM16N8K32, Type::kS8, Type::kS8, Type::kS32, Type::kS32, false};
  MmaCounts counts;
  REQUIRE(CountMmaRegisters(form, &counts));
  uint64_t* ptrs[14];
  for (int i = 0; i < 14; ++i) ptrs[i] = regs[i].v;
  RunMma(form, counts, ptrs, 0xFFFFFFFFu);
  for (int lane = 0; lane < 32; ++lane) {
    int g = lane / 4, t = lane % 4;
    for (int i = 0; i < 4; ++i) {
      int row = g + (i / 2) * 8, col = 2 * t + i % 2;
      int want = C[row][col];
      for (int k = 0; k < 32; ++k) want += A[row][k] * B[k][col];
      CHECK(int32_t(regs[i].v[lane]) == want);
    }
  }
}

TEST_CASE("forms the ISA does not define are refused", "[ptx][mma]") {
  MmaCounts counts;
  CHECK_FALSE(CountMmaRegisters({MmaShape::kM16N8K32, Type::kF16, Type::kF16, Type::kF32, Type::kF32, false}, &counts));
  CHECK_FALSE(CountMmaRegisters({MmaShape::kM16N8K16, Type::kS8, Type::kF16, Type::kS32, Type::kS32, false}, &counts));
  CHECK_FALSE(CountMmaRegisters({MmaShape::kM16N8K16, Type::kBF16, Type::kBF16, Type::kF16, Type::kF16, false}, &counts));
}

TEST_CASE("ldmatrix x4 hands each lane its share of four 8x8 matrices, and .trans the transposes", "[ptx][mma]") {
  uint8_t rows[32][16];
  for (int r = 0; r < 32; ++r)
    for (int c = 0; c < 8; ++c) {
      uint16_t v = static_cast<uint16_t>(r * 100 + c);  // matrix r/8, row r%8, column c
      std::memcpy(&rows[r][c * 2], &v, 2);
    }
  uint32_t out[4][32];
  Ldmatrix(rows, 4, false, out);
  for (int m = 0; m < 4; ++m)
    for (int lane = 0; lane < 32; ++lane) {
      int row = lane / 4, col = 2 * (lane % 4);
      CHECK((out[m][lane] & 0xFFFF) == uint32_t((m * 8 + row) * 100 + col));
      CHECK((out[m][lane] >> 16) == uint32_t((m * 8 + row) * 100 + col + 1));
    }
  Ldmatrix(rows, 4, true, out);
  for (int m = 0; m < 4; ++m)
    for (int lane = 0; lane < 32; ++lane) {
      int row = lane / 4, col = 2 * (lane % 4);  // of the transpose: element (col, row) of the source
      CHECK((out[m][lane] & 0xFFFF) == uint32_t((m * 8 + col) * 100 + row));
      CHECK((out[m][lane] >> 16) == uint32_t((m * 8 + col + 1) * 100 + row));
    }
}

}  // namespace
}  // namespace vgpu::ptx
