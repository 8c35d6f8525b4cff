// cuBLAS on the software GPU: every routine runs on the CPU through OpenBLAS
// (server/backends/emu/blas/cpu.h) in the stream's order (the session's
// executor), on emu device memory, which is host RAM. Device-mode scalars
// and results are read and written there when the routine runs.
#include <cstring>

#include "server/backends/emu/blas/cpu.h"
#include "server/backends/emu/blas/gemm.h"
#include "server/backends/emu/context.h"
#include "server/backends/emu/ptx/math.h"

namespace vgpu::backend::emu {
namespace {

namespace eb = vgpu::emu::blas;

Status NotDeviceMemory(const char* what, int64_t entry) {
  return Status(Code::kIllegalAddress, std::string("BLAS batch ") + std::to_string(entry) + ": " + what +
                                           " is not device memory of this session");
}

// Reads a device-mode GEMM scalar of `compute`'s width as a double.
bool ReadGemmScalar(SessionMemory& memory, DevicePtr p, eb::ComputeType compute, double* out) {
  const bool half = compute == eb::ComputeType::k16F || compute == eb::ComputeType::k16FPedantic;
  const bool wide = compute == eb::ComputeType::k64F || compute == eb::ComputeType::k64FPedantic;
  const uint64_t size = half ? 2 : wide ? 8 : 4;
  const uint8_t* h = memory.Translate(p, size);
  if (h == nullptr) return false;
  if (half) {
    uint16_t v;
    std::memcpy(&v, h, 2);
    *out = vgpu::ptx::F16ToF32(v);
  } else if (wide) {
    std::memcpy(out, h, 8);
  } else {
    float f;
    std::memcpy(&f, h, 4);
    *out = f;
  }
  return true;
}

}  // namespace

Status EmuContext::BlasGemm(uint64_t /*handle*/, const backend::BlasGemm& g, Handle stream) {
  VGPU_RETURN_IF_ERROR(CheckStream(stream));
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
  double alpha = g.alpha, beta = g.beta;
  if (g.alpha_ptr != 0 && (!ReadGemmScalar(memory_, g.alpha_ptr, s.compute, &alpha) ||
                           !ReadGemmScalar(memory_, g.beta_ptr, s.compute, &beta))) {
    return Status(Code::kIllegalAddress, "gemm: a device-mode scalar is not device memory of this session");
  }
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
    if ((ea && !ha) || (eb_ && !hb) || (ec && !hc)) return NotDeviceMemory("a matrix", i);
    if (ec == 0) continue;
    VGPU_RETURN_IF_ERROR(eb::GemmCpu(s, alpha, ha, hb, beta, hc));
  }
  return Status();
}

Status EmuContext::BlasRun(uint64_t /*handle*/, const backend::BlasCall& call, Handle stream, std::string* host_result) {
  VGPU_RETURN_IF_ERROR(CheckStream(stream));
  const eb::Routine& r = call.routine;
  if (eb::CheckRoutine(r, nullptr) != eb::GemmCheck::kOk) return InvalidValue("BLAS: routine not checked");
  const size_t scalar = eb::ScalarSize(r), es = eb::ElementSize(r.type);
  eb::Operands o;
  auto scalar_of = [&](const backend::BlasScalar& s) -> const void* {
    return s.device != 0 ? memory_.Translate(s.device, scalar) : s.value;
  };
  o.alpha = scalar_of(call.alpha);
  o.beta = scalar_of(call.beta);
  if (o.alpha == nullptr || o.beta == nullptr) {
    return Status(Code::kIllegalAddress, "BLAS: a device-mode scalar is not device memory of this session");
  }
  const size_t result_size = eb::ResultSize(r);
  if (result_size != 0) {
    if (call.result != 0) {
      o.result = memory_.Translate(call.result, result_size);
      if (o.result == nullptr) return Status(Code::kIllegalAddress, "BLAS: the result is not device memory of this session");
    } else if (host_result != nullptr) {
      host_result->assign(result_size, '\0');
      o.result = host_result->data();
    } else {
      return InvalidValue("BLAS: no place for the result");
    }
  }
  const uint64_t ea = eb::ExtentA(r), eb_ = eb::ExtentB(r), ec = eb::ExtentC(r);
  const uint64_t ex = eb::ExtentX(r), ey = eb::ExtentY(r);
  if (eb::Level(r.op) < 3) {
    o.a = ea ? memory_.Translate(call.a, ea) : nullptr;
    o.x = ex ? memory_.Translate(call.x, ex) : nullptr;
    o.y = ey ? memory_.Translate(call.y, ey) : nullptr;
    if ((ea && !o.a) || (ex && !o.x) || (ey && !o.y)) return NotDeviceMemory("a vector or matrix", 0);
    return eb::Run(r, o);
  }
  const uint64_t* arrays[3] = {nullptr, nullptr, nullptr};
  if (call.pointer_arrays && call.batch > 0) {
    const uint64_t bytes = static_cast<uint64_t>(call.batch) * 8;
    const DevicePtr bases[3] = {call.a, call.b, call.c};
    const uint64_t extents[3] = {ea, eb_, ec};
    for (int i = 0; i < 3; ++i) {
      if (extents[i] == 0) continue;
      arrays[i] = reinterpret_cast<const uint64_t*>(memory_.Translate(bases[i], bytes));
      if (arrays[i] == nullptr) return InvalidValue("BLAS: a pointer array is not device memory");
    }
  }
  auto entry = [&](int which, DevicePtr base, int64_t stride, int64_t i) -> DevicePtr {
    if (!call.pointer_arrays) return base + static_cast<uint64_t>(i) * static_cast<uint64_t>(stride) * es;
    uint64_t p;
    std::memcpy(&p, arrays[which] + i, 8);
    return p;
  };
  for (int64_t i = 0; i < call.batch; ++i) {
    o.a = ea ? memory_.Translate(entry(0, call.a, call.stride_a, i), ea) : nullptr;
    o.b = eb_ ? memory_.Translate(entry(1, call.b, call.stride_b, i), eb_) : nullptr;
    o.c = ec ? memory_.Translate(entry(2, call.c, call.stride_c, i), ec) : nullptr;
    if ((ea && !o.a) || (eb_ && !o.b) || (ec && !o.c)) return NotDeviceMemory("a matrix", i);
    VGPU_RETURN_IF_ERROR(eb::Run(r, o));
  }
  return Status();
}

}  // namespace vgpu::backend::emu
