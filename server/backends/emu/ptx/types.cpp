#include "server/backends/emu/ptx/types.h"

namespace vgpu::ptx {
namespace {

struct Entry {
  std::string_view name;
  Type type;
};
constexpr Entry kTypes[] = {
    {".b8", Type::kB8},     {".b16", Type::kB16},       {".b32", Type::kB32},   {".b64", Type::kB64},
    {".b128", Type::kB128}, {".u8", Type::kU8},         {".u16", Type::kU16},   {".u32", Type::kU32},
    {".u64", Type::kU64},   {".s8", Type::kS8},         {".s16", Type::kS16},   {".s32", Type::kS32},
    {".s64", Type::kS64},   {".f16", Type::kF16},       {".f16x2", Type::kF16x2}, {".bf16", Type::kBF16},
    {".bf16x2", Type::kBF16x2}, {".f32", Type::kF32},   {".f64", Type::kF64},   {".pred", Type::kPred},
};

}  // namespace

Type ParseType(std::string_view name) {
  for (const Entry& e : kTypes)
    if (e.name == name) return e.type;
  return Type::kNone;
}

std::string_view TypeName(Type t) {
  for (const Entry& e : kTypes)
    if (e.type == t) return e.name;
  return "";
}

}  // namespace vgpu::ptx
