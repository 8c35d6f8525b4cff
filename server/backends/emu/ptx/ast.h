// The parsed (not yet decoded) form of a PTX module. Names are views into the PTX text,
// so an AstModule must not outlive the text it was parsed from.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "server/backends/emu/ptx/types.h"

namespace vgpu::ptx {

struct AstOperand {
  enum class Kind : uint8_t { kName, kInt, kFloat, kAddress, kVector, kList };
  Kind kind = Kind::kName;
  bool negated = false;      // !%p
  std::string_view name;     // kName; kAddress base (empty for [imm]); '_' is a sink
  std::string_view pair;     // second destination: %r1|%p1
  int64_t value = 0;         // kInt literal; kAddress / kName offset
  double fvalue = 0;         // kFloat written in decimal
  uint64_t fbits = 0;        // kFloat written 0f/0d: raw bits
  uint8_t fbits_width = 0;   // 32 (0f), 64 (0d), 0 (decimal)
  std::vector<AstOperand> elems;  // kVector, kList
};

struct AstInstr {
  uint32_t line = 0;
  std::string_view guard;  // predicate register, empty when unguarded
  bool guard_negated = false;
  std::string_view opcode;  // full dotted opcode: "ld.global.v2.f32"
  std::vector<AstOperand> ops;
};

struct AstVar {
  uint32_t line = 0;
  std::string_view space;  // ".reg", ".global", ".const", ".shared", ".local", ".param"
  std::string_view name;
  Type type = Type::kNone;
  uint32_t vec = 1;          // .v2 / .v4
  uint32_t align = 0;        // 0: natural
  uint64_t elements = 1;     // product of array dims; 0 for an unsized extern array
  bool is_array = false;
  uint32_t range = 0;        // %r<N>: N registers named %r0..%r{N-1}
  bool external = false;     // .extern
  std::vector<uint8_t> init; // initializer bytes (empty: none)

  uint64_t Bytes() const { return uint64_t{TypeBytes(type)} * vec * elements; }
  uint32_t Align() const { return align ? align : TypeBytes(type) * vec; }
};

struct AstStmt {
  enum class Kind : uint8_t { kInstr, kLabel, kDecl, kOpen, kClose };
  Kind kind;
  uint32_t index;  // into AstFunction::instrs / labels / decls
};

struct AstFunction {
  uint32_t line = 0;
  std::string_view name;
  bool is_entry = false;
  bool has_body = false;
  std::vector<AstVar> params;
  std::vector<AstVar> rets;
  uint32_t maxntid = 0;  // product of .maxntid / .reqntid dims, 0 when absent
  std::vector<AstStmt> body;
  std::vector<AstInstr> instrs;
  std::vector<std::string_view> labels;
  std::vector<AstVar> decls;
};

struct AstModule {
  uint32_t version = 0;  // 90 for 9.0
  uint32_t target_sm = 0;
  uint32_t address_size = 64;
  std::vector<AstVar> vars;  // module-scope .global / .const / .shared
  std::vector<AstFunction> funcs;
};

}  // namespace vgpu::ptx
