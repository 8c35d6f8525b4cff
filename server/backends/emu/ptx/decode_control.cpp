// Decoders of control flow, barrier, warp-wide and matrix mnemonics.
#include <algorithm>
#include <string_view>
#include <vector>

#include "server/backends/emu/ptx/function_decoder.h"

namespace vgpu::ptx {

Result<bool> FunctionDecoder::DecodeBra(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  const std::string_view op = mods.base();
  if (op == "brx") return false;
  VGPU_RETURN_IF_ERROR(NeedOps(a, 1, 1));
  in.op = Op::kBra;
  if (a.ops[0].kind != AstOperand::Kind::kName || !labels_.count(a.ops[0].name))
    return LineError(line_, "bra to an unknown label");
  fixups_.push_back({static_cast<uint32_t>(m_.data->code.size()), a.ops[0].name});
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeCall(const AstInstr& a, Mods&, Instr& in, const OpcodeInfo&) {
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
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodePlain(const AstInstr&, Mods&, Instr& in, const OpcodeInfo& info) {
  in.op = info.op;
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeBar(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  bool warp = mods.Take(".warp");
  if (warp) {
    VGPU_RETURN_IF_ERROR(NeedOps(a, 1, 1));
    in.op = Op::kWarpSync;
    ASSIGN_OR_RETURN(in.b, Src(a.ops[0], Type::kB32));
    Push(in);
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
    Push(in);
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
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeShfl(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
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
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeVote(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
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
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeMatch(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  const Type t = in.type;
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
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeActivemask(const AstInstr& a, Mods&, Instr& in, const OpcodeInfo&) {
  VGPU_RETURN_IF_ERROR(NeedOps(a, 1, 1));
  in.op = Op::kActivemask;
  ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeMovmatrix(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  // movmatrix.sync.aligned.m8n8.trans.b16 d, a: transposes the 8x8 matrix
  // the warp holds in ldmatrix's fragment layout.
  mods.Take(".sync");
  mods.Take(".aligned");
  if (!mods.Take(".m8n8") || !mods.Take(".trans") || !mods.Take(".b16")) return false;
  VGPU_RETURN_IF_ERROR(NeedOps(a, 2, 2));
  in.op = Op::kMovmatrix;
  ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
  ASSIGN_OR_RETURN(in.a, Src(a.ops[1], Type::kB32));
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeMma(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  // mma.sync.aligned.<shape>.row.col[.satfinite].<d>.<a>.<b>.<c> {d}, {a}, {b}, {c}
  mods.Take(".sync");
  mods.Take(".aligned");
  MmaForm form;
  // The A and B layouts, in that order: .row.col everywhere but m8n8k4, which has all four.
  const std::string_view text = a.opcode;
  form.a_col = text.find(".col.row") != std::string_view::npos || text.find(".col.col") != std::string_view::npos;
  form.b_row = text.find(".row.row") != std::string_view::npos || text.find(".col.row") != std::string_view::npos;
  for (int i = 0; i < 2; ++i) {
    mods.Take(".row");
    mods.Take(".col");
  }
  bool shaped = false;
  for (std::string_view s : {".m16n8k16", ".m16n8k8", ".m16n8k4", ".m16n8k32", ".m8n8k16", ".m8n8k4"})
    if (mods.Take(s)) shaped = ParseMmaShape(s, &form.shape);
  if (!shaped) return false;
  if (form.shape != MmaShape::kM8N8K4 && (form.a_col || form.b_row)) return false;
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
  Push(in);
  return true;
}

}  // namespace vgpu::ptx
