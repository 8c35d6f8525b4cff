// cuBLAS on the software GPU: GEMMs run on the CPU in the stream's order
// (the session's executor), on emu device memory, which is host RAM.
#include <cstring>

#include "server/backends/emu/blas/gemm.h"
#include "server/backends/emu/context.h"

namespace vgpu::backend::emu {

Status EmuContext::BlasGemm(uint64_t /*handle*/, const backend::BlasGemm& g, Handle stream) {
  VGPU_RETURN_IF_ERROR(CheckStream(stream));
  namespace eb = vgpu::emu::blas;
  eb::GemmShape s;
  s.trans_a = g.trans_a, s.trans_b = g.trans_b;
  s.m = g.m, s.n = g.n, s.k = g.k;
  s.a_type = static_cast<eb::DataType>(g.a_type);
  s.b_type = static_cast<eb::DataType>(g.b_type);
  s.c_type = static_cast<eb::DataType>(g.c_type);
  s.compute = static_cast<eb::ComputeType>(g.compute);
  s.lda = g.lda, s.ldb = g.ldb, s.ldc = g.ldc;
  std::string why;
  if (eb::CheckGemm(s, &why) != eb::GemmCheck::kOk) return InvalidValue("gemm: " + why);
  const uint64_t ea = eb::ExtentA(s), eb_ = eb::ExtentB(s), ec = eb::ExtentC(s);
  const uint64_t* pa = nullptr;
  const uint64_t* pb = nullptr;
  const uint64_t* pc = nullptr;
  if (g.pointer_arrays) {
    const uint64_t bytes = static_cast<uint64_t>(g.batch) * 8;
    pa = reinterpret_cast<const uint64_t*>(memory_.Translate(g.a, bytes));
    pb = reinterpret_cast<const uint64_t*>(memory_.Translate(g.b, bytes));
    pc = reinterpret_cast<const uint64_t*>(memory_.Translate(g.c, bytes));
    if (pa == nullptr || pb == nullptr || pc == nullptr) return InvalidValue("gemm: pointer array is not device memory");
  }
  for (int64_t i = 0; i < g.batch; ++i) {
    uint64_t a, b, c;
    if (g.pointer_arrays) {
      std::memcpy(&a, pa + i, 8);
      std::memcpy(&b, pb + i, 8);
      std::memcpy(&c, pc + i, 8);
    } else {
      a = g.a + static_cast<uint64_t>(i * g.stride_a) * eb::ElementSize(s.a_type);
      b = g.b + static_cast<uint64_t>(i * g.stride_b) * eb::ElementSize(s.b_type);
      c = g.c + static_cast<uint64_t>(i * g.stride_c) * eb::ElementSize(s.c_type);
    }
    const uint8_t* ha = ea ? memory_.Translate(a, ea) : nullptr;
    const uint8_t* hb = eb_ ? memory_.Translate(b, eb_) : nullptr;
    uint8_t* hc = ec ? memory_.Translate(c, ec) : nullptr;
    if ((ea && !ha) || (eb_ && !hb) || (ec && !hc)) {
      return Status(Code::kIllegalAddress, "gemm batch " + std::to_string(i) + ": a matrix is not device memory of this session");
    }
    if (ec == 0) continue;
    eb::Gemm(s, g.alpha, ha, hb, g.beta, hc);
  }
  return Status();
}

}  // namespace vgpu::backend::emu
