#include "server/backends/emu/ptx/lexer.h"

#include <cctype>
#include <string>

namespace vgpu::ptx {
namespace {

bool IsIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '%' || c == '.';
}
bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '.';
}

}  // namespace

Result<std::vector<Token>> Lex(std::string_view s) {
  std::vector<Token> out;
  out.reserve(s.size() / 4);
  uint32_t line = 1;
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    char c = s[i];
    if (c == '\n') {
      ++line;
      ++i;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '/') {
      while (i < n && s[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      i += 2;
      while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/')) {
        if (s[i] == '\n') ++line;
        ++i;
      }
      if (i + 1 >= n) return InvalidImage("line " + std::to_string(line) + ": unterminated comment");
      i += 2;
      continue;
    }
    size_t start = i;
    if (c == '"') {
      ++i;
      while (i < n && s[i] != '"' && s[i] != '\n') ++i;
      if (i >= n || s[i] != '"') return InvalidImage("line " + std::to_string(line) + ": unterminated string");
      ++i;
      out.push_back({Tok::kString, s.substr(start, i - start), line});
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      // 0f/0d hex floats, 0x hex ints, decimal ints and floats (1.5, 1e-3), optional U suffix.
      if (c == '0' && i + 1 < n && (s[i + 1] == 'f' || s[i + 1] == 'F' || s[i + 1] == 'd' || s[i + 1] == 'D')) {
        i += 2;
        while (i < n && std::isxdigit(static_cast<unsigned char>(s[i]))) ++i;
        out.push_back({Tok::kFloat, s.substr(start, i - start), line});
        continue;
      }
      if (c == '0' && i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        i += 2;
        while (i < n && std::isxdigit(static_cast<unsigned char>(s[i]))) ++i;
        if (i < n && s[i] == 'U') ++i;
        out.push_back({Tok::kInt, s.substr(start, i - start), line});
        continue;
      }
      bool is_float = false;
      while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      if (i < n && s[i] == '.' && i + 1 < n && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
        is_float = true;
        ++i;
        while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      }
      if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-')) ++j;
        if (j < n && std::isdigit(static_cast<unsigned char>(s[j]))) {
          is_float = true;
          i = j;
          while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        }
      }
      if (!is_float && i < n && s[i] == 'U') ++i;
      out.push_back({is_float ? Tok::kFloat : Tok::kInt, s.substr(start, i - start), line});
      continue;
    }
    if (IsIdentStart(c)) {
      ++i;
      // Cache hints such as .L1::evict_last keep their "::" inside the opcode.
      while (i < n && (IsIdentChar(s[i]) || (s[i] == ':' && i + 2 < n && s[i + 1] == ':' && IsIdentChar(s[i + 2])))) {
        i += s[i] == ':' ? 2 : 1;
      }
      out.push_back({Tok::kIdent, s.substr(start, i - start), line});
      continue;
    }
    switch (c) {
      case ',': case ';': case ':': case '{': case '}': case '[': case ']': case '(': case ')':
      case '+': case '-': case '@': case '!': case '<': case '>': case '=': case '|': case '*':
        out.push_back({Tok::kPunct, s.substr(start, 1), line});
        ++i;
        continue;
      default:
        return InvalidImage("line " + std::to_string(line) + ": unexpected character '" + std::string(1, c) + "'");
    }
  }
  out.push_back({Tok::kEnd, std::string_view(), line});
  return out;
}

}  // namespace vgpu::ptx
