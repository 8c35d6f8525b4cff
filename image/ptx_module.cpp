#include "image/ptx_module.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "image/ptx.h"

namespace vgpu::image {
namespace {

constexpr uint32_t kDefaultMaxThreads = 1024;
// Bounds that keep hostile sizes from overflowing or allocating without limit.
constexpr uint64_t kMaxVariableBytes = 1ull << 34;
constexpr uint64_t kMaxInitBytes = 1ull << 28;

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '%' || c == '.';
}

// Splits PTX into directive/identifier/number words, strings and single
// punctuation characters, dropping comments.
std::vector<std::string_view> Tokenize(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (s.compare(i, 2, "//") == 0) {
      size_t e = s.find('\n', i);
      i = e == std::string_view::npos ? s.size() : e;
    } else if (s.compare(i, 2, "/*") == 0) {
      size_t e = s.find("*/", i + 2);
      i = e == std::string_view::npos ? s.size() : e + 2;
    } else if (c == '"') {
      size_t e = s.find('"', i + 1);
      e = e == std::string_view::npos ? s.size() : e + 1;
      out.push_back(s.substr(i, e - i));
      i = e;
    } else if (IsWordChar(c)) {
      size_t e = i;
      while (e < s.size() && IsWordChar(s[e])) ++e;
      out.push_back(s.substr(i, e - i));
      i = e;
    } else {
      out.push_back(s.substr(i, 1));
      ++i;
    }
  }
  return out;
}

// Bytes of a PTX fundamental type, 0 when the word is not one.
uint32_t TypeSize(std::string_view t) {
  static constexpr std::pair<std::string_view, uint32_t> kTypes[] = {
      {".b8", 1},      {".u8", 1},        {".s8", 1},       {".pred", 1},     {".b16", 2},     {".u16", 2},
      {".s16", 2},     {".f16", 2},       {".bf16", 2},     {".e4m3x2", 2},   {".e5m2x2", 2},  {".b32", 4},
      {".u32", 4},     {".s32", 4},       {".f32", 4},      {".f16x2", 4},    {".bf16x2", 4},  {".tf32", 4},
      {".b64", 8},     {".u64", 8},       {".s64", 8},      {".f64", 8},      {".b128", 16},   {".texref", 8},
      {".samplerref", 8}, {".surfref", 8}};
  for (const auto& [name, size] : kTypes) {
    if (t == name) return size;
  }
  return 0;
}

bool IsFloatType(std::string_view t) { return t == ".f32" || t == ".f64"; }

class Parser {
 public:
  explicit Parser(std::vector<std::string_view> tokens) : t_(std::move(tokens)) {}

  Status Run(CubinInfo* info) {
    bool external = false;
    while (!AtEnd()) {
      std::string_view tok = Next();
      if (tok == ".extern") {
        external = true;
      } else if (tok == ".entry") {
        VGPU_RETURN_IF_ERROR(ParseEntry(info));
        external = false;
      } else if (tok == ".global" || tok == ".const") {
        CubinGlobal g;
        VGPU_RETURN_IF_ERROR(ParseVariable(tok == ".const", &g));
        if (!external) info->globals.push_back(std::move(g));
        external = false;
      } else if (tok == "(") {
        VGPU_RETURN_IF_ERROR(Skip("(", ")"));  // .func return/parameter lists
      } else if (tok == "{") {
        VGPU_RETURN_IF_ERROR(Skip("{", "}"));  // .func bodies, .section blocks
        external = false;
      } else if (tok == ";") {
        external = false;
      }
    }
    return Status::Ok();
  }

 private:
  bool AtEnd() const { return pos_ >= t_.size(); }
  std::string_view Peek() const { return AtEnd() ? std::string_view() : t_[pos_]; }
  std::string_view Next() { return AtEnd() ? std::string_view() : t_[pos_++]; }
  bool Accept(std::string_view tok) {
    if (Peek() != tok) return false;
    ++pos_;
    return true;
  }
  Status Expect(std::string_view tok, std::string_view what) {
    if (Accept(tok)) return Status::Ok();
    return InvalidImage("PTX: expected '" + std::string(tok) + "' in " + std::string(what) + ", got '" +
                        std::string(Peek()) + "'");
  }

  // Called after `open`: advances past the matching `close`.
  Status Skip(std::string_view open, std::string_view close) {
    size_t depth = 1;
    while (!AtEnd()) {
      std::string_view tok = Next();
      if (tok == open) ++depth;
      if (tok == close && --depth == 0) return Status::Ok();
    }
    return InvalidImage("PTX: unbalanced '" + std::string(open) + "'");
  }

  Result<uint64_t> Number(std::string_view what) {
    std::string_view tok = Next();
    uint64_t v = 0;
    if (tok.empty() || tok.size() > 19) return InvalidImage("PTX: bad number in " + std::string(what));
    for (char c : tok) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return InvalidImage("PTX: bad number in " + std::string(what));
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    return v;
  }

  // [.align N] [.v2|.v4|.v8] .type, with `.ptr` and what follows it ignored.
  struct Declarator {
    uint64_t align = 0;
    bool managed = false;  // .attribute(.managed)
    uint32_t scalar = 0;   // bytes of one lane
    uint32_t element = 0;  // bytes of one element (all lanes)
    std::string_view type;
  };
  Result<Declarator> ParseDeclarator(std::string_view what) {
    Declarator d;
    uint32_t lanes = 1;
    while (!AtEnd()) {
      std::string_view tok = Peek();
      if (tok == ".align") {
        ++pos_;
        VGPU_ASSIGN_OR_RETURN(uint64_t a, Number(what));
        if (a == 0 || a > 4096 || (a & (a - 1)) != 0) return InvalidImage("PTX: bad .align in " + std::string(what));
        if (d.element == 0) d.align = a;  // after the type it is a .ptr pointee alignment
      } else if (tok == ".v2" || tok == ".v4" || tok == ".v8") {
        ++pos_;
        lanes = static_cast<uint32_t>(tok[2] - '0');
      } else if (uint32_t size = TypeSize(tok); size != 0 && d.element == 0) {
        ++pos_;
        d.scalar = size;
        d.element = size * lanes;
        d.type = tok;
      } else if (tok == ".attribute") {
        ++pos_;
        VGPU_RETURN_IF_ERROR(Expect("(", what));
        while (!AtEnd() && Peek() != ")") d.managed |= Next() == ".managed";
        VGPU_RETURN_IF_ERROR(Expect(")", what));
      } else if (!tok.empty() && tok[0] == '.') {
        ++pos_;  // .ptr, state spaces, other attributes
      } else {
        break;
      }
    }
    if (d.element == 0) return InvalidImage("PTX: no type in " + std::string(what));
    if (d.align == 0) d.align = d.element;
    return d;
  }

  // name [N][M]... ; returns the element count (0 for an unsized `[]`).
  Result<uint64_t> ParseDims(std::string_view what, bool* unsized) {
    uint64_t count = 1;
    *unsized = false;
    while (Accept("[")) {
      if (Accept("]")) {
        *unsized = true;
        continue;
      }
      VGPU_ASSIGN_OR_RETURN(uint64_t n, Number(what));
      VGPU_RETURN_IF_ERROR(Expect("]", what));
      if (n != 0 && count > kMaxVariableBytes / n) return InvalidImage("PTX: array too large in " + std::string(what));
      count *= n;
    }
    return count;
  }

  Status ParseEntry(CubinInfo* info) {
    std::string_view name = Next();
    if (name.empty() || name[0] == '.' || name == "(") return InvalidImage("PTX: .entry without a name");
    CubinKernel k{std::string(name), {}, 0, 0, 0, kDefaultMaxThreads};
    const std::string what = ".entry " + k.name;
    uint64_t offset = 0;
    if (Accept("(")) {
      while (!Accept(")")) {
        if (AtEnd()) return InvalidImage("PTX: unterminated parameter list of " + k.name);
        VGPU_RETURN_IF_ERROR(Expect(".param", what));
        VGPU_ASSIGN_OR_RETURN(Declarator d, ParseDeclarator(what));
        Next();  // parameter name
        bool unsized = false;
        VGPU_ASSIGN_OR_RETURN(uint64_t count, ParseDims(what, &unsized));
        if (unsized) return InvalidImage("PTX: unsized parameter in " + what);
        offset = (offset + d.align - 1) / d.align * d.align;
        uint64_t size = count * d.element;
        if (offset + size > UINT32_MAX) return InvalidImage("PTX: parameters too large in " + what);
        k.params.push_back(ParamSlot{static_cast<uint32_t>(offset), static_cast<uint32_t>(size)});
        offset += size;
        if (!Accept(",") && Peek() != ")") return InvalidImage("PTX: malformed parameter list of " + k.name);
      }
    }
    k.param_bytes = static_cast<uint32_t>(offset);
    // Performance directives up to the body.
    uint32_t max_threads = 0, req_threads = 0;
    while (!AtEnd() && Peek() != "{" && Peek() != ";") {
      std::string_view tok = Next();
      if (tok == ".pragma") {
        while (!AtEnd() && Next() != ";") {
        }
      } else if (tok == ".maxntid" || tok == ".reqntid") {
        uint64_t product = 1;
        do {
          VGPU_ASSIGN_OR_RETURN(uint64_t n, Number(what));
          product = std::min<uint64_t>(product * std::min<uint64_t>(n, UINT32_MAX), UINT32_MAX);
        } while (Accept(","));
        (tok == ".maxntid" ? max_threads : req_threads) = static_cast<uint32_t>(product);
      }
    }
    k.max_threads = req_threads ? req_threads : max_threads ? max_threads : kDefaultMaxThreads;
    if (Accept(";")) return Status::Ok();  // a declaration without a body
    VGPU_RETURN_IF_ERROR(Expect("{", what));
    VGPU_ASSIGN_OR_RETURN(k.static_shared_bytes, ParseBodyShared(what));
    info->kernels.push_back(std::move(k));
    return Status::Ok();
  }

  // Walks an entry body to its closing brace, adding up its .shared declarations.
  Result<uint32_t> ParseBodyShared(const std::string& what) {
    size_t depth = 1;
    uint64_t shared = 0;
    bool external = false, statement_start = true;
    while (!AtEnd()) {
      std::string_view tok = Next();
      if (tok == "{") ++depth;
      if (tok == "}" && --depth == 0) {
        if (shared > UINT32_MAX) return InvalidImage("PTX: shared memory too large in " + what);
        return static_cast<uint32_t>(shared);
      }
      if (tok == ".extern" && statement_start) {
        external = true;
        continue;
      }
      if (tok == ".shared" && statement_start) {
        VGPU_ASSIGN_OR_RETURN(Declarator d, ParseDeclarator(what));
        Next();  // name
        bool unsized = false;
        VGPU_ASSIGN_OR_RETURN(uint64_t count, ParseDims(what, &unsized));
        if (!external && !unsized) {
          shared = (shared + d.align - 1) / d.align * d.align + count * d.element;
          if (shared > kMaxVariableBytes) return InvalidImage("PTX: shared memory too large in " + what);
        }
      }
      statement_start = tok == ";" || tok == "{" || tok == "}" || tok == ":";
      if (statement_start) external = false;
    }
    return InvalidImage("PTX: unterminated body of " + what);
  }

  Status ParseVariable(bool constant, CubinGlobal* g) {
    const std::string what = constant ? ".const variable" : ".global variable";
    VGPU_ASSIGN_OR_RETURN(Declarator d, ParseDeclarator(what));
    std::string_view name = Next();
    if (name.empty() || name[0] == '.' || !IsWordChar(name[0])) return InvalidImage("PTX: unnamed " + what);
    g->name = std::string(name);
    g->constant = constant;
    g->managed = d.managed;
    bool unsized = false;
    VGPU_ASSIGN_OR_RETURN(uint64_t count, ParseDims(what, &unsized));
    if (count > kMaxVariableBytes / d.element) return InvalidImage("PTX: " + g->name + " is too large");
    g->size = count * d.element;
    if (Accept("=")) {
      // Vector variables list their lanes one by one, so literals are lane-sized.
      std::vector<std::string> values;
      VGPU_RETURN_IF_ERROR(ParseInitializer(g->name, &values));
      const uint64_t bytes = values.size() * uint64_t{d.scalar};
      if (unsized) g->size = (bytes + d.element - 1) / d.element * d.element;
      if (bytes > g->size) return InvalidImage("PTX: too many initializers for " + g->name);
      if (g->size > kMaxInitBytes) return NotSupported("PTX: initializer of " + g->name + " is too large");
      g->init.assign(g->size, '\0');
      for (size_t i = 0; i < values.size(); ++i) {
        VGPU_RETURN_IF_ERROR(Encode(values[i], d, g->name, &g->init[i * d.scalar]));
      }
    } else if (unsized) {
      return InvalidImage("PTX: unsized " + g->name + " without an initializer");
    }
    return Expect(";", what);
  }

  // A value or a brace list of values (nested braces flattened), each literal
  // with its sign.
  Status ParseInitializer(const std::string& name, std::vector<std::string>* values) {
    size_t depth = 0;
    do {
      while (Accept("{")) ++depth;
      bool negative = Accept("-");
      std::string_view tok = Next();
      if (tok.empty() || !std::isdigit(static_cast<unsigned char>(tok[0]))) {
        return NotSupported("PTX: initializer of " + name + " is not a literal list ('" + std::string(tok) + "')");
      }
      values->push_back((negative ? "-" : "") + std::string(tok));
      if (values->size() > kMaxInitBytes) return NotSupported("PTX: initializer of " + name + " is too large");
      while (depth > 0 && Accept("}")) --depth;
    } while (Accept(","));
    if (depth != 0) return InvalidImage("PTX: unbalanced initializer of " + name);
    return Status::Ok();
  }

  // Writes one literal as d.scalar little-endian bytes.
  static Status Encode(std::string_view lit, const Declarator& d, const std::string& name, char* out) {
    const bool negative = !lit.empty() && lit[0] == '-';
    std::string text(negative ? lit.substr(1) : lit);
    uint64_t bits = 0;
    char* end = nullptr;
    const bool hex_float = text.size() > 2 && text[0] == '0' && (text[1] == 'f' || text[1] == 'F' ||
                                                                text[1] == 'd' || text[1] == 'D');
    if (hex_float) {
      bits = std::strtoull(text.c_str() + 2, &end, 16);
    } else if (IsFloatType(d.type) || text.find_first_of(".eE") != std::string::npos) {
      if (text.find_first_of("xX") != std::string::npos || (d.scalar != 4 && d.scalar != 8)) {
        return NotSupported("PTX: literal " + text + " in " + name);
      }
      double v = std::strtod(text.c_str(), &end);
      if (negative) v = -v;
      if (d.scalar == 4) {
        float f = static_cast<float>(v);
        uint32_t b;
        std::memcpy(&b, &f, 4);
        bits = b;
      } else {
        std::memcpy(&bits, &v, 8);
      }
    } else {
      bits = std::strtoull(text.c_str(), &end, 0);
      if (negative) bits = ~bits + 1;
    }
    if (end == nullptr || *end != '\0') {
      // PTX allows a trailing U on integers.
      if (end == nullptr || !(end[0] == 'U' && end[1] == '\0')) {
        return InvalidImage("PTX: bad literal '" + text + "' in the initializer of " + name);
      }
    }
    std::memcpy(out, &bits, std::min<uint32_t>(d.scalar, 8));
    return Status::Ok();
  }

  std::vector<std::string_view> t_;
  size_t pos_ = 0;
};

}  // namespace

Result<CubinInfo> ParsePtx(std::string_view ptx) {
  ptx = ptx.substr(0, std::min(ptx.size(), ptx.find('\0')));
  CubinInfo info;
  VGPU_ASSIGN_OR_RETURN(info.sm, PtxTargetSm(ptx));
  Parser parser(Tokenize(ptx));
  VGPU_RETURN_IF_ERROR(parser.Run(&info));
  return info;
}

}  // namespace vgpu::image
