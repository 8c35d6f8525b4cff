// Loads, stores, cp.async and ldmatrix.
#include "server/backends/emu/ptx/runner.h"
#include "server/backends/emu/ptx/wmma.h"

#include <algorithm>
#include <cstring>

#include "server/backends/emu/ptx/mma.h"

namespace vgpu::ptx {

namespace {

// Global memory is shared with blocks on other threads, as on a GPU where plain loads and
// stores may race with atomics: aligned accesses are relaxed atomics (plain moves on x86).
template <typename U>
inline U RelaxedLoad(const uint8_t* p) {
  if (reinterpret_cast<uintptr_t>(p) % sizeof(U) == 0) return __atomic_load_n(reinterpret_cast<const U*>(p), __ATOMIC_RELAXED);
  U v;
  std::memcpy(&v, p, sizeof(U));
  return v;
}
template <typename U>
inline void RelaxedStore(uint8_t* p, U v) {
  if (reinterpret_cast<uintptr_t>(p) % sizeof(U) == 0) {
    __atomic_store_n(reinterpret_cast<U*>(p), v, __ATOMIC_RELAXED);
  } else {
    std::memcpy(p, &v, sizeof(U));
  }
}

inline uint64_t LoadValue(const uint8_t* p, Type t) {
  switch (t) {
    case Type::kS8: return static_cast<uint64_t>(int64_t{static_cast<int8_t>(RelaxedLoad<uint8_t>(p))});
    case Type::kU8: case Type::kB8: case Type::kPred: return RelaxedLoad<uint8_t>(p);
    case Type::kS16: return static_cast<uint64_t>(int64_t{static_cast<int16_t>(RelaxedLoad<uint16_t>(p))});
    case Type::kU16: case Type::kB16: case Type::kF16: case Type::kBF16: return RelaxedLoad<uint16_t>(p);
    case Type::kS32: return static_cast<uint64_t>(int64_t{static_cast<int32_t>(RelaxedLoad<uint32_t>(p))});
    case Type::kU32: case Type::kB32: case Type::kF32: case Type::kF16x2: case Type::kBF16x2:
      return RelaxedLoad<uint32_t>(p);
    default: return RelaxedLoad<uint64_t>(p);
  }
}
inline void StoreValue(uint8_t* p, Type t, uint64_t v) {
  switch (TypeBytes(t)) {
    case 1: RelaxedStore<uint8_t>(p, static_cast<uint8_t>(v)); break;
    case 2: RelaxedStore<uint16_t>(p, static_cast<uint16_t>(v)); break;
    case 4: RelaxedStore<uint32_t>(p, static_cast<uint32_t>(v)); break;
    default: RelaxedStore<uint64_t>(p, v); break;
  }
}

}  // namespace

Status BlockRunner::ExecMemory(Warp& w, const Instr& in, const Operands& o) {
  Status result;
  [[maybe_unused]] uint64_t* R = o.R;
  [[maybe_unused]] uint64_t* d = o.d;
  [[maybe_unused]] const uint64_t* a = o.a;
  [[maybe_unused]] const uint64_t* b = o.b;
  [[maybe_unused]] const uint64_t* c = o.c;
  [[maybe_unused]] const uint32_t exec = o.exec;
  switch (in.op) {
    case Op::kLd: {
      Mem m = static_cast<Mem>(in.mod2);
      uint32_t size = TypeBytes(in.type);
      uint32_t total = size * in.vec;
      int64_t imm = in.imm;
      for (int l = 0; l < 32 && exec; ++l) {
        if (!((exec >> l) & 1)) continue;
        uint64_t addr = (a ? a[l] : 0) + static_cast<uint64_t>(imm);
        uint8_t* p = Resolve(in, m, addr, total, l, w);
        if (!p) {
          result = err_;
          break;
        }
        for (int i = 0; i < in.vec; ++i) R[size_t{in.v[i]} * 32 + l] = LoadValue(p + i * size, in.type);
      }
      break;
    }
    case Op::kSt: {
      Mem m = static_cast<Mem>(in.mod2);
      uint32_t size = TypeBytes(in.type);
      uint32_t total = size * in.vec;
      for (int l = 0; l < 32 && exec; ++l) {
        if (!((exec >> l) & 1)) continue;
        uint64_t addr = (a ? a[l] : 0) + static_cast<uint64_t>(in.imm);
        uint8_t* p = Resolve(in, m, addr, total, l, w, /*write=*/true);
        if (!p) {
          result = err_;
          break;
        }
        for (int i = 0; i < in.vec; ++i) StoreValue(p + i * size, in.type, R[size_t{in.v[i]} * 32 + l]);
      }
      break;
    }
    case Op::kCpAsync: {
      const uint32_t size = in.vec;
      const uint64_t* src_size = c;
      bool ok = true;
      ForLanes(exec, [&](int l) {
        if (!ok) return;
        uint64_t dst_addr = (a ? a[l] : 0) + static_cast<uint64_t>(in.imm);
        uint64_t src_addr = (b ? b[l] : 0) + static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(in.v[0])));
        uint32_t n = src_size ? std::min<uint32_t>(size, uint32_t(src_size[l])) : size;
        uint8_t* dst = Resolve(in, Mem::kShared, dst_addr, size, l, w, true);
        const uint8_t* src = n ? Resolve(in, Mem::kGlobal, src_addr, n, l, w, false) : nullptr;
        if (!dst || (n && !src)) {
          result = err_;
          ok = false;
          return;
        }
        if (n) std::memcpy(dst, src, n);
        std::memset(dst + n, 0, size - n);
      });
      break;
    }
    case Op::kLdmatrix: {
      if (!exec) break;
      const uint32_t count = in.vec;
      uint8_t rows[32][16];
      bool ok = true;
      for (uint32_t r = 0; r < count * 8 && ok; ++r) {
        uint64_t addr = a[r] + static_cast<uint64_t>(in.imm);
        const uint8_t* p = Resolve(in, static_cast<Mem>(in.mod2), addr, 16, int(r), w, false);
        if (!p) {
          result = err_;
          ok = false;
        } else {
          std::memcpy(rows[r], p, 16);
        }
      }
      if (!ok) break;
      uint32_t out[4][32];
      Ldmatrix(rows, count, (in.flags & kWide) != 0, out);
      for (uint32_t m = 0; m < count; ++m) {
        uint64_t* dm = R + size_t{in.v[m]} * 32;
        ForLanes(exec, [&](int l) { dm[l] = out[m][l]; });
      }
      break;
    }
    case Op::kWmmaLoad:
    case Op::kWmmaStore:
      if (exec) result = WmmaMemory(w, in, o);
      break;
    default:
      break;
  }
  return result;
}

Status BlockRunner::WmmaMemory(Warp& w, const Instr& in, const Operands& o) {
  static constexpr WmmaShape kShapes[] = {{16, 16, 16}, {32, 8, 16}, {8, 32, 16}};
  const WmmaShape& shape = kShapes[in.v[1]];
  const WmmaMatrix matrix = static_cast<WmmaMatrix>(in.mod & 3);
  const bool row_major = in.mod & 0x10, load = in.op == Op::kWmmaLoad;
  const uint32_t bytes = TypeBytes(in.type), per = 4 / bytes;
  const uint32_t nregs = WmmaRegisters(matrix, in.type), slots = nregs * per;
  const uint32_t* list = ls_->data->operand_lists.data() + in.v[0];
  const Mem mem = static_cast<Mem>(in.mod2);
  bool ok = true;
  ForLanes(o.exec, [&](int l) {
    if (!ok) return;
    uint64_t base = (o.a ? o.a[l] : 0) + static_cast<uint64_t>(in.imm);
    uint64_t stride = o.b ? uint32_t(o.b[l]) : WmmaDefaultStride(shape, matrix, row_major);
    for (uint32_t s = 0; s < slots && ok; ++s) {
      uint32_t row = 0, col = 0;
      WmmaElement(shape, matrix, uint32_t(l), s, &row, &col);
      uint64_t addr = base + WmmaOffset(row_major, row, col, stride) * bytes;
      uint8_t* p = Resolve(in, mem, addr, bytes, l, w, !load);
      if (!p) {
        ok = false;
        return;
      }
      uint64_t& reg = o.R[size_t{list[s / per]} * 32 + l];
      const uint32_t shift = 8 * bytes * (s % per);
      const uint64_t field = ((uint64_t{1} << (8 * bytes)) - 1) << shift;
      uint32_t value = 0;
      if (load) {
        std::memcpy(&value, p, bytes);
        reg = (s % per == 0 ? 0 : reg & ~field) | (uint64_t{value} << shift);
      } else {
        value = static_cast<uint32_t>((reg & field) >> shift);
        std::memcpy(p, &value, bytes);
      }
    }
  });
  return ok ? Status::Ok() : err_;
}

}  // namespace vgpu::ptx
