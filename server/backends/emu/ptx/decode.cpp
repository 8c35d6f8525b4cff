// Lowers an AstModule into ModuleData: one flat instruction vector, functions, constant
// registers, shared symbols, call sites and per-kernel layouts.
#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>

#include "server/backends/emu/ptx/ast.h"
#include "server/backends/emu/ptx/decode.h"
#include "server/backends/emu/ptx/math.h"
#include "server/backends/emu/ptx/parser.h"

// Assigns to an existing lvalue; usable as a single statement (unbraced if/for bodies).
#define ASSIGN_OR_RETURN(lhs, expr)                 \
  do {                                              \
    auto assign_result_ = (expr);                   \
    if (!assign_result_.ok()) return assign_result_.status(); \
    lhs = std::move(assign_result_).value();        \
  } while (0)

namespace vgpu::ptx {
namespace {

struct Binding {
  enum class Kind : uint8_t { kReg, kRegRange, kLocal, kShared, kFuncParam, kKernelParam, kGlobal, kFunc };
  Kind kind = Kind::kReg;
  uint32_t index = 0;  // register / offset / symbol index
  uint32_t count = 0;  // range size; param size
  Type type = Type::kNone;
};

bool Ignorable(std::string_view m) {
  static constexpr std::string_view kIgnored[] = {
      ".uni", ".aligned", ".nc", ".ca", ".cg", ".cs", ".lu", ".cv", ".wb", ".wt", ".volatile", ".relaxed",
      ".acquire", ".release", ".acq_rel", ".sc", ".weak", ".gpu", ".sys", ".cta", ".sync", ".approx",
      ".full", ".noftz", ".mmio"};
  for (std::string_view s : kIgnored)
    if (s == m) return true;
  return m.substr(0, 5) == ".L1::" || m.substr(0, 5) == ".L2::" || m.substr(0, 10) == ".level::ca";
}

// The dotted modifiers of one opcode; decoders Take() what they understand and anything
// left over that is not harmless makes the instruction unsupported.
class Mods {
 public:
  explicit Mods(std::string_view opcode) {
    size_t dot = opcode.find('.');
    base_ = opcode.substr(0, dot);
    while (dot != std::string_view::npos) {
      size_t next = opcode.find('.', dot + 1);
      std::string_view m = opcode.substr(dot, next == std::string_view::npos ? std::string_view::npos : next - dot);
      list_.push_back(m);
      Type t = ParseType(m);
      if (t != Type::kNone) types_.push_back(t);
      used_.push_back(t != Type::kNone);
      dot = next;
    }
  }
  std::string_view base() const { return base_; }
  // Marks the first unused occurrence of `m` (a modifier may repeat:
  // mma...tf32.tf32); true if `m` occurs at all.
  bool Take(std::string_view m) {
    bool found = false;
    for (size_t i = 0; i < list_.size(); ++i)
      if (list_[i] == m) {
        found = true;
        if (!used_[i]) {
          used_[i] = true;
          return true;
        }
      }
    return found;
  }
  const std::vector<Type>& types() const { return types_; }
  Type type(size_t i) const { return i < types_.size() ? types_[i] : Type::kNone; }
  // First unexpected modifier, or empty.
  std::string_view Leftover() const {
    for (size_t i = 0; i < list_.size(); ++i)
      if (!used_[i] && !Ignorable(list_[i])) return list_[i];
    return {};
  }
  uint8_t Rounding() {
    static constexpr std::pair<std::string_view, uint8_t> kR[] = {
        {".rn", kRn}, {".rz", kRz}, {".rm", kRm}, {".rp", kRp}, {".rni", kRni},
        {".rzi", kRzi}, {".rmi", kRmi}, {".rpi", kRpi}, {".rna", kRna}};
    for (auto [name, r] : kR)
      if (Take(name)) return r;
    return kRnd;
  }

 private:
  std::string_view base_;
  std::vector<std::string_view> list_;
  std::vector<bool> used_;
  std::vector<Type> types_;
};

struct ModuleCtx {
  Module* module;
  ModuleData* data;
  std::unordered_map<std::string_view, uint32_t> globals;  // name -> Module::globals() index
  std::unordered_map<std::string_view, uint32_t> shared;   // module-scope shared symbols
  std::unordered_map<std::string_view, uint32_t> funcs;
  std::unordered_map<std::string, uint32_t> text_index;
};

Status LineError(uint32_t line, const std::string& msg) {
  return Status(Code::kInvalidImage, "line " + std::to_string(line) + ": " + msg);
}

class FunctionDecoder {
 public:
  FunctionDecoder(ModuleCtx& m, uint32_t index, const AstFunction& ast)
      : m_(m), fi_(index), fn_(m.data->funcs[index]), ast_(ast) {}

  Status Run() {
    fn_.entry_pc = static_cast<uint32_t>(m_.data->code.size());
    scopes_.emplace_back();
    // Parameters: kernel params live in the launch buffer, .func ones in the param frame.
    uint32_t kernel_off = 0;
    for (const AstVar& p : ast_.rets) {
      if (p.space == ".reg") return LineError(p.line, ".reg return values are not supported");
      uint32_t off = AllocParam(p);
      fn_.ret_offsets.push_back(off);
      fn_.ret_sizes.push_back(static_cast<uint32_t>(p.Bytes()));
      Bind(p.name, {Binding::Kind::kFuncParam, off, static_cast<uint32_t>(p.Bytes()), p.type});
    }
    for (const AstVar& p : ast_.params) {
      if (p.space == ".reg") return LineError(p.line, ".reg parameters are not supported");
      if (fn_.is_entry) {
        uint32_t align = std::max<uint32_t>(1, p.Align());
        kernel_off = (kernel_off + align - 1) / align * align;
        Bind(p.name, {Binding::Kind::kKernelParam, kernel_off, static_cast<uint32_t>(p.Bytes()), p.type});
        kernel_off += static_cast<uint32_t>(p.Bytes());
      } else {
        uint32_t off = AllocParam(p);
        fn_.param_offsets.push_back(off);
        fn_.param_sizes.push_back(static_cast<uint32_t>(p.Bytes()));
        Bind(p.name, {Binding::Kind::kFuncParam, off, static_cast<uint32_t>(p.Bytes()), p.type});
      }
    }
    // Labels may be used before they appear: pre-scan.
    for (const AstStmt& s : ast_.body) {
      if (s.kind == AstStmt::Kind::kLabel) labels_[ast_.labels[s.index]] = kNoReg;
    }
    for (const AstStmt& s : ast_.body) {
      switch (s.kind) {
        case AstStmt::Kind::kOpen:
          scopes_.emplace_back();
          break;
        case AstStmt::Kind::kClose:
          scopes_.pop_back();
          break;
        case AstStmt::Kind::kLabel:
          labels_[ast_.labels[s.index]] = static_cast<uint32_t>(m_.data->code.size());
          break;
        case AstStmt::Kind::kDecl:
          VGPU_RETURN_IF_ERROR(Declare(ast_.decls[s.index]));
          break;
        case AstStmt::Kind::kInstr:
          VGPU_RETURN_IF_ERROR(DecodeInstr(ast_.instrs[s.index]));
          break;
      }
    }
    // Falling off the end returns.
    Instr ret;
    ret.op = Op::kRet;
    ret.func = static_cast<uint16_t>(fi_);
    ret.text = Text("ret");
    m_.data->code.push_back(ret);
    for (auto [pc, label] : fixups_) {
      auto it = labels_.find(label);
      if (it == labels_.end() || it->second == kNoReg)
        return LineError(m_.data->code[pc].line, "unknown label '" + std::string(label) + "'");
      m_.data->code[pc].imm = it->second;
    }
    fn_.end_pc = static_cast<uint32_t>(m_.data->code.size());
    return Status::Ok();
  }

 private:
  uint32_t AllocParam(const AstVar& p) {
    uint32_t align = std::max<uint32_t>(1, p.Align());
    uint32_t off = (fn_.param_bytes + align - 1) / align * align;
    fn_.param_bytes = off + static_cast<uint32_t>(p.Bytes());
    return off;
  }

  void Bind(std::string_view name, Binding b) { scopes_.back()[name] = b; }

  Status Declare(const AstVar& v) {
    if (v.space == ".reg") {
      uint32_t count = v.range ? v.range : 1;
      uint32_t base = fn_.num_regs;
      // Vector registers (.v2/.v4) get one slot per element; element i is base+i.
      fn_.num_regs += count * v.vec;
      if (v.range)
        Bind(v.name, {Binding::Kind::kRegRange, base, count, v.type});
      else
        Bind(v.name, {Binding::Kind::kReg, base, 1, v.type});
      return Status::Ok();
    }
    if (v.space == ".local") {
      uint32_t align = std::max<uint32_t>(1, v.Align());
      uint32_t off = (fn_.local_bytes + align - 1) / align * align;
      if (v.Bytes() > (1u << 24)) return LineError(v.line, "local variable too large");
      fn_.local_bytes = off + static_cast<uint32_t>(v.Bytes());
      fn_.local_align = std::max(fn_.local_align, align);
      Bind(v.name, {Binding::Kind::kLocal, off, 0, v.type});
      return Status::Ok();
    }
    if (v.space == ".shared") {
      SharedSymbol s;
      s.name = std::string(v.name);
      s.size = v.Bytes();
      s.align = std::max<uint32_t>(1, v.Align());
      s.owner = static_cast<int32_t>(fi_);
      s.dynamic = v.external || (v.is_array && v.elements == 0);
      Bind(v.name, {Binding::Kind::kShared, static_cast<uint32_t>(m_.data->shared.size()), 0, v.type});
      m_.data->shared.push_back(std::move(s));
      return Status::Ok();
    }
    if (v.space == ".param") {  // call-site scratch in this function's param frame
      uint32_t off = AllocParam(v);
      Bind(v.name, {Binding::Kind::kFuncParam, off, static_cast<uint32_t>(v.Bytes()), v.type});
      return Status::Ok();
    }
    return LineError(v.line, "function-scope " + std::string(v.space) + " variables are not supported");
  }

  const Binding* Lookup(std::string_view name) {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      auto f = it->find(name);
      if (f != it->end() && f->second.kind != Binding::Kind::kRegRange) return &f->second;
    }
    // %r12 -> range %r<N>
    size_t digits = name.size();
    while (digits > 0 && name[digits - 1] >= '0' && name[digits - 1] <= '9') --digits;
    if (digits < name.size() && digits > 0) {
      std::string_view prefix = name.substr(0, digits);
      uint32_t n = 0;
      bool ok = !(name.size() - digits > 1 && name[digits] == '0');
      for (size_t i = digits; i < name.size() && ok; ++i) {
        n = n * 10 + (name[i] - '0');
        if (n > (1u << 24)) ok = false;
      }
      if (ok) {
        for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
          auto f = it->find(prefix);
          if (f != it->end() && f->second.kind == Binding::Kind::kRegRange && n < f->second.count) {
            scratch_ = {Binding::Kind::kReg, f->second.index + n, 1, f->second.type};
            return &scratch_;
          }
        }
      }
    }
    if (auto g = m_.globals.find(name); g != m_.globals.end()) {
      scratch_ = {Binding::Kind::kGlobal, g->second, 0, Type::kNone};
      return &scratch_;
    }
    if (auto s = m_.shared.find(name); s != m_.shared.end()) {
      scratch_ = {Binding::Kind::kShared, s->second, 0, Type::kNone};
      return &scratch_;
    }
    if (auto f = m_.funcs.find(name); f != m_.funcs.end()) {
      scratch_ = {Binding::Kind::kFunc, f->second, 0, Type::kNone};
      return &scratch_;
    }
    return nullptr;
  }

  uint32_t Const(ConstSlot::Kind kind, uint32_t symbol, uint64_t value) {
    auto key = std::make_tuple(static_cast<int>(kind), symbol, value);
    auto it = consts_.find(key);
    if (it != consts_.end()) return it->second;
    ConstSlot c;
    c.kind = kind;
    c.symbol = symbol;
    c.value = value;
    c.reg = fn_.num_regs++;
    fn_.consts.push_back(c);
    consts_[key] = c.reg;
    return c.reg;
  }

  uint32_t Sink() {
    if (sink_ == kNoReg) sink_ = fn_.num_regs++;
    return sink_;
  }

  // Bits of a literal as an operand of type `t`.
  static uint64_t LiteralBits(const AstOperand& op, Type t) {
    if (op.kind == AstOperand::Kind::kInt) {
      if (t == Type::kF32) return FloatBits(static_cast<float>(op.value));
      if (t == Type::kF64) return DoubleBits(static_cast<double>(op.value));
      return static_cast<uint64_t>(op.value);
    }
    // Float literal
    if (op.fbits_width == 32 && t != Type::kF64) return op.fbits;
    if (op.fbits_width == 64 && t == Type::kF64) return op.fbits;
    switch (t) {
      case Type::kF64: return DoubleBits(op.fvalue);
      case Type::kF16: return F32ToF16(static_cast<float>(op.fvalue), kRn);
      case Type::kBF16: return F32ToBF16(static_cast<float>(op.fvalue), kRn);
      case Type::kF32: return FloatBits(static_cast<float>(op.fvalue));
      default: return op.fbits_width ? op.fbits : FloatBits(static_cast<float>(op.fvalue));
    }
  }

  static bool SpecialId(std::string_view name, Special* out) {
    static constexpr std::pair<std::string_view, Special> kS[] = {
        {"%tid.x", Special::kTidX}, {"%tid.y", Special::kTidY}, {"%tid.z", Special::kTidZ},
        {"%ntid.x", Special::kNtidX}, {"%ntid.y", Special::kNtidY}, {"%ntid.z", Special::kNtidZ},
        {"%ctaid.x", Special::kCtaidX}, {"%ctaid.y", Special::kCtaidY}, {"%ctaid.z", Special::kCtaidZ},
        {"%nctaid.x", Special::kNctaidX}, {"%nctaid.y", Special::kNctaidY}, {"%nctaid.z", Special::kNctaidZ},
        {"%laneid", Special::kLaneId}, {"%warpid", Special::kWarpId}, {"%nwarpid", Special::kNWarpId},
        {"%smid", Special::kSmId}, {"%nsmid", Special::kNSmId}, {"%gridid", Special::kGridId},
        {"%clock", Special::kClock}, {"%clock64", Special::kClock64}, {"%globaltimer", Special::kGlobalTimer},
        {"%globaltimer_lo", Special::kGlobalTimer},
        {"%lanemask_eq", Special::kLanemaskEq}, {"%lanemask_le", Special::kLanemaskLe},
        {"%lanemask_lt", Special::kLanemaskLt}, {"%lanemask_ge", Special::kLanemaskGe},
        {"%lanemask_gt", Special::kLanemaskGt}, {"%dynamic_smem_size", Special::kDynSmem},
        {"%total_smem_size", Special::kTotalSmem}, {"%tid", Special::kTidX}, {"%ntid", Special::kNtidX},
        {"%ctaid", Special::kCtaidX}, {"%nctaid", Special::kNctaidX}};
    for (auto [n, s] : kS)
      if (n == name) {
        *out = s;
        return true;
      }
    return false;
  }

  // A source operand of type `t` as a register (literals and symbols become constants).
  Result<uint32_t> Src(const AstOperand& op, Type t) {
    switch (op.kind) {
      case AstOperand::Kind::kInt:
      case AstOperand::Kind::kFloat:
        return Const(ConstSlot::Kind::kLiteral, 0, LiteralBits(op, t));
      case AstOperand::Kind::kName:
        break;
      default:
        return LineError(line_, "unexpected operand kind");
    }
    // Constants nvcc emits: warpSize, and the driver's environment registers
    // (%envreg0-31, zero unless a debugger or profiler sets them).
    if (op.name == "WARP_SZ") return Const(ConstSlot::Kind::kLiteral, 0, 32);
    if (op.name.starts_with("%envreg")) return Const(ConstSlot::Kind::kLiteral, 0, 0);
    Special sp;
    if (!op.name.empty() && op.name[0] == '%' && SpecialId(op.name, &sp)) {
      Instr mv = Base();
      mv.op = Op::kMovSpecial;
      mv.mod = static_cast<uint8_t>(sp);
      mv.d = fn_.num_regs++;
      mv.guard = kNoReg;
      mv.flags = 0;
      m_.data->code.push_back(mv);
      return mv.d;
    }
    const Binding* b = Lookup(op.name);
    if (!b) return LineError(line_, "unknown name '" + std::string(op.name) + "'");
    uint64_t off = static_cast<uint64_t>(op.value);
    switch (b->kind) {
      case Binding::Kind::kReg:
        return b->index;
      case Binding::Kind::kGlobal:
        return Const(ConstSlot::Kind::kGlobal, b->index, off);
      case Binding::Kind::kShared:
        return Const(ConstSlot::Kind::kShared, b->index, off);
      case Binding::Kind::kLocal:
        return Const(ConstSlot::Kind::kLocal, fi_, b->index + off);
      case Binding::Kind::kKernelParam:
        return Const(ConstSlot::Kind::kKernelParam, 0, b->index + off);
      default:
        return Status(Code::kNotSupported, "line " + std::to_string(line_) + ": the address of '" +
                                               std::string(op.name) + "' is not supported");
    }
  }

  Result<uint32_t> Dst(const AstOperand& op) {
    if (op.kind != AstOperand::Kind::kName) return LineError(line_, "destination must be a register");
    if (op.name == "_") return Sink();
    const Binding* b = Lookup(op.name);
    if (!b || b->kind != Binding::Kind::kReg)
      return LineError(line_, "unknown register '" + std::string(op.name) + "'");
    return b->index;
  }

  // [base+offset] -> base register (or kNoReg) + immediate, refining the state space.
  Status Addr(const AstOperand& op, Mem* mem, uint32_t* base, int64_t* imm) {
    if (op.kind != AstOperand::Kind::kAddress && op.kind != AstOperand::Kind::kName)
      return LineError(line_, "expected an address");
    *imm = op.value;
    *base = kNoReg;
    if (op.name.empty()) return Status::Ok();
    const Binding* b = Lookup(op.name);
    if (!b) return LineError(line_, "unknown name '" + std::string(op.name) + "'");
    switch (b->kind) {
      case Binding::Kind::kReg:
        *base = b->index;
        return Status::Ok();
      case Binding::Kind::kKernelParam:
        if (*mem != Mem::kKernelParam && *mem != Mem::kFuncParam && *mem != Mem::kGeneric)
          return LineError(line_, "parameter used outside .param");
        *mem = Mem::kKernelParam;
        *imm = static_cast<int64_t>(static_cast<uint64_t>(*imm) + b->index);
        return Status::Ok();
      case Binding::Kind::kFuncParam:
        if (*mem != Mem::kKernelParam && *mem != Mem::kFuncParam)
          return LineError(line_, "parameter used outside .param");
        *mem = Mem::kFuncParam;
        *imm = static_cast<int64_t>(static_cast<uint64_t>(*imm) + b->index);
        return Status::Ok();
      case Binding::Kind::kGlobal:
        *base = Const(ConstSlot::Kind::kGlobal, b->index, 0);
        return Status::Ok();
      case Binding::Kind::kShared:
        *base = Const(ConstSlot::Kind::kShared, b->index, 0);
        if (*mem == Mem::kGeneric) return LineError(line_, "generic access to a .shared symbol");
        return Status::Ok();
      case Binding::Kind::kLocal:
        *base = Const(ConstSlot::Kind::kLocal, fi_, b->index);
        if (*mem == Mem::kGeneric) return LineError(line_, "generic access to a .local symbol");
        return Status::Ok();
      default:
        return LineError(line_, "bad address '" + std::string(op.name) + "'");
    }
  }

  Instr Base() const {
    Instr in;
    in.func = static_cast<uint16_t>(fi_);
    in.line = line_;
    in.guard = guard_;
    if (guard_neg_) in.flags |= kGuardNeg;
    return in;
  }

  uint32_t Text(std::string_view s) {
    auto it = m_.text_index.find(std::string(s));
    if (it != m_.text_index.end()) return it->second;
    uint32_t idx = static_cast<uint32_t>(m_.data->texts.size());
    m_.data->texts.emplace_back(s);
    m_.text_index.emplace(std::string(s), idx);
    return idx;
  }

  void Unsupported(std::string_view opcode, std::string_view why) {
    Instr in = Base();
    in.op = Op::kUnsupported;
    std::string text(opcode);
    if (!why.empty()) text += " (" + std::string(why) + ")";
    in.text = Text(text);
    in.imm = in.text;
    m_.data->code.push_back(in);
  }

  static Mem MemSpace(Mods& mods) {
    if (mods.Take(".global")) return Mem::kGlobal;
    if (mods.Take(".const")) return Mem::kConst;
    if (mods.Take(".shared") || mods.Take(".shared::cta")) return Mem::kShared;
    if (mods.Take(".local")) return Mem::kLocal;
    if (mods.Take(".param")) return Mem::kKernelParam;  // refined by the address
    return Mem::kGeneric;
  }

  Status DecodeInstr(const AstInstr& a) {
    line_ = a.line;
    guard_ = kNoReg;
    guard_neg_ = a.guard_negated;
    if (!a.guard.empty()) {
      const Binding* b = Lookup(a.guard);
      if (!b || b->kind != Binding::Kind::kReg)
        return LineError(line_, "unknown predicate '" + std::string(a.guard) + "'");
      guard_ = b->index;
    }
    Mods mods(a.opcode);
    size_t before = m_.data->code.size();
    uint32_t text = Text(a.opcode);
    Result<bool> r = DecodeOp(a, mods);
    if (!r.ok()) {
      // Whatever this one instruction's problem (an unknown opcode, register
      // or name), only a kernel that executes it fails, never the module.
      m_.data->code.resize(before);
      Unsupported(a.opcode, r.status().message());
      return Status::Ok();
    }
    std::string_view left = mods.Leftover();
    if (!*r || !left.empty()) {
      m_.data->code.resize(before);
      Unsupported(a.opcode, left.empty() ? "" : "modifier " + std::string(left));
    }
    for (size_t i = before; i < m_.data->code.size(); ++i)
      if (m_.data->code[i].op != Op::kUnsupported) m_.data->code[i].text = text;
    return Status::Ok();
  }

  Status NeedOps(const AstInstr& a, size_t lo, size_t hi) {
    // An operand count we do not expect is most likely a form we do not implement.
    if (a.ops.size() < lo || a.ops.size() > hi)
      return Status(Code::kNotSupported, std::to_string(a.ops.size()) + " operands");
    return Status::Ok();
  }

  // Returns false when the form is recognised as unsupported.
  Result<bool> DecodeOp(const AstInstr& a, Mods& mods) {
    std::string_view op = mods.base();
    Instr in = Base();
    Type t = mods.type(0);
    in.type = t;
    auto push = [&](Instr& i) { m_.data->code.push_back(i); };
    auto common_float = [&]() {
      if (mods.Take(".ftz")) in.flags |= kFtz;
      if (mods.Take(".sat")) in.flags |= kSat;
      in.rnd = mods.Rounding();
    };

    if (op == "mov") {
      VGPU_RETURN_IF_ERROR(NeedOps(a, 2, 2));
      const AstOperand& d = a.ops[0];
      const AstOperand& s = a.ops[1];
      if (d.kind == AstOperand::Kind::kVector) {
        in.op = Op::kUnpack;
        if (d.elems.size() > 4) return false;
        in.vec = static_cast<uint8_t>(d.elems.size());
        for (size_t i = 0; i < d.elems.size(); ++i) ASSIGN_OR_RETURN(in.v[i], Dst(d.elems[i]));
        ASSIGN_OR_RETURN(in.a, Src(s, t));
      } else if (s.kind == AstOperand::Kind::kVector) {
        in.op = Op::kPack;
        if (s.elems.size() > 4) return false;
        in.vec = static_cast<uint8_t>(s.elems.size());
        Type et = TypeBytes(t) / s.elems.size() == 2 ? Type::kB16 : TypeBytes(t) / s.elems.size() == 1 ? Type::kB8 : Type::kB32;
        for (size_t i = 0; i < s.elems.size(); ++i) ASSIGN_OR_RETURN(in.v[i], Src(s.elems[i], et));
        ASSIGN_OR_RETURN(in.d, Dst(d));
      } else {
        Special sp;
        ASSIGN_OR_RETURN(in.d, Dst(d));
        if (s.kind == AstOperand::Kind::kName && !s.name.empty() && s.name[0] == '%' && SpecialId(s.name, &sp)) {
          in.op = Op::kMovSpecial;
          in.mod = static_cast<uint8_t>(sp);
        } else {
          in.op = Op::kMov;
          ASSIGN_OR_RETURN(in.a, Src(s, t));
        }
      }
      push(in);
      return true;
    }

    // Integer and float arithmetic with 2 or 3 sources of the instruction type.
    struct Arith {
      std::string_view name;
      Op op;
      int srcs;
    };
    static constexpr Arith kArith[] = {
        {"add", Op::kAdd, 2},   {"addc", Op::kAdd, 2},  {"sub", Op::kSub, 2},   {"subc", Op::kSub, 2},
        {"div", Op::kDiv, 2},   {"rem", Op::kRem, 2},   {"min", Op::kMin, 2},   {"max", Op::kMax, 2},
        {"abs", Op::kAbs, 1},   {"neg", Op::kNeg, 1},   {"and", Op::kAnd, 2},   {"or", Op::kOr, 2},
        {"xor", Op::kXor, 2},   {"not", Op::kNot, 1},   {"cnot", Op::kCnot, 1}, {"popc", Op::kPopc, 1},
        {"clz", Op::kClz, 1},   {"brev", Op::kBrev, 1}, {"fma", Op::kFma, 3},   {"rcp", Op::kRcp, 1},
        {"sqrt", Op::kSqrt, 1}, {"rsqrt", Op::kRsqrt, 1}, {"sin", Op::kSin, 1}, {"cos", Op::kCos, 1},
        {"ex2", Op::kEx2, 1},   {"lg2", Op::kLg2, 1},   {"tanh", Op::kTanh, 1}, {"copysign", Op::kCopysign, 2},
        {"bfind", Op::kBfind, 1}, {"sad", Op::kSad, 3},
    };
    for (const Arith& ar : kArith) {
      if (op != ar.name) continue;
      VGPU_RETURN_IF_ERROR(NeedOps(a, 1 + ar.srcs, 1 + ar.srcs));
      in.op = ar.op;
      common_float();
      if (op == "addc" || op == "subc") in.flags |= kCarryIn;
      if (mods.Take(".cc")) in.flags |= kCarryOut;
      if (in.flags & (kCarryIn | kCarryOut)) {
        if (fn_.cc_reg == kNoReg) fn_.cc_reg = fn_.num_regs++;
        in.e = fn_.cc_reg;
      }
      if (op == "bfind" && mods.Take(".shiftamt")) in.flags |= kWide;
      if (op == "min" || op == "max") {
        if (mods.Take(".NaN")) return false;
        if (mods.Take(".xorsign.abs")) return false;
      }
      if (t == Type::kNone) return false;
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      ASSIGN_OR_RETURN(in.a, Src(a.ops[1], t));
      if (ar.srcs > 1) ASSIGN_OR_RETURN(in.b, Src(a.ops[2], t));
      if (ar.srcs > 2) ASSIGN_OR_RETURN(in.c, Src(a.ops[3], t));
      push(in);
      return true;
    }

    if (op == "mul" || op == "mad" || op == "madc" || op == "mul24" || op == "mad24") {
      bool mad = op[1] == 'a';
      VGPU_RETURN_IF_ERROR(NeedOps(a, mad ? 4 : 3, mad ? 4 : 3));
      common_float();
      if (op == "madc") in.flags |= kCarryIn;
      if (mods.Take(".cc")) in.flags |= kCarryOut;
      if (in.flags & (kCarryIn | kCarryOut)) {
        if (fn_.cc_reg == kNoReg) fn_.cc_reg = fn_.num_regs++;
        in.e = fn_.cc_reg;
      }
      Type src_type = t;
      if (IsFloat(t)) {
        in.op = mad ? Op::kFma : Op::kMulLo;
        if (!mad) in.op = Op::kMulLo;
      } else if (mods.Take(".hi")) {
        in.op = op == "mul24" ? Op::kMul24Hi : mad ? Op::kMadHi : Op::kMulHi;
        if (op == "mad24") return false;
      } else if (mods.Take(".wide")) {
        in.op = mad ? Op::kMadWide : Op::kMulWide;
        if (op == "mul24" || op == "mad24") return false;
      } else {
        mods.Take(".lo");
        in.op = op == "mul24" ? Op::kMul24Lo : op == "mad24" ? Op::kMad24Lo : mad ? Op::kMadLo : Op::kMulLo;
      }
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      ASSIGN_OR_RETURN(in.a, Src(a.ops[1], src_type));
      ASSIGN_OR_RETURN(in.b, Src(a.ops[2], src_type));
      if (mad) {
        Type ct = t;
        if (in.op == Op::kMadWide) ct = IsSigned(t) ? Type::kS64 : Type::kU64;
        ASSIGN_OR_RETURN(in.c, Src(a.ops[3], ct));
      }
      push(in);
      return true;
    }

    if (op == "shl" || op == "shr") {
      VGPU_RETURN_IF_ERROR(NeedOps(a, 3, 3));
      in.op = op == "shl" ? Op::kShl : Op::kShr;
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      ASSIGN_OR_RETURN(in.a, Src(a.ops[1], t));
      ASSIGN_OR_RETURN(in.b, Src(a.ops[2], Type::kU32));
      push(in);
      return true;
    }
    if (op == "bfe" || op == "bfi") {
      bool bfi = op == "bfi";
      VGPU_RETURN_IF_ERROR(NeedOps(a, bfi ? 5 : 4, bfi ? 5 : 4));
      in.op = bfi ? Op::kBfi : Op::kBfe;
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      ASSIGN_OR_RETURN(in.a, Src(a.ops[1], t));
      if (bfi) {
        ASSIGN_OR_RETURN(in.b, Src(a.ops[2], t));
        ASSIGN_OR_RETURN(in.c, Src(a.ops[3], Type::kU32));
        ASSIGN_OR_RETURN(in.e, Src(a.ops[4], Type::kU32));
      } else {
        ASSIGN_OR_RETURN(in.b, Src(a.ops[2], Type::kU32));
        ASSIGN_OR_RETURN(in.c, Src(a.ops[3], Type::kU32));
      }
      push(in);
      return true;
    }
    if (op == "prmt") {
      VGPU_RETURN_IF_ERROR(NeedOps(a, 4, 4));
      in.op = Op::kPrmt;
      for (std::string_view m : {".f4e", ".b4e", ".rc8", ".ecl", ".ecr", ".rc16"})
        if (mods.Take(m)) return false;
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      ASSIGN_OR_RETURN(in.a, Src(a.ops[1], t));
      ASSIGN_OR_RETURN(in.b, Src(a.ops[2], t));
      ASSIGN_OR_RETURN(in.c, Src(a.ops[3], t));
      push(in);
      return true;
    }
    if (op == "shf") {
      VGPU_RETURN_IF_ERROR(NeedOps(a, 4, 4));
      in.op = Op::kShf;
      if (mods.Take(".r")) in.mod |= 1;
      else if (!mods.Take(".l")) return false;
      if (mods.Take(".clamp")) in.mod |= 2;
      else if (!mods.Take(".wrap")) return false;
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      ASSIGN_OR_RETURN(in.a, Src(a.ops[1], Type::kB32));
      ASSIGN_OR_RETURN(in.b, Src(a.ops[2], Type::kB32));
      ASSIGN_OR_RETURN(in.c, Src(a.ops[3], Type::kU32));
      push(in);
      return true;
    }
    if (op == "lop3") {
      if (a.ops.size() != 5 || a.ops[4].kind != AstOperand::Kind::kInt || !a.ops[0].pair.empty()) return false;
      in.op = Op::kLop3;
      in.imm = a.ops[4].value & 0xFF;
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      ASSIGN_OR_RETURN(in.a, Src(a.ops[1], t));
      ASSIGN_OR_RETURN(in.b, Src(a.ops[2], t));
      ASSIGN_OR_RETURN(in.c, Src(a.ops[3], t));
      push(in);
      return true;
    }
    if (op == "dp4a" || op == "dp2a") {
      in.op = op == "dp4a" ? Op::kDp4a : Op::kDp2a;
      if (op == "dp2a") return false;
      VGPU_RETURN_IF_ERROR(NeedOps(a, 4, 4));
      in.type2 = mods.type(1);
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      ASSIGN_OR_RETURN(in.a, Src(a.ops[1], Type::kB32));
      ASSIGN_OR_RETURN(in.b, Src(a.ops[2], Type::kB32));
      ASSIGN_OR_RETURN(in.c, Src(a.ops[3], Type::kB32));
      push(in);
      return true;
    }
    if (op == "testp") {
      VGPU_RETURN_IF_ERROR(NeedOps(a, 2, 2));
      in.op = Op::kTestp;
      static constexpr std::string_view kModes[] = {".finite", ".infinite", ".number", ".notanumber", ".normal",
                                                    ".subnormal"};
      bool found = false;
      for (uint8_t i = 0; i < 6; ++i)
        if (mods.Take(kModes[i])) {
          in.mod = i;
          found = true;
        }
      if (!found) return false;
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      ASSIGN_OR_RETURN(in.a, Src(a.ops[1], t));
      push(in);
      return true;
    }

    if (op == "setp" || op == "set") {
      static constexpr std::string_view kCmp[] = {".eq", ".ne", ".lt", ".le", ".gt", ".ge", ".lo", ".ls", ".hi",
                                                  ".hs", ".equ", ".neu", ".ltu", ".leu", ".gtu", ".geu", ".num", ".nan"};
      bool found = false;
      for (uint8_t i = 0; i < 18; ++i)
        if (mods.Take(kCmp[i])) {
          in.mod = i;
          found = true;
          break;
        }
      if (!found) return false;
      if (mods.Take(".and")) in.mod2 = static_cast<uint8_t>(BoolOp::kAnd);
      else if (mods.Take(".or")) in.mod2 = static_cast<uint8_t>(BoolOp::kOr);
      else if (mods.Take(".xor")) in.mod2 = static_cast<uint8_t>(BoolOp::kXor);
      if (mods.Take(".ftz")) in.flags |= kFtz;
      bool has_c = in.mod2 != 0;
      VGPU_RETURN_IF_ERROR(NeedOps(a, has_c ? 4 : 3, has_c ? 4 : 3));
      if (op == "setp") {
        in.op = Op::kSetp;
        in.type2 = t;
      } else {
        in.op = Op::kSet;
        in.type2 = mods.type(1);
        if (in.type2 == Type::kNone) return LineError(line_, "set needs two types");
      }
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      if (!a.ops[0].pair.empty()) {
        AstOperand p;
        p.name = a.ops[0].pair;
        ASSIGN_OR_RETURN(in.d2, Dst(p));
      }
      ASSIGN_OR_RETURN(in.a, Src(a.ops[1], in.type2));
      ASSIGN_OR_RETURN(in.b, Src(a.ops[2], in.type2));
      if (has_c) {
        ASSIGN_OR_RETURN(in.c, Src(a.ops[3], Type::kPred));
        if (a.ops[3].negated) in.flags |= kNegC;
      }
      push(in);
      return true;
    }
    if (op == "selp") {
      VGPU_RETURN_IF_ERROR(NeedOps(a, 4, 4));
      in.op = Op::kSelp;
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      ASSIGN_OR_RETURN(in.a, Src(a.ops[1], t));
      ASSIGN_OR_RETURN(in.b, Src(a.ops[2], t));
      ASSIGN_OR_RETURN(in.c, Src(a.ops[3], Type::kPred));
      if (a.ops[3].negated) in.flags |= kNegC;
      push(in);
      return true;
    }
    if (op == "slct") {
      VGPU_RETURN_IF_ERROR(NeedOps(a, 4, 4));
      in.op = Op::kSlct;
      if (mods.Take(".ftz")) in.flags |= kFtz;
      in.type2 = mods.type(1);
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      ASSIGN_OR_RETURN(in.a, Src(a.ops[1], t));
      ASSIGN_OR_RETURN(in.b, Src(a.ops[2], t));
      ASSIGN_OR_RETURN(in.c, Src(a.ops[3], in.type2));
      push(in);
      return true;
    }
    if (op == "cvt") {
      VGPU_RETURN_IF_ERROR(NeedOps(a, 2, 3));
      in.op = Op::kCvt;
      common_float();
      if (mods.Take(".relu") || mods.Take(".satfinite")) return false;
      in.type2 = mods.type(1);
      if (in.type2 == Type::kNone) return LineError(line_, "cvt needs two types");
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      ASSIGN_OR_RETURN(in.a, Src(a.ops[1], in.type2));
      if (a.ops.size() == 3) {
        if (t != Type::kF16x2 && t != Type::kBF16x2) return false;
        ASSIGN_OR_RETURN(in.b, Src(a.ops[2], in.type2));
      } else if (t == Type::kF16x2 || t == Type::kBF16x2) {
        return false;
      }
      push(in);
      return true;
    }
    if (op == "cvta") {
      VGPU_RETURN_IF_ERROR(NeedOps(a, 2, 2));
      bool to = mods.Take(".to");
      Mem mem = MemSpace(mods);
      if (mem == Mem::kGeneric || (mem == Mem::kKernelParam && (to || !fn_.is_entry))) return false;
      in.op = to ? Op::kCvtaFromGeneric : Op::kCvtaToGeneric;
      in.mod2 = static_cast<uint8_t>(mem);
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      ASSIGN_OR_RETURN(in.a, Src(a.ops[1], t));
      push(in);
      return true;
    }
    if (op == "ld" || op == "ldu" || op == "st") {
      // A trailing cache-policy operand (.L2::cache_hint) only steers caches.
      bool hint = mods.Take(".L2::cache_hint");
      VGPU_RETURN_IF_ERROR(NeedOps(a, 2, hint ? 3 : 2));
      bool st = op == "st";
      in.op = st ? Op::kSt : Op::kLd;
      Mem mem = MemSpace(mods);
      if (mods.Take(".v2")) in.vec = 2;
      else if (mods.Take(".v4")) in.vec = 4;
      else if (mods.Take(".v8")) return false;
      if (t == Type::kNone || t == Type::kB128) return false;
      const AstOperand& addr = st ? a.ops[0] : a.ops[1];
      const AstOperand& val = st ? a.ops[1] : a.ops[0];
      VGPU_RETURN_IF_ERROR(Addr(addr, &mem, &in.a, &in.imm));
      if (mem == Mem::kKernelParam && st) {
        if (fn_.is_entry) return LineError(line_, "st.param to a kernel parameter");
        mem = Mem::kFuncParam;
      }
      in.mod2 = static_cast<uint8_t>(mem);
      if (in.vec > 1) {
        if (val.kind != AstOperand::Kind::kVector || val.elems.size() != in.vec)
          return LineError(line_, "vector operand size mismatch");
        for (size_t i = 0; i < in.vec; ++i) {
          if (st) ASSIGN_OR_RETURN(in.v[i], Src(val.elems[i], t));
          else ASSIGN_OR_RETURN(in.v[i], Dst(val.elems[i]));
        }
      } else {
        if (st) ASSIGN_OR_RETURN(in.v[0], Src(val, t));
        else ASSIGN_OR_RETURN(in.v[0], Dst(val));
      }
      push(in);
      return true;
    }
    if (op == "atom" || op == "red") {
      bool red = op == "red";
      in.op = red ? Op::kRed : Op::kAtom;
      Mem mem = MemSpace(mods);
      if (mem == Mem::kConst || mem == Mem::kLocal || mem == Mem::kKernelParam) return false;
      static constexpr std::string_view kOps[] = {".add", ".min", ".max", ".exch", ".cas",
                                                  ".and", ".or",  ".xor", ".inc",  ".dec"};
      bool found = false;
      for (uint8_t i = 0; i < 10; ++i)
        if (mods.Take(kOps[i])) {
          in.mod = i;
          found = true;
          break;
        }
      if (!found) return false;
      if (mods.Take(".v2") || mods.Take(".v4")) return false;
      if (t == Type::kNone || t == Type::kB128 || TypeBytes(t) == 1) return false;
      if ((t == Type::kF16x2 || t == Type::kBF16x2) && in.mod != static_cast<uint8_t>(AtomOp::kAdd)) return false;
      bool cas = in.mod == static_cast<uint8_t>(AtomOp::kCas);
      size_t n = (red ? 2 : 3) + (cas ? 1 : 0);
      VGPU_RETURN_IF_ERROR(NeedOps(a, n, n));
      size_t i = 0;
      if (!red) ASSIGN_OR_RETURN(in.d, Dst(a.ops[i++]));
      VGPU_RETURN_IF_ERROR(Addr(a.ops[i++], &mem, &in.a, &in.imm));
      in.mod2 = static_cast<uint8_t>(mem);
      ASSIGN_OR_RETURN(in.b, Src(a.ops[i++], t));
      if (cas) ASSIGN_OR_RETURN(in.c, Src(a.ops[i++], t));
      push(in);
      return true;
    }
    if (op == "bra" || op == "brx") {
      if (op == "brx") return false;
      VGPU_RETURN_IF_ERROR(NeedOps(a, 1, 1));
      in.op = Op::kBra;
      if (a.ops[0].kind != AstOperand::Kind::kName || !labels_.count(a.ops[0].name))
        return LineError(line_, "bra to an unknown label");
      fixups_.push_back({static_cast<uint32_t>(m_.data->code.size()), a.ops[0].name});
      push(in);
      return true;
    }
    if (op == "call") {
      // call (rets), func, (args);  call func, (args);  call func;
      size_t i = 0;
      const AstOperand* rets = nullptr;
      const AstOperand* args = nullptr;
      if (i < a.ops.size() && a.ops[i].kind == AstOperand::Kind::kList) rets = &a.ops[i++];
      if (i >= a.ops.size() || a.ops[i].kind != AstOperand::Kind::kName) return LineError(line_, "bad call");
      const AstOperand& target = a.ops[i++];
      if (i < a.ops.size() && a.ops[i].kind == AstOperand::Kind::kList) args = &a.ops[i++];
      if (i < a.ops.size()) return false;  // prototype: indirect call
      const Binding* fb = Lookup(target.name);
      if (!fb || fb->kind != Binding::Kind::kFunc) {
        if (fb && fb->kind == Binding::Kind::kReg) return Status(Code::kNotSupported, "indirect call");
        return LineError(line_, "call to unknown function '" + std::string(target.name) + "'");
      }
      const Function& callee = m_.data->funcs[fb->index];
      CallInfo ci;
      ci.callee = fb->index;
      auto copies = [&](const AstOperand* list, const std::vector<uint32_t>& offs,
                        const std::vector<uint32_t>& sizes, std::vector<CallInfo::Copy>* out) -> Status {
        size_t n = list ? list->elems.size() : 0;
        if (n != offs.size()) return LineError(line_, "call argument count mismatch for '" + callee.name + "'");
        for (size_t k = 0; k < n; ++k) {
          const Binding* b = Lookup(list->elems[k].name);
          if (!b || b->kind != Binding::Kind::kFuncParam)
            return Status(Code::kNotSupported, "call arguments must be .param variables");
          out->push_back({b->index, offs[k], std::min(sizes[k], b->count)});
        }
        return Status::Ok();
      };
      VGPU_RETURN_IF_ERROR(copies(args, callee.param_offsets, callee.param_sizes, &ci.args));
      VGPU_RETURN_IF_ERROR(copies(rets, callee.ret_offsets, callee.ret_sizes, &ci.rets));
      in.op = Op::kCall;
      in.imm = static_cast<int64_t>(m_.data->calls.size());
      m_.data->calls.push_back(std::move(ci));
      if (std::find(fn_.callees.begin(), fn_.callees.end(), fb->index) == fn_.callees.end())
        fn_.callees.push_back(fb->index);
      push(in);
      return true;
    }
    if (op == "ret" || op == "exit" || op == "trap") {
      in.op = op == "ret" ? Op::kRet : op == "exit" ? Op::kExit : Op::kTrap;
      push(in);
      return true;
    }
    if (op == "bar" || op == "barrier") {
      bool warp = mods.Take(".warp");
      if (warp) {
        VGPU_RETURN_IF_ERROR(NeedOps(a, 1, 1));
        in.op = Op::kWarpSync;
        ASSIGN_OR_RETURN(in.b, Src(a.ops[0], Type::kB32));
        push(in);
        return true;
      }
      if (mods.Take(".red")) {
        in.op = Op::kBarRed;
        if (mods.Take(".popc")) in.mod = 0;
        else if (mods.Take(".and")) in.mod = 1;
        else if (mods.Take(".or")) in.mod = 2;
        else return false;
        VGPU_RETURN_IF_ERROR(NeedOps(a, 3, 4));
        ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
        ASSIGN_OR_RETURN(in.a, Src(a.ops[1], Type::kU32));
        if (a.ops.size() == 4) {
          in.flags |= kHasCount;
          ASSIGN_OR_RETURN(in.b, Src(a.ops[2], Type::kU32));
        }
        const AstOperand& p = a.ops.back();
        ASSIGN_OR_RETURN(in.c, Src(p, Type::kPred));
        if (p.negated) in.flags |= kNegC;
        push(in);
        return true;
      }
      in.op = mods.Take(".arrive") ? Op::kBarArrive : Op::kBar;
      mods.Take(".sync");
      VGPU_RETURN_IF_ERROR(NeedOps(a, 1, 2));
      ASSIGN_OR_RETURN(in.a, Src(a.ops[0], Type::kU32));
      if (a.ops.size() == 2) {
        in.flags |= kHasCount;
        ASSIGN_OR_RETURN(in.b, Src(a.ops[1], Type::kU32));
      }
      push(in);
      return true;
    }
    if (op == "ldmatrix") {
      // ldmatrix.sync.aligned.m8n8.x{1,2,4}[.trans][.shared].b16 {d...}, [addr]
      in.op = Op::kLdmatrix;
      mods.Take(".sync");
      mods.Take(".aligned");
      if (!mods.Take(".m8n8")) return false;
      uint32_t count = mods.Take(".x1") ? 1 : mods.Take(".x2") ? 2 : mods.Take(".x4") ? 4 : 0;
      if (count == 0) return false;
      if (mods.Take(".trans")) in.flags |= kWide;
      in.mod2 = static_cast<uint8_t>(mods.Take(".shared") || mods.Take(".shared::cta") ? Mem::kShared : Mem::kGeneric);
      if (!mods.Take(".b16")) return false;
      VGPU_RETURN_IF_ERROR(NeedOps(a, 2, 2));
      const AstOperand& dst = a.ops[0];
      if (dst.kind == AstOperand::Kind::kVector) {
        if (dst.elems.size() != count) return false;
        for (size_t i = 0; i < count; ++i) ASSIGN_OR_RETURN(in.v[i], Dst(dst.elems[i]));
      } else {
        if (count != 1) return false;
        ASSIGN_OR_RETURN(in.v[0], Dst(dst));
      }
      in.vec = static_cast<uint8_t>(count);
      Mem mem = static_cast<Mem>(in.mod2);
      VGPU_RETURN_IF_ERROR(Addr(a.ops[1], &mem, &in.a, &in.imm));
      in.mod2 = static_cast<uint8_t>(mem);
      push(in);
      return true;
    }
    if (op == "movmatrix") {
      // movmatrix.sync.aligned.m8n8.trans.b16 d, a: transposes the 8x8 matrix
      // the warp holds in ldmatrix's fragment layout.
      mods.Take(".sync");
      mods.Take(".aligned");
      if (!mods.Take(".m8n8") || !mods.Take(".trans") || !mods.Take(".b16")) return false;
      VGPU_RETURN_IF_ERROR(NeedOps(a, 2, 2));
      in.op = Op::kMovmatrix;
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      ASSIGN_OR_RETURN(in.a, Src(a.ops[1], Type::kB32));
      push(in);
      return true;
    }
    if (op == "mma") {
      // mma.sync.aligned.<shape>.row.col[.satfinite].<d>.<a>.<b>.<c> {d}, {a}, {b}, {c}
      mods.Take(".sync");
      mods.Take(".aligned");
      mods.Take(".row");
      mods.Take(".col");
      MmaForm form;
      bool shaped = false;
      for (std::string_view s : {".m16n8k16", ".m16n8k8", ".m16n8k4", ".m16n8k32", ".m8n8k16"})
        if (mods.Take(s)) shaped = ParseMmaShape(s, &form.shape);
      if (!shaped) return false;
      form.saturate = mods.Take(".satfinite");
      // Types in order d, a, b, c; tf32 is not a register type, so it is
      // taken by name (both operands are tf32 when it appears).
      std::vector<Type> types = mods.types();
      if (mods.Take(".tf32")) {
        mods.Take(".tf32");
        if (types.size() != 2) return false;
        form.d = types[0];
        form.a = form.b = Type::kB32;
        form.c = types[1];
      } else {
        if (types.size() != 4) return false;
        form.d = types[0];
        form.a = types[1];
        form.b = types[2];
        form.c = types[3];
      }
      MmaCounts counts;
      if (!CountMmaRegisters(form, &counts)) return false;
      VGPU_RETURN_IF_ERROR(NeedOps(a, 4, 4));
      const uint32_t want[4] = {counts.d, counts.a, counts.b, counts.c};
      in.op = Op::kMma;
      in.imm = static_cast<int64_t>(m_.data->operand_lists.size());
      for (int o = 0; o < 4; ++o) {
        const AstOperand& list = a.ops[o];
        std::vector<AstOperand> single;
        const std::vector<AstOperand>* elems = &list.elems;
        if (list.kind != AstOperand::Kind::kVector) {
          single.push_back(list);
          elems = &single;
        }
        if (elems->size() != want[o]) return false;
        for (const AstOperand& e : *elems) {
          uint32_t reg;
          if (o == 0) {
            ASSIGN_OR_RETURN(reg, Dst(e));
          } else {
            ASSIGN_OR_RETURN(reg, Src(e, Type::kB32));
          }
          m_.data->operand_lists.push_back(reg);
        }
      }
      in.v[0] = static_cast<uint32_t>(m_.data->mma_forms.size());
      m_.data->mma_forms.push_back(form);
      push(in);
      return true;
    }
    if (op == "cp") {
      if (!mods.Take(".async")) return false;
      // Copies run at once, so commit_group and wait_group/wait_all have nothing to wait for.
      if (mods.Take(".commit_group") || mods.Take(".wait_group") || mods.Take(".wait_all")) {
        in.op = Op::kNop;
        push(in);
        return true;
      }
      // cp.async.{ca,cg}.shared{::cta}.global[.L2::cache_hint][.L2::NB] [dst], [src], cp-size[, src-size][, policy]
      if (!mods.Take(".ca") && !mods.Take(".cg")) return false;
      if (!mods.Take(".shared") && !mods.Take(".shared::cta")) return false;
      if (!mods.Take(".global")) return false;
      bool hint = mods.Take(".L2::cache_hint");
      for (std::string_view s : {".L2::64B", ".L2::128B", ".L2::256B"}) mods.Take(s);
      VGPU_RETURN_IF_ERROR(NeedOps(a, 3, 5));
      in.op = Op::kCpAsync;
      Mem dst_mem = Mem::kShared, src_mem = Mem::kGlobal;
      VGPU_RETURN_IF_ERROR(Addr(a.ops[0], &dst_mem, &in.a, &in.imm));
      int64_t src_imm = 0;
      VGPU_RETURN_IF_ERROR(Addr(a.ops[1], &src_mem, &in.b, &src_imm));
      if (src_imm != static_cast<int32_t>(src_imm)) return false;
      in.v[0] = static_cast<uint32_t>(static_cast<int32_t>(src_imm));
      if (a.ops[2].kind != AstOperand::Kind::kInt) return false;
      int64_t size = a.ops[2].value;
      if (size != 4 && size != 8 && size != 16) return false;
      in.vec = static_cast<uint8_t>(size);
      size_t rest = a.ops.size() - 3 - (hint ? 1 : 0);
      if (rest > 1) return false;
      if (rest == 1) ASSIGN_OR_RETURN(in.c, Src(a.ops[3], Type::kU32));  // src-size: the rest is zero-filled
      push(in);
      return true;
    }
    if (op == "shfl") {
      in.op = Op::kShfl;
      if (mods.Take(".up")) in.mod = static_cast<uint8_t>(ShflMode::kUp);
      else if (mods.Take(".down")) in.mod = static_cast<uint8_t>(ShflMode::kDown);
      else if (mods.Take(".bfly")) in.mod = static_cast<uint8_t>(ShflMode::kBfly);
      else if (mods.Take(".idx")) in.mod = static_cast<uint8_t>(ShflMode::kIdx);
      else return false;
      VGPU_RETURN_IF_ERROR(NeedOps(a, 4, 5));
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      if (!a.ops[0].pair.empty()) {
        AstOperand p;
        p.name = a.ops[0].pair;
        ASSIGN_OR_RETURN(in.d2, Dst(p));
      }
      ASSIGN_OR_RETURN(in.a, Src(a.ops[1], Type::kB32));
      ASSIGN_OR_RETURN(in.b, Src(a.ops[2], Type::kB32));
      ASSIGN_OR_RETURN(in.c, Src(a.ops[3], Type::kB32));
      if (a.ops.size() == 5) ASSIGN_OR_RETURN(in.e, Src(a.ops[4], Type::kB32));
      push(in);
      return true;
    }
    if (op == "vote") {
      in.op = Op::kVote;
      if (mods.Take(".all")) in.mod = static_cast<uint8_t>(VoteMode::kAll);
      else if (mods.Take(".any")) in.mod = static_cast<uint8_t>(VoteMode::kAny);
      else if (mods.Take(".uni")) in.mod = static_cast<uint8_t>(VoteMode::kUni);
      else if (mods.Take(".ballot")) in.mod = static_cast<uint8_t>(VoteMode::kBallot);
      else return false;
      VGPU_RETURN_IF_ERROR(NeedOps(a, 2, 3));
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      ASSIGN_OR_RETURN(in.a, Src(a.ops[1], Type::kPred));
      if (a.ops[1].negated) in.flags |= kNegA;
      if (a.ops.size() == 3) ASSIGN_OR_RETURN(in.e, Src(a.ops[2], Type::kB32));
      push(in);
      return true;
    }
    if (op == "match") {
      in.op = Op::kMatch;
      if (mods.Take(".any")) in.mod = 0;
      else if (mods.Take(".all")) in.mod = 1;
      else return false;
      VGPU_RETURN_IF_ERROR(NeedOps(a, 3, 3));
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      if (!a.ops[0].pair.empty()) {
        AstOperand p;
        p.name = a.ops[0].pair;
        ASSIGN_OR_RETURN(in.d2, Dst(p));
      }
      ASSIGN_OR_RETURN(in.a, Src(a.ops[1], t));
      ASSIGN_OR_RETURN(in.e, Src(a.ops[2], Type::kB32));
      push(in);
      return true;
    }
    if (op == "activemask") {
      VGPU_RETURN_IF_ERROR(NeedOps(a, 1, 1));
      in.op = Op::kActivemask;
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      push(in);
      return true;
    }
    if (op == "createpolicy") {  // cache policies do not change results
      VGPU_RETURN_IF_ERROR(NeedOps(a, 2, 4));
      for (std::string_view m : {".fractional", ".range", ".global", ".L2::evict_last", ".L2::evict_normal",
                                 ".L2::evict_first", ".L2::evict_unchanged"})
        mods.Take(m);
      in.op = Op::kMov;
      ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
      in.a = Const(ConstSlot::Kind::kLiteral, 0, 0);
      push(in);
      return true;
    }
    if (op == "discard" || op == "applypriority") {
      in.op = Op::kNop;
      mods.Take(".global");
      mods.Take(".L2");
      push(in);
      return true;
    }
    if (op == "membar" || op == "fence" || op == "nanosleep" || op == "pmevent" || op == "prefetch" ||
        op == "prefetchu") {
      for (std::string_view m : {".gl", ".sys", ".cta", ".sc", ".acq_rel", ".gpu", ".L1", ".L2", ".global", ".local"})
        mods.Take(m);
      if (mods.Take(".proxy") || mods.Take(".async")) return false;
      in.op = Op::kNop;
      push(in);
      return true;
    }
    return false;
  }

  ModuleCtx& m_;
  uint32_t fi_;
  Function& fn_;
  const AstFunction& ast_;
  std::vector<std::unordered_map<std::string_view, Binding>> scopes_;
  std::unordered_map<std::string_view, uint32_t> labels_;
  std::vector<std::pair<uint32_t, std::string_view>> fixups_;
  std::map<std::tuple<int, uint32_t, uint64_t>, uint32_t> consts_;
  Binding scratch_;
  uint32_t sink_ = kNoReg;
  uint32_t line_ = 0;
  uint32_t guard_ = kNoReg;
  bool guard_neg_ = false;
};

// Reachable functions, and whether any call chain is recursive.
void Reach(const ModuleData& d, uint32_t f, std::vector<uint8_t>& state, std::vector<uint32_t>& order,
           bool* recursive) {
  state[f] = 1;  // on stack
  order.push_back(f);
  for (uint32_t c : d.funcs[f].callees) {
    if (state[c] == 1) *recursive = true;
    else if (state[c] == 0) Reach(d, c, state, order, recursive);
  }
  state[f] = 2;
}

}  // namespace

Result<std::shared_ptr<const Module>> ModuleBuilder::Build(std::string_view ptx) {
  VGPU_ASSIGN_OR_RETURN(AstModule ast, ParseAst(ptx));
  auto module = std::make_shared<Module>();
  Module& mod = *module;
  ModuleData& data = *mod.data_;
  mod.ptx_version_ = ast.version;
  mod.target_sm_ = ast.target_sm;
  ModuleCtx ctx{&mod, &data, {}, {}, {}, {}};

  for (const AstVar& v : ast.vars) {
    if (v.space == ".shared") {
      SharedSymbol s;
      s.name = std::string(v.name);
      s.size = v.Bytes();
      s.align = std::max<uint32_t>(1, v.Align());
      s.dynamic = v.external || (v.is_array && v.elements == 0);
      ctx.shared[v.name] = static_cast<uint32_t>(data.shared.size());
      data.shared.push_back(std::move(s));
      continue;
    }
    Global g;
    g.name = std::string(v.name);
    g.space = v.space == ".const" ? Space::kConst : Space::kGlobal;
    g.size = v.Bytes();
    g.align = std::max<uint32_t>(1, v.Align());
    if (g.size > (uint64_t{1} << 32)) return LineError(v.line, "variable too large");
    g.init = v.init;
    g.init.resize(g.size, 0);
    if (ctx.globals.count(v.name)) return LineError(v.line, "duplicate variable '" + g.name + "'");
    ctx.globals[v.name] = static_cast<uint32_t>(mod.globals_.size());
    mod.globals_.push_back(std::move(g));
  }

  // Register every function first (calls may precede definitions); a definition replaces a
  // prototype of the same name.
  std::vector<int32_t> ast_to_func(ast.funcs.size(), -1);
  for (size_t i = 0; i < ast.funcs.size(); ++i) {
    const AstFunction& af = ast.funcs[i];
    auto it = ctx.funcs.find(af.name);
    uint32_t idx;
    if (it == ctx.funcs.end()) {
      idx = static_cast<uint32_t>(data.funcs.size());
      if (idx >= 65535) return LineError(af.line, "too many functions");
      data.funcs.emplace_back();
      ctx.funcs[af.name] = idx;
    } else {
      idx = it->second;
      if (data.funcs[idx].has_body && af.has_body) return LineError(af.line, "duplicate function '" + std::string(af.name) + "'");
    }
    Function& f = data.funcs[idx];
    f.name = std::string(af.name);
    f.is_entry = af.is_entry;
    if (af.has_body || !f.has_body) {
      f.has_body = af.has_body;
      // Formal layout is needed by callers before the body is decoded.
      f.param_bytes = 0;
      f.param_offsets.clear();
      f.ret_offsets.clear();
      f.param_sizes.clear();
      f.ret_sizes.clear();
      if (!f.is_entry) {
        auto alloc = [&f](const AstVar& p) {
          uint32_t align = std::max<uint32_t>(1, p.Align());
          uint32_t off = (f.param_bytes + align - 1) / align * align;
          f.param_bytes = off + static_cast<uint32_t>(p.Bytes());
          return off;
        };
        for (const AstVar& p : af.rets) {
          f.ret_offsets.push_back(alloc(p));
          f.ret_sizes.push_back(static_cast<uint32_t>(p.Bytes()));
        }
        for (const AstVar& p : af.params) {
          f.param_offsets.push_back(alloc(p));
          f.param_sizes.push_back(static_cast<uint32_t>(p.Bytes()));
        }
      }
    }
    if (af.has_body) ast_to_func[i] = static_cast<int32_t>(idx);
  }
  for (size_t i = 0; i < ast.funcs.size(); ++i) {
    if (ast_to_func[i] < 0) continue;
    Function& f = data.funcs[ast_to_func[i]];
    f.param_bytes = 0;
    f.param_offsets.clear();
    f.ret_offsets.clear();
    f.param_sizes.clear();
    f.ret_sizes.clear();
    FunctionDecoder dec(ctx, static_cast<uint32_t>(ast_to_func[i]), ast.funcs[i]);
    VGPU_RETURN_IF_ERROR(dec.Run());
  }

  // Kernels: parameter layout as the driver packs it, and per-kernel placement.
  for (size_t i = 0; i < ast.funcs.size(); ++i) {
    const AstFunction& af = ast.funcs[i];
    if (!af.is_entry || !af.has_body) continue;
    uint32_t fidx = static_cast<uint32_t>(ast_to_func[i]);
    Kernel k;
    k.name = std::string(af.name);
    uint32_t off = 0;
    for (const AstVar& p : af.params) {
      uint32_t align = std::max<uint32_t>(1, p.Align());
      off = (off + align - 1) / align * align;
      k.params.push_back({std::string(p.name), off, static_cast<uint32_t>(p.Bytes()), align});
      off += static_cast<uint32_t>(p.Bytes());
    }
    k.param_bytes = off;
    if (af.maxntid) k.max_threads_per_block = af.maxntid;

    KernelLayout lay;
    lay.function = fidx;
    std::vector<uint8_t> state(data.funcs.size(), 0);
    Reach(data, fidx, state, lay.reachable, &lay.recursive);
    size_t nf = data.funcs.size();
    lay.reg_base.assign(nf, 0);
    lay.local_base.assign(nf, 0);
    lay.param_base.assign(nf, 0);
    std::vector<uint8_t> reachable(nf, 0);
    for (uint32_t f : lay.reachable) {
      const Function& fn = data.funcs[f];
      reachable[f] = 1;
      lay.reg_base[f] = lay.total_regs;
      lay.total_regs += fn.num_regs;
      uint32_t la = std::max<uint32_t>(fn.local_align, 1);
      lay.local_bytes = (lay.local_bytes + la - 1) / la * la;
      lay.local_base[f] = lay.local_bytes;
      lay.local_bytes += fn.local_bytes;
      lay.param_frame_bytes = (lay.param_frame_bytes + 15) / 16 * 16;
      lay.param_base[f] = lay.param_frame_bytes;
      lay.param_frame_bytes += fn.param_bytes;
    }
    lay.local_bytes = (lay.local_bytes + 15) / 16 * 16;
    lay.shared_offset.assign(data.shared.size(), 0);
    uint32_t shared = 0;
    for (size_t s = 0; s < data.shared.size(); ++s) {
      const SharedSymbol& sym = data.shared[s];
      if (sym.dynamic) continue;
      if (sym.owner >= 0 && !reachable[sym.owner]) continue;
      uint64_t a = sym.align;
      uint64_t o = (shared + a - 1) / a * a;
      if (o + sym.size > (uint64_t{1} << 31)) return InvalidImage("shared memory too large in " + k.name);
      lay.shared_offset[s] = static_cast<uint32_t>(o);
      shared = static_cast<uint32_t>(o + sym.size);
    }
    lay.static_shared_bytes = shared;
    uint32_t dyn = (shared + 15) / 16 * 16;
    for (size_t s = 0; s < data.shared.size(); ++s)
      if (data.shared[s].dynamic) lay.shared_offset[s] = dyn;
    k.static_shared_bytes = shared;
    k.local_bytes_per_thread = lay.local_bytes;
    k.num_regs = std::min<uint32_t>(255, std::max<uint32_t>(16, lay.total_regs));
    data.kernel_index[k.name] = static_cast<uint32_t>(mod.kernels_.size());
    mod.kernels_.push_back(std::move(k));
    data.layouts.push_back(std::move(lay));
  }
  return std::shared_ptr<const Module>(std::move(module));
}

}  // namespace vgpu::ptx
