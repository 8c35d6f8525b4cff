// The only file that defines the table's thunks. Compiled once per library
// with VGPU_RT_ABI=12 or 13; rows of the other ABI expand to nothing. Each
// thunk carries its exported name as an asm label, so a 12.x row can reuse a
// 13.0 name with its old signature (cname differs from name there).
#include "libcudart/exports.h"

#include "libcudart/areas.h"

#ifndef VGPU_RT_ABI
#error "VGPU_RT_ABI must be 12 or 13"
#endif

#define VGPU_RT_THUNK_IMPL(area, ret, cname, name, params, args)                 \
  extern "C" VGPU_RT_EXPORT ret cname params __asm__(#name);                     \
  extern "C" ret cname params {                                                  \
    return ::vgpu::rt::Enter<ret>(#name, [&] { return ::vgpu::rt::area::cname args; }); \
  }
#define VGPU_RT_THUNK_TODO(area, ret, cname, name, params, args) \
  extern "C" VGPU_RT_EXPORT ret cname params __asm__(#name);     \
  extern "C" ret cname params { return ::vgpu::rt::NotSupported<ret>(#name); }
#define VGPU_RT_THUNK_HAND(area, ret, cname, name, params, args)

#define VGPU_RT_ROW_ALL(...) VGPU_RT_ROW(__VA_ARGS__)
#if VGPU_RT_ABI == 12
#define VGPU_RT_ROW_R12(...) VGPU_RT_ROW(__VA_ARGS__)
#define VGPU_RT_ROW_R13(...)
#else
#define VGPU_RT_ROW_R12(...)
#define VGPU_RT_ROW_R13(...) VGPU_RT_ROW(__VA_ARGS__)
#endif
#define VGPU_RT_ROW(area, status, ret, cname, name, params, args) \
  VGPU_RT_THUNK_##status(area, ret, cname, name, params, args)

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define VGPU_RT(area, status, abi, ret, cname, name, params, args) \
  VGPU_RT_ROW_##abi(area, status, ret, cname, name, params, args)
#include "libcudart/api.def"
#undef VGPU_RT
#pragma GCC diagnostic pop

namespace vgpu::rt {
int AbiVersion() { return VGPU_RT_ABI; }
int RuntimeVersion() { return VGPU_RT_ABI == 12 ? 12080 : 13000; }
}  // namespace vgpu::rt
