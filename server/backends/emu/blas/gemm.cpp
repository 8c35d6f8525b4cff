#include "server/backends/emu/blas/gemm.h"

#include <algorithm>
#include <vector>

#include "server/backends/emu/ptx/math.h"

namespace vgpu::emu::blas {
namespace {

template <typename Acc>
Acc Load(const uint8_t* base, DataType type, int64_t index) {
  switch (type) {
    case DataType::kF32: {
      float v;
      std::memcpy(&v, base + index * 4, 4);
      return static_cast<Acc>(v);
    }
    case DataType::kF64: {
      double v;
      std::memcpy(&v, base + index * 8, 8);
      return static_cast<Acc>(v);
    }
    case DataType::kF16: {
      uint16_t h;
      std::memcpy(&h, base + index * 2, 2);
      return static_cast<Acc>(ptx::F16ToF32(h));
    }
    case DataType::kBF16: {
      uint16_t h;
      std::memcpy(&h, base + index * 2, 2);
      return static_cast<Acc>(ptx::BF16ToF32(h));
    }
    default: break;  // complex: never a GemmEx type here
  }
  return Acc{};
}

template <typename Acc>
void Store(uint8_t* base, DataType type, int64_t index, Acc value) {
  switch (type) {
    case DataType::kF32: {
      float v = static_cast<float>(value);
      std::memcpy(base + index * 4, &v, 4);
      return;
    }
    case DataType::kF64: {
      double v = static_cast<double>(value);
      std::memcpy(base + index * 8, &v, 8);
      return;
    }
    case DataType::kF16: {
      uint16_t h = ptx::LongToF16(static_cast<long double>(value), ptx::kRn);
      std::memcpy(base + index * 2, &h, 2);
      return;
    }
    case DataType::kBF16: {
      uint16_t h = ptx::LongToBF16(static_cast<long double>(value), ptx::kRn);
      std::memcpy(base + index * 2, &h, 2);
      return;
    }
    default: return;  // complex: never a GemmEx type here
  }
}

template <typename Acc>
void GemmIn(const GemmShape& s, Acc alpha, const uint8_t* a, const uint8_t* b, Acc beta, uint8_t* c) {
  const int64_t m = s.m, n = s.n, k = s.k;
  // op(A) row i and op(B) column j as contiguous length-k vectors.
  std::vector<Acc> ap(static_cast<size_t>(m * k)), bp(static_cast<size_t>(n * k));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p)
      ap[i * k + p] = Load<Acc>(a, s.a_type, s.trans_a ? i * s.lda + p : p * s.lda + i);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t p = 0; p < k; ++p)
      bp[j * k + p] = Load<Acc>(b, s.b_type, s.trans_b ? p * s.ldb + j : j * s.ldb + p);
  for (int64_t j = 0; j < n; ++j) {
    const Acc* bj = bp.data() + j * k;
    for (int64_t i = 0; i < m; ++i) {
      const Acc* ai = ap.data() + i * k;
      Acc sum = 0;
      for (int64_t p = 0; p < k; ++p) sum += ai[p] * bj[p];
      const int64_t at = j * s.ldc + i;
      Acc out = alpha * sum;
      if (beta != Acc{0}) out += beta * Load<Acc>(c, s.c_type, at);
      Store<Acc>(c, s.c_type, at, out);
    }
  }
}

bool Is32F(ComputeType t) {
  return t == ComputeType::k32F || t == ComputeType::k32FPedantic || t == ComputeType::k32FFast16F ||
         t == ComputeType::k32FFast16BF || t == ComputeType::k32FFastTF32;
}
bool Is16F(ComputeType t) { return t == ComputeType::k16F || t == ComputeType::k16FPedantic; }
bool Is64F(ComputeType t) { return t == ComputeType::k64F || t == ComputeType::k64FPedantic; }

}  // namespace

size_t ElementSize(DataType type) {
  switch (type) {
    case DataType::kF32: return 4;
    case DataType::kF64: return 8;
    case DataType::kF16:
    case DataType::kBF16: return 2;
    case DataType::kC32: return 8;
    case DataType::kC64: return 16;
  }
  return 0;
}

GemmCheck CheckGemm(const GemmShape& s, std::string* why) {
  auto fail = [&](GemmCheck c, const char* text) {
    if (why) *why = text;
    return c;
  };
  if (s.m < 0 || s.n < 0 || s.k < 0) return fail(GemmCheck::kInvalidValue, "negative m, n or k");
  const int64_t a_rows = s.trans_a ? s.k : s.m, b_rows = s.trans_b ? s.n : s.k;
  if (s.lda < std::max<int64_t>(1, a_rows)) return fail(GemmCheck::kInvalidValue, "lda smaller than op(A)'s rows");
  if (s.ldb < std::max<int64_t>(1, b_rows)) return fail(GemmCheck::kInvalidValue, "ldb smaller than op(B)'s rows");
  if (s.ldc < std::max<int64_t>(1, s.m)) return fail(GemmCheck::kInvalidValue, "ldc smaller than m");
  for (DataType t : {s.a_type, s.b_type, s.c_type}) {
    if (ElementSize(t) == 0) return fail(GemmCheck::kNotSupported, "data type not supported");
  }
  if (s.a_type != s.b_type) return fail(GemmCheck::kNotSupported, "A and B types differ");
  const DataType ab = s.a_type, c = s.c_type;
  bool ok = false;
  if (Is16F(s.compute)) ok = ab == DataType::kF16 && c == DataType::kF16;
  else if (Is64F(s.compute)) ok = ab == DataType::kF64 && c == DataType::kF64;
  else if (Is32F(s.compute))
    ok = (ab == DataType::kF32 && c == DataType::kF32) ||
         ((ab == DataType::kF16 || ab == DataType::kBF16) && (c == ab || c == DataType::kF32));
  if (!ok) return fail(GemmCheck::kNotSupported, "type combination not supported for this compute type");
  return GemmCheck::kOk;
}

uint64_t MatrixExtent(int64_t rows, int64_t cols, int64_t ld, DataType type) {
  if (rows <= 0 || cols <= 0) return 0;
  // Saturates instead of wrapping: a huge extent fails the range check.
  using U = unsigned __int128;
  const U bytes = (U(uint64_t(cols - 1)) * U(uint64_t(std::max<int64_t>(ld, 0))) + U(uint64_t(rows))) * ElementSize(type);
  return bytes > U(UINT64_MAX) ? UINT64_MAX : static_cast<uint64_t>(bytes);
}
uint64_t ExtentA(const GemmShape& s) {
  return s.trans_a ? MatrixExtent(s.k, s.m, s.lda, s.a_type) : MatrixExtent(s.m, s.k, s.lda, s.a_type);
}
uint64_t ExtentB(const GemmShape& s) {
  return s.trans_b ? MatrixExtent(s.n, s.k, s.ldb, s.b_type) : MatrixExtent(s.k, s.n, s.ldb, s.b_type);
}
uint64_t ExtentC(const GemmShape& s) { return MatrixExtent(s.m, s.n, s.ldc, s.c_type); }

void Gemm(const GemmShape& s, double alpha, const void* a, const void* b, double beta, void* c) {
  if (s.m <= 0 || s.n <= 0) return;
  auto* ua = static_cast<const uint8_t*>(a);
  auto* ub = static_cast<const uint8_t*>(b);
  auto* uc = static_cast<uint8_t*>(c);
  if (Is64F(s.compute)) GemmIn<double>(s, alpha, ua, ub, beta, uc);
  else GemmIn<float>(s, static_cast<float>(alpha), ua, ub, static_cast<float>(beta), uc);
}

}  // namespace vgpu::emu::blas
