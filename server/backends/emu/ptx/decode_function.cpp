// FunctionDecoder's frame: declarations, names and operands, guards, and the table
// dispatch from a mnemonic to its decoder.
#include <algorithm>
#include <cstring>
#include <vector>

#include "server/backends/emu/ptx/function_decoder.h"
#include "server/backends/emu/ptx/math.h"

namespace vgpu::ptx {

Status FunctionDecoder::Run() {
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

uint32_t FunctionDecoder::AllocParam(const AstVar& p) {
  uint32_t align = std::max<uint32_t>(1, p.Align());
  uint32_t off = (fn_.param_bytes + align - 1) / align * align;
  fn_.param_bytes = off + static_cast<uint32_t>(p.Bytes());
  return off;
}

Status FunctionDecoder::Declare(const AstVar& v) {
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

const Binding* FunctionDecoder::Lookup(std::string_view name) {
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

uint32_t FunctionDecoder::Const(ConstSlot::Kind kind, uint32_t symbol, uint64_t value) {
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

uint32_t FunctionDecoder::Sink() {
  if (sink_ == kNoReg) sink_ = fn_.num_regs++;
  return sink_;
}

// Bits of a literal as an operand of type `t`.
uint64_t FunctionDecoder::LiteralBits(const AstOperand& op, Type t) {
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

bool FunctionDecoder::SpecialId(std::string_view name, Special* out) {
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
Result<uint32_t> FunctionDecoder::Src(const AstOperand& op, Type t) {
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

Result<uint32_t> FunctionDecoder::Dst(const AstOperand& op) {
  if (op.kind != AstOperand::Kind::kName) return LineError(line_, "destination must be a register");
  if (op.name == "_") return Sink();
  const Binding* b = Lookup(op.name);
  if (!b || b->kind != Binding::Kind::kReg)
    return LineError(line_, "unknown register '" + std::string(op.name) + "'");
  return b->index;
}

// [base+offset] -> base register (or kNoReg) + immediate, refining the state space.
Status FunctionDecoder::Addr(const AstOperand& op, Mem* mem, uint32_t* base, int64_t* imm) {
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

Instr FunctionDecoder::Base() const {
  Instr in;
  in.func = static_cast<uint16_t>(fi_);
  in.line = line_;
  in.guard = guard_;
  if (guard_neg_) in.flags |= kGuardNeg;
  return in;
}

uint32_t FunctionDecoder::Text(std::string_view s) {
  auto it = m_.text_index.find(std::string(s));
  if (it != m_.text_index.end()) return it->second;
  uint32_t idx = static_cast<uint32_t>(m_.data->texts.size());
  m_.data->texts.emplace_back(s);
  m_.text_index.emplace(std::string(s), idx);
  return idx;
}

void FunctionDecoder::Unsupported(std::string_view opcode, std::string_view why) {
  Instr in = Base();
  in.op = Op::kUnsupported;
  std::string text(opcode);
  if (!why.empty()) text += " (" + std::string(why) + ")";
  in.text = Text(text);
  in.imm = in.text;
  m_.data->code.push_back(in);
}

Mem FunctionDecoder::MemSpace(Mods& mods) {
  if (mods.Take(".global")) return Mem::kGlobal;
  if (mods.Take(".const")) return Mem::kConst;
  if (mods.Take(".shared") || mods.Take(".shared::cta")) return Mem::kShared;
  if (mods.Take(".local")) return Mem::kLocal;
  if (mods.Take(".param")) return Mem::kKernelParam;  // refined by the address
  return Mem::kGeneric;
}

Status FunctionDecoder::DecodeInstr(const AstInstr& a) {
  line_ = a.line;
  guard_ = kNoReg;
  guard_neg_ = a.guard_negated;
  if (!a.guard.empty()) {
    const Binding* b = Lookup(a.guard);
    if (!b || b->kind != Binding::Kind::kReg) {
      // Without its guard the instruction cannot be run; a kernel that reaches it fails
      // (the guard is not known, so it fails whatever the predicate would have said).
      Unsupported(a.opcode, "unknown predicate '" + std::string(a.guard) + "'");
      return Status::Ok();
    }
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

Status FunctionDecoder::NeedOps(const AstInstr& a, size_t lo, size_t hi) {
  // An operand count we do not expect is most likely a form we do not implement.
  if (a.ops.size() < lo || a.ops.size() > hi)
    return Status(Code::kNotSupported, std::to_string(a.ops.size()) + " operands");
  return Status::Ok();
}

const OpcodeInfo* FunctionDecoder::FindOpcode(std::string_view mnemonic) {
  static const std::vector<OpcodeInfo> table = [] {
    std::vector<OpcodeInfo> t = {
#define VGPU_PTX(text, decoder, op, srcs) {text, &FunctionDecoder::Decode##decoder, Op::k##op, srcs},
#include "server/backends/emu/ptx/opcodes.def"
    };
    std::sort(t.begin(), t.end(), [](const OpcodeInfo& x, const OpcodeInfo& y) { return x.name < y.name; });
    return t;
  }();
  auto it = std::lower_bound(table.begin(), table.end(), mnemonic,
                             [](const OpcodeInfo& e, std::string_view n) { return e.name < n; });
  return it != table.end() && it->name == mnemonic ? &*it : nullptr;
}

void FunctionDecoder::CommonFloat(Mods& mods, Instr& in) {
  if (mods.Take(".ftz")) in.flags |= kFtz;
  if (mods.Take(".sat")) in.flags |= kSat;
  in.rnd = mods.Rounding();
}

Result<bool> FunctionDecoder::DecodeOp(const AstInstr& a, Mods& mods) {
  const OpcodeInfo* info = FindOpcode(mods.base());
  if (!info) return false;
  Instr in = Base();
  in.type = mods.type(0);
  return (this->*info->decode)(a, mods, in, *info);
}

}  // namespace vgpu::ptx
