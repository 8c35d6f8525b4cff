// Decoders of data movement, integer, float, compare and convert mnemonics.
#include <algorithm>
#include <string_view>
#include <vector>

#include "server/backends/emu/ptx/function_decoder.h"

namespace vgpu::ptx {

Result<bool> FunctionDecoder::DecodeMov(const AstInstr& a, Mods&, Instr& in, const OpcodeInfo&) {
  const Type t = in.type;
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
  Push(in);
  return true;
}

// Integer and float arithmetic with info.srcs sources of the instruction type.
Result<bool> FunctionDecoder::DecodeArith(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info) {
  const std::string_view op = mods.base();
  const Type t = in.type;
  VGPU_RETURN_IF_ERROR(NeedOps(a, 1 + info.srcs, 1 + info.srcs));
  in.op = info.op;
  CommonFloat(mods, in);
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
  if (info.srcs > 1) ASSIGN_OR_RETURN(in.b, Src(a.ops[2], t));
  if (info.srcs > 2) ASSIGN_OR_RETURN(in.c, Src(a.ops[3], t));
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeMulMad(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  const std::string_view op = mods.base();
  const Type t = in.type;
  bool mad = op[1] == 'a';
  VGPU_RETURN_IF_ERROR(NeedOps(a, mad ? 4 : 3, mad ? 4 : 3));
  CommonFloat(mods, in);
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
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeShift(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  const std::string_view op = mods.base();
  const Type t = in.type;
  VGPU_RETURN_IF_ERROR(NeedOps(a, 3, 3));
  in.op = op == "shl" ? Op::kShl : Op::kShr;
  ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
  ASSIGN_OR_RETURN(in.a, Src(a.ops[1], t));
  ASSIGN_OR_RETURN(in.b, Src(a.ops[2], Type::kU32));
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeBitField(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  const std::string_view op = mods.base();
  const Type t = in.type;
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
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodePrmt(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  const Type t = in.type;
  VGPU_RETURN_IF_ERROR(NeedOps(a, 4, 4));
  in.op = Op::kPrmt;
  for (std::string_view m : {".f4e", ".b4e", ".rc8", ".ecl", ".ecr", ".rc16"})
    if (mods.Take(m)) return false;
  ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
  ASSIGN_OR_RETURN(in.a, Src(a.ops[1], t));
  ASSIGN_OR_RETURN(in.b, Src(a.ops[2], t));
  ASSIGN_OR_RETURN(in.c, Src(a.ops[3], t));
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeShf(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
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
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeLop3(const AstInstr& a, Mods&, Instr& in, const OpcodeInfo&) {
  const Type t = in.type;
  if (a.ops.size() != 5 || a.ops[4].kind != AstOperand::Kind::kInt || !a.ops[0].pair.empty()) return false;
  in.op = Op::kLop3;
  in.imm = a.ops[4].value & 0xFF;
  ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
  ASSIGN_OR_RETURN(in.a, Src(a.ops[1], t));
  ASSIGN_OR_RETURN(in.b, Src(a.ops[2], t));
  ASSIGN_OR_RETURN(in.c, Src(a.ops[3], t));
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeDot(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  const std::string_view op = mods.base();
  in.op = op == "dp4a" ? Op::kDp4a : Op::kDp2a;
  if (op == "dp2a") return false;
  VGPU_RETURN_IF_ERROR(NeedOps(a, 4, 4));
  in.type2 = mods.type(1);
  ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
  ASSIGN_OR_RETURN(in.a, Src(a.ops[1], Type::kB32));
  ASSIGN_OR_RETURN(in.b, Src(a.ops[2], Type::kB32));
  ASSIGN_OR_RETURN(in.c, Src(a.ops[3], Type::kB32));
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeTestp(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  const Type t = in.type;
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
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeSetp(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  const std::string_view op = mods.base();
  const Type t = in.type;
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
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeSelp(const AstInstr& a, Mods&, Instr& in, const OpcodeInfo&) {
  const Type t = in.type;
  VGPU_RETURN_IF_ERROR(NeedOps(a, 4, 4));
  in.op = Op::kSelp;
  ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
  ASSIGN_OR_RETURN(in.a, Src(a.ops[1], t));
  ASSIGN_OR_RETURN(in.b, Src(a.ops[2], t));
  ASSIGN_OR_RETURN(in.c, Src(a.ops[3], Type::kPred));
  if (a.ops[3].negated) in.flags |= kNegC;
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeSlct(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  const Type t = in.type;
  VGPU_RETURN_IF_ERROR(NeedOps(a, 4, 4));
  in.op = Op::kSlct;
  if (mods.Take(".ftz")) in.flags |= kFtz;
  in.type2 = mods.type(1);
  ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
  ASSIGN_OR_RETURN(in.a, Src(a.ops[1], t));
  ASSIGN_OR_RETURN(in.b, Src(a.ops[2], t));
  ASSIGN_OR_RETURN(in.c, Src(a.ops[3], in.type2));
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeCvt(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  const Type t = in.type;
  // fp8 pairs are not register types: decode_coverage.cpp.
  if (a.opcode.find("m3x2") != std::string_view::npos || a.opcode.find("m2x2") != std::string_view::npos)
    return DecodeCvtFp8(a, mods, in);
  VGPU_RETURN_IF_ERROR(NeedOps(a, 2, 3));
  in.op = Op::kCvt;
  CommonFloat(mods, in);
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
  Push(in);
  return true;
}

}  // namespace vgpu::ptx
