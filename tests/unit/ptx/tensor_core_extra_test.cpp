// mma.m8n8k4 (Volta) and wmma against host matrix products. The m8n8k4 fragments are
// packed from the layout ggml-cuda's mma.cuh documents for Volta (its tile get_i/get_j
// without the lane permutation), written out here independently of the interpreter.
#include <catch2/catch.hpp>
#include <random>

#include "server/backends/emu/ptx/math.h"
#include "server/backends/emu/ptx/mma_volta.h"
#include "server/backends/emu/ptx/wmma.h"

namespace vgpu::ptx {
namespace {

struct Lanes {
  uint64_t v[32] = {};
};

uint64_t H(float x) { return uint64_t{F32ToF16(x, kRn)}; }

TEST_CASE("mma m8n8k4 row.col f16 x f16 + f32: four quad-pair products", "[ptx][mma]") {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> small(-8, 8);
  // The warp's view: A is 32 x 4 (quad pair q owns rows 8q..8q+7), B is 4 x 8 and shared.
  float A[32][4], B[4][8], C[32][8];
  for (auto& r : A) for (float& x : r) x = small(rng) / 4.0f;
  for (auto& r : B) for (float& x : r) x = small(rng) / 2.0f;
  for (auto& r : C) for (float& x : r) x = small(rng);
  Lanes regs[20];  // D 8 x f32, A 2 x f16x2, B 2 x f16x2, C 8 x f32
  auto row_of = [](int lane) { return ((lane % 16) / 4) * 8 + (lane / 16) * 4; };
  for (int lane = 0; lane < 32; ++lane) {
    int i = row_of(lane) + lane % 4;                  // A: one row, k = 0..3
    int n = (lane / 16) * 4 + lane % 4;               // B (col-major): one column
    for (int r = 0; r < 2; ++r) {
      regs[8 + r].v[lane] = H(A[i][2 * r]) | H(A[i][2 * r + 1]) << 16;
      regs[10 + r].v[lane] = H(B[2 * r][n]) | H(B[2 * r + 1][n]) << 16;
    }
    for (int l = 0; l < 8; ++l)
      regs[12 + l].v[lane] = FloatBits(C[row_of(lane) + (l & 2) + lane % 2][(lane & 2) + (l & 5)]);
  }
  uint64_t* ptrs[20];
  for (int i = 0; i < 20; ++i) ptrs[i] = regs[i].v;
  RunMmaM8N8K4(/*a_row=*/true, /*b_row=*/false, Type::kF32, Type::kF32, ptrs, 0xFFFFFFFFu);
  for (int lane = 0; lane < 32; ++lane)
    for (int l = 0; l < 8; ++l) {
      int row = row_of(lane) + (l & 2) + lane % 2, col = (lane & 2) + (l & 5);
      float want = C[row][col];
      for (int k = 0; k < 4; ++k) want += A[row][k] * B[k][col];
      INFO("lane " << lane << " element " << l);
      CHECK(BitsFloat(regs[l].v[lane]) == want);
    }
}

TEST_CASE("mma m8n8k4 row.row f16 accumulate, and col-major A", "[ptx][mma]") {
  std::mt19937 rng(12);
  std::uniform_int_distribution<int> small(-4, 4);
  float A[32][4], B[4][8], C[32][8];
  for (auto& r : A) for (float& x : r) x = small(rng);
  for (auto& r : B) for (float& x : r) x = small(rng);
  for (auto& r : C) for (float& x : r) x = small(rng);
  for (bool a_row : {true, false}) {
    Lanes regs[12];  // D 4 x f16x2, A 2, B 2, C 4
    for (int lane = 0; lane < 32; ++lane) {
      int base = ((lane % 16) / 4) * 8, hi = (lane / 16) * 4;
      for (int r = 0; r < 2; ++r) {
        // ISA: row-major A holds row lane%4 (+4 high), k = i; col-major A holds k = lane%4, rows i (+4).
        float a0 = a_row ? A[base + hi + lane % 4][2 * r] : A[base + hi + 2 * r][lane % 4];
        float a1 = a_row ? A[base + hi + lane % 4][2 * r + 1] : A[base + hi + 2 * r + 1][lane % 4];
        regs[4 + r].v[lane] = H(a0) | H(a1) << 16;
        // Row-major B: k = lane%4, columns i (+4 high).
        regs[6 + r].v[lane] = H(B[lane % 4][hi + 2 * r]) | H(B[lane % 4][hi + 2 * r + 1]) << 16;
      }
      for (int r = 0; r < 4; ++r)  // C/D f16: row lane%4 (+4 high), columns 0..7
        regs[8 + r].v[lane] = H(C[base + hi + lane % 4][2 * r]) | H(C[base + hi + lane % 4][2 * r + 1]) << 16;
    }
    uint64_t* ptrs[12];
    for (int i = 0; i < 12; ++i) ptrs[i] = regs[i].v;
    RunMmaM8N8K4(a_row, /*b_row=*/true, Type::kF16, Type::kF16, ptrs, 0xFFFFFFFFu);
    for (int lane = 0; lane < 32; ++lane) {
      int row = ((lane % 16) / 4) * 8 + (lane / 16) * 4 + lane % 4;
      for (int col = 0; col < 8; ++col) {
        float want = C[row][col];
        for (int k = 0; k < 4; ++k) want += A[row][k] * B[k][col];
        uint16_t got = static_cast<uint16_t>(regs[col / 2].v[lane] >> (16 * (col % 2)));
        INFO("a_row " << a_row << " lane " << lane << " col " << col);
        CHECK(F16ToF32(got) == want);
      }
    }
  }
}

TEST_CASE("wmma m8n32k16 and m16n16k16: load-layout fragments multiply as matrices", "[ptx][wmma]") {
  for (WmmaShape s : {WmmaShape{8, 32, 16}, WmmaShape{16, 16, 16}, WmmaShape{32, 8, 16}}) {
    std::mt19937 rng(s.m);
    std::uniform_int_distribution<int> small(-4, 4);
    std::vector<float> A(s.m * s.k), B(s.k * s.n), C(s.m * s.n);
    for (float& x : A) x = small(rng);
    for (float& x : B) x = small(rng) / 2.0f;
    for (float& x : C) x = small(rng);
    Lanes regs[32];  // D 8 x f32, A 8, B 8, C 8
    auto fill = [&](WmmaMatrix m, int first, int nregs, const std::vector<float>& src, uint32_t cols, bool f32) {
      for (uint32_t lane = 0; lane < 32; ++lane)
        for (uint32_t slot = 0; slot < uint32_t(nregs) * (f32 ? 1 : 2); ++slot) {
          uint32_t r = 0, c = 0;
          WmmaElement(s, m, lane, slot, &r, &c);
          float x = src[r * cols + c];
          if (f32) regs[first + slot].v[lane] = FloatBits(x);
          else regs[first + slot / 2].v[lane] |= H(x) << (16 * (slot % 2));
        }
    };
    REQUIRE(WmmaRegisters(WmmaMatrix::kA, Type::kF16) == 8);
    REQUIRE(WmmaRegisters(WmmaMatrix::kC, Type::kF32) == 8);
    fill(WmmaMatrix::kA, 8, 8, A, s.k, false);
    fill(WmmaMatrix::kB, 16, 8, B, s.n, false);
    fill(WmmaMatrix::kC, 24, 8, C, s.n, true);
    uint64_t* ptrs[32];
    for (int i = 0; i < 32; ++i) ptrs[i] = regs[i].v;
    RunWmma(s, Type::kF16, Type::kF32, Type::kF32, false, ptrs, 0xFFFFFFFFu);
    // Every element of D appears exactly once, where WmmaElement says.
    std::vector<int> seen(s.m * s.n, 0);
    for (uint32_t lane = 0; lane < 32; ++lane)
      for (uint32_t slot = 0; slot < 8; ++slot) {
        uint32_t r = 0, c = 0;
        WmmaElement(s, WmmaMatrix::kC, lane, slot, &r, &c);
        ++seen[r * s.n + c];
        float want = C[r * s.n + c];
        for (uint32_t k = 0; k < s.k; ++k) want += A[r * s.k + k] * B[k * s.n + c];
        CHECK(BitsFloat(regs[slot].v[lane]) == want);
      }
    for (int count : seen) CHECK(count == 1);
  }
}

TEST_CASE("wmma strides and offsets follow the load's layout", "[ptx][wmma]") {
  WmmaShape s{8, 32, 16};
  CHECK(WmmaDefaultStride(s, WmmaMatrix::kA, true) == 16);   // row-major A: k per row
  CHECK(WmmaDefaultStride(s, WmmaMatrix::kB, false) == 16);  // col-major B: k per column
  CHECK(WmmaDefaultStride(s, WmmaMatrix::kC, true) == 32);
  CHECK(WmmaOffset(true, 2, 3, 40) == 83);
  CHECK(WmmaOffset(false, 2, 3, 40) == 122);
  CHECK(WmmaRegisters(WmmaMatrix::kC, Type::kF16) == 4);
  CHECK(WmmaRegisters(WmmaMatrix::kA, Type::kF32) == 0);
}

}  // namespace
}  // namespace vgpu::ptx
