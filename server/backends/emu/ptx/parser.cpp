#include "server/backends/emu/ptx/parser.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <string>

#include "server/backends/emu/ptx/lexer.h"

namespace vgpu::ptx {
namespace {

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

  Result<AstModule> Run() {
    AstModule m;
    bool external = false;
    while (Peek().kind != Tok::kEnd) {
      const Token& tok = Peek();
      if (tok.kind != Tok::kIdent) return Err("unexpected '" + std::string(tok.text) + "' at module scope");
      std::string_view d = tok.text;
      if (d == ".version") {
        Next();
        const Token& v = Next();
        uint32_t major = 0, minor = 0;
        if (std::sscanf(std::string(v.text).c_str(), "%u.%u", &major, &minor) < 1) return Err("bad .version");
        m.version = major * 10 + minor;
      } else if (d == ".target") {
        Next();
        while (true) {
          const Token& v = Next();
          if (v.kind != Tok::kIdent) return Err("bad .target");
          if (v.text.substr(0, 3) == "sm_" && m.target_sm == 0) {
            uint32_t sm = 0;
            std::from_chars(v.text.data() + 3, v.text.data() + v.text.size(), sm);
            m.target_sm = sm;
          }
          if (!Accept(",")) break;
        }
      } else if (d == ".address_size") {
        Next();
        VGPU_ASSIGN_OR_RETURN(int64_t size, ParseInt());
        if (size != 64) return Err(".address_size " + std::to_string(size) + " is not supported");
        m.address_size = 64;
      } else if (d == ".visible" || d == ".weak" || d == ".common") {
        Next();
      } else if (d == ".extern") {
        Next();
        external = true;
        continue;
      } else if (d == ".global" || d == ".const" || d == ".shared") {
        AstVar var;
        VGPU_RETURN_IF_ERROR(ParseVar(&var));
        var.external = external;
        VGPU_RETURN_IF_ERROR(Expect(";"));
        m.vars.push_back(std::move(var));
      } else if (d == ".entry" || d == ".func") {
        AstFunction f;
        VGPU_RETURN_IF_ERROR(ParseFunction(&f));
        m.funcs.push_back(std::move(f));
      } else if (d == ".file" || d == ".loc") {
        SkipLine();
      } else if (d == ".section") {
        Next();
        Next();
        VGPU_RETURN_IF_ERROR(SkipBraces());
      } else if (d == ".pragma" || d == ".alias") {
        while (Peek().kind != Tok::kEnd && !Accept(";")) Next();
      } else {
        return Err("unsupported directive '" + std::string(d) + "'");
      }
      external = false;
    }
    return m;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    size_t i = pos_ + ahead;
    return i < t_.size() ? t_[i] : t_.back();
  }
  const Token& Next() {
    const Token& tok = Peek();
    if (pos_ < t_.size() - 1) ++pos_;
    return tok;
  }
  bool IsPunct(std::string_view p, size_t ahead = 0) const {
    return Peek(ahead).kind == Tok::kPunct && Peek(ahead).text == p;
  }
  bool Accept(std::string_view p) {
    if (IsPunct(p)) {
      Next();
      return true;
    }
    return false;
  }
  Status Err(const std::string& msg) const {
    return Status(Code::kInvalidImage, "line " + std::to_string(Peek().line) + ": " + msg);
  }
  Status Expect(std::string_view p) {
    if (Accept(p)) return Status::Ok();
    return Err("expected '" + std::string(p) + "', got '" + std::string(Peek().text) + "'");
  }
  void SkipLine() {
    uint32_t line = Peek().line;
    while (Peek().kind != Tok::kEnd && Peek().line == line) Next();
  }
  Status SkipBraces() {
    VGPU_RETURN_IF_ERROR(Expect("{"));
    int depth = 1;
    while (depth > 0) {
      if (Peek().kind == Tok::kEnd) return Err("unterminated block");
      if (IsPunct("{")) ++depth;
      if (IsPunct("}")) --depth;
      Next();
    }
    return Status::Ok();
  }

  Result<int64_t> ParseInt() {
    bool neg = Accept("-");
    const Token& tok = Next();
    if (tok.kind != Tok::kInt) return Err("expected an integer, got '" + std::string(tok.text) + "'");
    VGPU_ASSIGN_OR_RETURN(uint64_t v, IntValue(tok));
    return neg ? static_cast<int64_t>(~v + 1) : static_cast<int64_t>(v);
  }

  Result<uint64_t> IntValue(const Token& tok) const {
    std::string_view s = tok.text;
    if (!s.empty() && s.back() == 'U') s.remove_suffix(1);
    uint64_t v = 0;
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
      s.remove_prefix(2);
      base = 16;
    } else if (s.size() > 1 && s[0] == '0') {
      base = 8;
    }
    auto r = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size())
      return Status(Code::kInvalidImage, "line " + std::to_string(tok.line) + ": bad integer '" +
                                             std::string(tok.text) + "'");
    return v;
  }

  void FloatValue(const Token& tok, AstOperand* op) const {
    std::string_view s = tok.text;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'f' || s[1] == 'F' || s[1] == 'd' || s[1] == 'D')) {
      uint64_t bits = 0;
      std::from_chars(s.data() + 2, s.data() + s.size(), bits, 16);
      op->fbits = bits;
      op->fbits_width = (s[1] == 'f' || s[1] == 'F') ? 32 : 64;
      uint32_t b32 = static_cast<uint32_t>(bits);
      float f;
      double d;
      std::memcpy(&f, &b32, 4);
      std::memcpy(&d, &bits, 8);
      op->fvalue = op->fbits_width == 32 ? f : d;
    } else {
      op->fvalue = std::strtod(std::string(s).c_str(), nullptr);
    }
  }

  // [.align N] [.vN] .type [.ptr .space .align N] name [dims|<N>] [= init]
  Status ParseVar(AstVar* var) {
    var->line = Peek().line;
    var->space = Next().text;
    bool pointee = false;  // after .ptr, .align describes what the pointer points to
    while (Peek().kind == Tok::kIdent && Peek().text[0] == '.') {
      std::string_view d = Next().text;
      if (d == ".align") {
        VGPU_ASSIGN_OR_RETURN(int64_t a, ParseInt());
        if (a <= 0 || a > 4096 || (a & (a - 1))) return Err("bad .align");
        if (var->align == 0 && !pointee) var->align = static_cast<uint32_t>(a);
      } else if (d == ".v2") {
        var->vec = 2;
      } else if (d == ".v4") {
        var->vec = 4;
      } else if (d == ".v8") {
        var->vec = 8;
      } else if (Type t = ParseType(d); t != Type::kNone) {
        var->type = t;
      } else if (d == ".ptr") {
        pointee = true;
      } else if (d == ".global" || d == ".const" || d == ".shared" || d == ".local") {
        // kernel-parameter pointer attributes: no effect on layout
      } else if (d == ".attribute") {
        // `.attribute(.managed)`: a __managed__ variable. The software GPU
        // keeps it as an ordinary global; the host side decides how to share it.
        VGPU_RETURN_IF_ERROR(Expect("("));
        while (!Accept(")")) {
          if (Peek().kind == Tok::kEnd) return Err("unterminated .attribute(...)");
          Next();
        }
      } else {
        return Err("unsupported variable attribute '" + std::string(d) + "'");
      }
    }
    if (var->type == Type::kNone) return Err("variable without a type");
    if (Peek().kind != Tok::kIdent) return Err("expected a variable name");
    var->name = Next().text;
    if (Accept("<")) {
      VGPU_ASSIGN_OR_RETURN(int64_t n, ParseInt());
      if (n < 0 || n > (1 << 20)) return Err("bad register count");
      var->range = static_cast<uint32_t>(n);
      VGPU_RETURN_IF_ERROR(Expect(">"));
    }
    while (Accept("[")) {
      var->is_array = true;
      if (Accept("]")) {
        var->elements = 0;
        continue;
      }
      VGPU_ASSIGN_OR_RETURN(int64_t n, ParseInt());
      if (n < 0 || n > (int64_t{1} << 40)) return Err("bad array size");
      var->elements *= static_cast<uint64_t>(n);
      VGPU_RETURN_IF_ERROR(Expect("]"));
    }
    if (Accept("=")) {
      uint64_t bytes = var->Bytes();
      if (bytes > (uint64_t{1} << 30)) return Err("initialized variable too large");
      std::vector<uint8_t> init;
      VGPU_RETURN_IF_ERROR(ParseInit(var->type, &init));
      if (var->elements == 0 && var->is_array) {  // int x[] = {...}
        uint32_t eb = TypeBytes(var->type) * var->vec;
        var->elements = eb ? (init.size() + eb - 1) / eb : 0;
        bytes = var->Bytes();
      }
      if (init.size() > bytes) return Err("initializer longer than '" + std::string(var->name) + "'");
      init.resize(bytes, 0);
      var->init = std::move(init);
    }
    return Status::Ok();
  }

  Status ParseInit(Type type, std::vector<uint8_t>* out) {
    if (Accept("{")) {
      if (Accept("}")) return Status::Ok();
      while (true) {
        VGPU_RETURN_IF_ERROR(ParseInit(type, out));
        if (Accept("}")) return Status::Ok();
        VGPU_RETURN_IF_ERROR(Expect(","));
      }
    }
    bool neg = Accept("-");
    const Token& tok = Next();
    uint32_t size = TypeBytes(type);
    uint64_t bits = 0;
    if (tok.kind == Tok::kInt) {
      VGPU_ASSIGN_OR_RETURN(uint64_t v, IntValue(tok));
      if (neg) v = ~v + 1;
      if (type == Type::kF32) {
        float f = static_cast<float>(static_cast<int64_t>(v));
        std::memcpy(&bits, &f, 4);
      } else if (type == Type::kF64) {
        double d = static_cast<double>(static_cast<int64_t>(v));
        std::memcpy(&bits, &d, 8);
      } else {
        bits = v;
      }
    } else if (tok.kind == Tok::kFloat) {
      AstOperand op;
      FloatValue(tok, &op);
      if (op.fbits_width == static_cast<int>(size) * 8) {
        bits = op.fbits;
        if (neg) bits ^= uint64_t{1} << (size * 8 - 1);
      } else {
        double v = neg ? -op.fvalue : op.fvalue;
        if (type == Type::kF32) {
          float f = static_cast<float>(v);
          std::memcpy(&bits, &f, 4);
        } else if (type == Type::kF64) {
          std::memcpy(&bits, &v, 8);
        } else {
          bits = static_cast<uint64_t>(static_cast<int64_t>(v));
        }
      }
    } else if (tok.kind == Tok::kIdent) {
      return Status(Code::kNotSupported, "line " + std::to_string(tok.line) +
                                             ": address initializers ('" + std::string(tok.text) +
                                             "') are not supported");
    } else {
      return Err("bad initializer '" + std::string(tok.text) + "'");
    }
    for (uint32_t i = 0; i < size; ++i) out->push_back(static_cast<uint8_t>(bits >> (8 * i)));
    return Status::Ok();
  }

  Status ParseParamList(std::vector<AstVar>* out) {
    VGPU_RETURN_IF_ERROR(Expect("("));
    if (Accept(")")) return Status::Ok();
    while (true) {
      if (Peek().kind != Tok::kIdent || (Peek().text != ".param" && Peek().text != ".reg"))
        return Err("expected .param");
      AstVar v;
      VGPU_RETURN_IF_ERROR(ParseVar(&v));
      out->push_back(std::move(v));
      if (Accept(")")) return Status::Ok();
      VGPU_RETURN_IF_ERROR(Expect(","));
    }
  }

  Status ParseFunction(AstFunction* f) {
    f->line = Peek().line;
    f->is_entry = Next().text == ".entry";
    if (!f->is_entry && IsPunct("(")) VGPU_RETURN_IF_ERROR(ParseParamList(&f->rets));
    if (Peek().kind != Tok::kIdent) return Err("expected a function name");
    f->name = Next().text;
    if (IsPunct("(")) VGPU_RETURN_IF_ERROR(ParseParamList(&f->params));
    while (Peek().kind == Tok::kIdent) {
      std::string_view d = Next().text;
      if (d == ".maxntid" || d == ".reqntid") {
        uint32_t product = 1;
        while (true) {
          VGPU_ASSIGN_OR_RETURN(int64_t n, ParseInt());
          if (n <= 0 || n > 1024) return Err("bad " + std::string(d));
          product *= static_cast<uint32_t>(n);
          if (!Accept(",")) break;
        }
        f->maxntid = product;
      } else if (d == ".minnctapersm" || d == ".maxnreg" || d == ".maxnctapersm" || d == ".maxclusterrank") {
        VGPU_ASSIGN_OR_RETURN(int64_t n, ParseInt());
        (void)n;
      } else if (d == ".reqnctapercluster" || d == ".explicitcluster") {
        while (Peek().kind == Tok::kInt || IsPunct(",")) Next();
      } else if (d == ".noreturn") {
      } else if (d == ".pragma") {
        while (Peek().kind != Tok::kEnd && !Accept(";")) Next();
      } else {
        return Err("unsupported function directive '" + std::string(d) + "'");
      }
    }
    if (Accept(";")) return Status::Ok();  // a prototype
    f->has_body = true;
    VGPU_RETURN_IF_ERROR(Expect("{"));
    int depth = 0;
    while (true) {
      const Token& tok = Peek();
      if (tok.kind == Tok::kEnd) return Err("unterminated function body");
      if (Accept("{")) {
        ++depth;
        f->body.push_back({AstStmt::Kind::kOpen, 0});
        continue;
      }
      if (Accept("}")) {
        if (depth == 0) return Status::Ok();
        --depth;
        f->body.push_back({AstStmt::Kind::kClose, 0});
        continue;
      }
      if (tok.kind == Tok::kIdent && IsPunct(":", 1)) {
        f->body.push_back({AstStmt::Kind::kLabel, static_cast<uint32_t>(f->labels.size())});
        f->labels.push_back(tok.text);
        Next();
        Next();
        continue;
      }
      if (tok.kind == Tok::kIdent && tok.text[0] == '.') {
        std::string_view d = tok.text;
        if (d == ".reg" || d == ".local" || d == ".shared" || d == ".param" || d == ".const" ||
            d == ".global") {
          // One declaration may name several variables: .reg .b32 a, b;
          AstVar first;
          VGPU_RETURN_IF_ERROR(ParseVar(&first));
          AstVar proto = first;
          f->body.push_back({AstStmt::Kind::kDecl, static_cast<uint32_t>(f->decls.size())});
          f->decls.push_back(std::move(first));
          while (Accept(",")) {
            AstVar v = proto;
            v.range = 0;
            v.is_array = false;
            v.elements = 1;
            v.init.clear();
            if (Peek().kind != Tok::kIdent) return Err("expected a variable name");
            v.name = Next().text;
            if (Accept("<")) {
              VGPU_ASSIGN_OR_RETURN(int64_t n, ParseInt());
              if (n < 0 || n > (1 << 20)) return Err("bad register count");
              v.range = static_cast<uint32_t>(n);
              VGPU_RETURN_IF_ERROR(Expect(">"));
            }
            f->body.push_back({AstStmt::Kind::kDecl, static_cast<uint32_t>(f->decls.size())});
            f->decls.push_back(std::move(v));
          }
          VGPU_RETURN_IF_ERROR(Expect(";"));
          continue;
        }
        if (d == ".loc" || d == ".file") {
          SkipLine();
          continue;
        }
        if (d == ".pragma") {
          while (Peek().kind != Tok::kEnd && !Accept(";")) Next();
          continue;
        }
        if (d == ".extern" || d == ".visible") {
          Next();
          continue;
        }
        return Err("unsupported directive '" + std::string(d) + "' in a function body");
      }
      AstInstr in;
      VGPU_RETURN_IF_ERROR(ParseInstr(&in));
      f->body.push_back({AstStmt::Kind::kInstr, static_cast<uint32_t>(f->instrs.size())});
      f->instrs.push_back(std::move(in));
    }
  }

  Status ParseInstr(AstInstr* in) {
    in->line = Peek().line;
    if (Accept("@")) {
      in->guard_negated = Accept("!");
      if (Peek().kind != Tok::kIdent) return Err("expected a guard predicate");
      in->guard = Next().text;
    }
    if (Peek().kind != Tok::kIdent) return Err("expected an instruction, got '" + std::string(Peek().text) + "'");
    in->opcode = Next().text;
    if (Accept(";")) return Status::Ok();
    while (true) {
      AstOperand op;
      VGPU_RETURN_IF_ERROR(ParseOperand(&op));
      in->ops.push_back(std::move(op));
      if (Accept(";")) return Status::Ok();
      VGPU_RETURN_IF_ERROR(Expect(","));
    }
  }

  Status ParseOperand(AstOperand* op) {
    if (Accept("[")) {
      op->kind = AstOperand::Kind::kAddress;
      if (Peek().kind == Tok::kIdent) {
        op->name = Next().text;
        if (IsPunct("+") || IsPunct("-")) {
          bool minus = Next().text == "-";
          VGPU_ASSIGN_OR_RETURN(int64_t v, ParseInt());
          op->value = minus ? static_cast<int64_t>(~static_cast<uint64_t>(v) + 1) : v;
        }
      } else {
        VGPU_ASSIGN_OR_RETURN(op->value, ParseInt());
      }
      return Expect("]");
    }
    if (Accept("{")) {
      op->kind = AstOperand::Kind::kVector;
      while (true) {
        AstOperand e;
        VGPU_RETURN_IF_ERROR(ParseOperand(&e));
        op->elems.push_back(std::move(e));
        if (Accept("}")) return Status::Ok();
        VGPU_RETURN_IF_ERROR(Expect(","));
      }
    }
    if (Accept("(")) {
      op->kind = AstOperand::Kind::kList;
      if (Accept(")")) return Status::Ok();
      while (true) {
        AstOperand e;
        VGPU_RETURN_IF_ERROR(ParseOperand(&e));
        op->elems.push_back(std::move(e));
        if (Accept(")")) return Status::Ok();
        VGPU_RETURN_IF_ERROR(Expect(","));
      }
    }
    if (Accept("!")) op->negated = true;
    bool neg = Accept("-");
    const Token& tok = Next();
    if (tok.kind == Tok::kInt) {
      op->kind = AstOperand::Kind::kInt;
      VGPU_ASSIGN_OR_RETURN(uint64_t v, IntValue(tok));
      op->value = neg ? static_cast<int64_t>(~v + 1) : static_cast<int64_t>(v);
      return Status::Ok();
    }
    if (tok.kind == Tok::kFloat) {
      op->kind = AstOperand::Kind::kFloat;
      FloatValue(tok, op);
      if (neg) {
        op->fvalue = -op->fvalue;
        if (op->fbits_width) op->fbits ^= uint64_t{1} << (op->fbits_width - 1);
      }
      return Status::Ok();
    }
    if (tok.kind != Tok::kIdent || neg) return Err("bad operand '" + std::string(tok.text) + "'");
    op->kind = AstOperand::Kind::kName;
    op->name = tok.text;
    if (Accept("|")) {
      if (Peek().kind != Tok::kIdent) return Err("expected a predicate after '|'");
      op->pair = Next().text;
    } else if ((IsPunct("+") || IsPunct("-")) && Peek(1).kind == Tok::kInt) {
      bool minus = Next().text == "-";
      VGPU_ASSIGN_OR_RETURN(int64_t v, ParseInt());
      op->value = minus ? static_cast<int64_t>(~static_cast<uint64_t>(v) + 1) : v;
    }
    return Status::Ok();
  }

  std::vector<Token> t_;
  size_t pos_ = 0;
};

}  // namespace

Result<AstModule> ParseAst(std::string_view ptx) {
  VGPU_ASSIGN_OR_RETURN(std::vector<Token> toks, Lex(ptx));
  Parser p(std::move(toks));
  return p.Run();
}

}  // namespace vgpu::ptx
