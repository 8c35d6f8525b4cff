// Splits PTX text into tokens. Comments are dropped; each token keeps its line number.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vgpu::ptx {

enum class Tok : uint8_t {
  kIdent,   // names, directives (.reg), opcodes with modifiers (ld.global.f32), %registers
  kInt,     // 12, 0x1F, -3 is kPunct('-') + kInt
  kFloat,   // 0f3F800000, 0d3FF0000000000000, 1.5
  kString,  // "..."
  kPunct,   // one of , ; : { } [ ] ( ) + - @ ! < > = |
  kEnd,
};

struct Token {
  Tok kind;
  std::string_view text;
  uint32_t line;
};

Result<std::vector<Token>> Lex(std::string_view text);

}  // namespace vgpu::ptx
