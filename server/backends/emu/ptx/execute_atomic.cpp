// Atomics (atom, red) on global and shared memory.
#include "server/backends/emu/ptx/runner.h"

#include <algorithm>
#include <atomic>
#include <cmath>

namespace vgpu::ptx {

namespace {

template <typename T>
T AtomicApply(AtomOp op, T old, T b, T c, bool* store) {
  *store = true;
  switch (op) {
    case AtomOp::kAdd:
      if constexpr (std::is_integral_v<T>) {
        using U = std::make_unsigned_t<T>;
        return static_cast<T>(static_cast<U>(old) + static_cast<U>(b));
      }
      return old + b;
    case AtomOp::kMin: return std::min(old, b);
    case AtomOp::kMax: return std::max(old, b);
    case AtomOp::kExch: return b;
    case AtomOp::kCas:
      *store = old == b;
      return c;
    case AtomOp::kAnd:
      if constexpr (std::is_integral_v<T>) return old & b;
      return old;
    case AtomOp::kOr:
      if constexpr (std::is_integral_v<T>) return old | b;
      return old;
    case AtomOp::kXor:
      if constexpr (std::is_integral_v<T>) return old ^ b;
      return old;
    case AtomOp::kInc: return old >= b ? T(0) : T(old + 1);
    case AtomOp::kDec: return (old == 0 || old > b) ? b : T(old - 1);
  }
  return old;
}

template <typename T, typename U>
U AtomicRmw(uint8_t* p, AtomOp op, U bv, U cv) {
  static_assert(sizeof(T) == sizeof(U));
  std::atomic_ref<U> ref(*reinterpret_cast<U*>(p));
  if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) {
    if (op == AtomOp::kAdd) return ref.fetch_add(bv);
    if (op == AtomOp::kAnd) return ref.fetch_and(bv);
    if (op == AtomOp::kOr) return ref.fetch_or(bv);
    if (op == AtomOp::kXor) return ref.fetch_xor(bv);
    if (op == AtomOp::kExch) return ref.exchange(bv);
  }
  U old = ref.load(std::memory_order_relaxed);
  while (true) {
    bool store;
    T r = AtomicApply<T>(op, As<T>(old), As<T>(bv), As<T>(cv), &store);
    if (!store) return old;
    U nv = static_cast<U>(Bits<T>(r));
    if (ref.compare_exchange_weak(old, nv)) return old;
  }
}

}  // namespace

Status BlockRunner::Atomic(const Instr& in, uint64_t* R, uint32_t exec, Warp& w) {
  const Mem mem = static_cast<Mem>(in.mod2);
  const AtomOp op = static_cast<AtomOp>(in.mod);
  const uint32_t size = TypeBytes(in.type);
  if (size == 2 || in.type == Type::kF16x2 || in.type == Type::kBF16x2) return AtomicHalf(in, R, exec, w);
  if (size != 4 && size != 8) return Unsupported(in, "atomic size");
  if (IsFloat(in.type) && op != AtomOp::kAdd && op != AtomOp::kExch && op != AtomOp::kMin && op != AtomOp::kMax)
    return Unsupported(in, "float atomic");
  const uint64_t* a = in.a != kNoReg ? R + size_t{in.a} * 32 : nullptr;
  const uint64_t* b = R + size_t{in.b} * 32;
  const uint64_t* c = in.c != kNoReg ? R + size_t{in.c} * 32 : b;
  uint64_t* d = in.d != kNoReg ? R + size_t{in.d} * 32 : nullptr;
  Status st;
  ForLanes(exec, [&](int l) {
    if (!st.ok()) return;
    uint64_t addr = (a ? a[l] : 0) + static_cast<uint64_t>(in.imm);
    uint8_t* p = Resolve(in, mem, addr, size, l, w, /*write=*/true);
    if (!p) {
      st = err_;
      return;
    }
    if (reinterpret_cast<uintptr_t>(p) % size != 0) {
      st = Illegal(in, addr, size, "misaligned atomic");
      return;
    }
    uint64_t old = 0;
    if (size == 4) {
      uint32_t bv = static_cast<uint32_t>(b[l]), cv = static_cast<uint32_t>(c[l]);
      switch (in.type) {
        case Type::kS32: old = AtomicRmw<int32_t, uint32_t>(p, op, bv, cv); break;
        case Type::kF32: old = AtomicRmw<float, uint32_t>(p, op, bv, cv); break;
        default: old = AtomicRmw<uint32_t, uint32_t>(p, op, bv, cv); break;
      }
    } else {
      uint64_t bv = b[l], cv = c[l];
      switch (in.type) {
        case Type::kS64: old = AtomicRmw<int64_t, uint64_t>(p, op, bv, cv); break;
        case Type::kF64: old = AtomicRmw<double, uint64_t>(p, op, bv, cv); break;
        default: old = AtomicRmw<uint64_t, uint64_t>(p, op, bv, cv); break;
      }
    }
    if (d) d[l] = old;
  });
  return st;
}

// 16-bit atomics (and packed f16x2/bf16x2 add): a compare-and-swap loop on the aligned
// 32-bit word that holds the value.
Status BlockRunner::AtomicHalf(const Instr& in, uint64_t* R, uint32_t exec, Warp& w) {
  const Mem mem = static_cast<Mem>(in.mod2);
  const AtomOp op = static_cast<AtomOp>(in.mod);
  const bool packed = in.type == Type::kF16x2 || in.type == Type::kBF16x2;
  const bool bf = in.type == Type::kBF16 || in.type == Type::kBF16x2;
  const bool is_float = IsFloat(in.type);
  if (is_float && op != AtomOp::kAdd && op != AtomOp::kMin && op != AtomOp::kMax && op != AtomOp::kExch)
    return Unsupported(in, "16-bit float atomic");
  const uint64_t* a = in.a != kNoReg ? R + size_t{in.a} * 32 : nullptr;
  const uint64_t* b = R + size_t{in.b} * 32;
  const uint64_t* c = in.c != kNoReg ? R + size_t{in.c} * 32 : b;
  uint64_t* d = in.d != kNoReg ? R + size_t{in.d} * 32 : nullptr;
  auto apply16 = [&](uint16_t old, uint16_t bv, uint16_t cv, bool* store) -> uint16_t {
    *store = true;
    if (is_float) {
      double x = HalfToDouble(old, bf), y = HalfToDouble(bv, bf);
      switch (op) {
        case AtomOp::kAdd: return DoubleToHalf(x + y, bf, kRn);
        case AtomOp::kMin: return std::isnan(y) || x <= y ? old : bv;
        case AtomOp::kMax: return std::isnan(y) || x >= y ? old : bv;
        default: return bv;
      }
    }
    return AtomicApply<uint16_t>(op, old, bv, cv, store);
  };
  Status st;
  ForLanes(exec, [&](int l) {
    if (!st.ok()) return;
    uint64_t addr = (a ? a[l] : 0) + static_cast<uint64_t>(in.imm);
    uint32_t size = packed ? 4 : 2;
    if (addr % size != 0) {
      st = Illegal(in, addr, size, "misaligned atomic");
      return;
    }
    uint8_t* p = Resolve(in, mem, addr & ~uint64_t{3}, 4, l, w, /*write=*/true);
    if (!p) {
      st = err_;
      return;
    }
    std::atomic_ref<uint32_t> ref(*reinterpret_cast<uint32_t*>(p));
    int shift = packed ? 0 : int(addr & 2) * 8;
    uint32_t old = ref.load(std::memory_order_relaxed);
    while (true) {
      uint32_t nv = old;
      bool store = true;
      if (packed) {
        nv = 0;
        for (int h = 0; h < 2; ++h) {
          bool s;
          nv |= uint32_t{apply16(uint16_t(old >> (16 * h)), uint16_t(b[l] >> (16 * h)), 0, &s)} << (16 * h);
        }
      } else {
        uint16_t r = apply16(uint16_t(old >> shift), uint16_t(b[l]), uint16_t(c[l]), &store);
        nv = (old & ~(0xFFFFu << shift)) | (uint32_t{r} << shift);
      }
      if (!store || ref.compare_exchange_weak(old, nv)) break;
    }
    if (d) d[l] = packed ? old : (old >> shift) & 0xFFFF;
  });
  return st;
}


}  // namespace vgpu::ptx
