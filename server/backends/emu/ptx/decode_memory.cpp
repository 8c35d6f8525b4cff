// Decoders of memory mnemonics: cvta, ld/st, atomics, cp.async, ldmatrix, cache hints and fences.
#include <algorithm>
#include <string_view>
#include <vector>

#include "server/backends/emu/ptx/function_decoder.h"

namespace vgpu::ptx {

Result<bool> FunctionDecoder::DecodeCvta(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  const Type t = in.type;
  VGPU_RETURN_IF_ERROR(NeedOps(a, 2, 2));
  bool to = mods.Take(".to");
  Mem mem = MemSpace(mods);
  if (mem == Mem::kGeneric || (mem == Mem::kKernelParam && (to || !fn_.is_entry))) return false;
  in.op = to ? Op::kCvtaFromGeneric : Op::kCvtaToGeneric;
  in.mod2 = static_cast<uint8_t>(mem);
  ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
  ASSIGN_OR_RETURN(in.a, Src(a.ops[1], t));
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeLdSt(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  const std::string_view op = mods.base();
  const Type t = in.type;
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
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeAtom(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  const std::string_view op = mods.base();
  const Type t = in.type;
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
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeCpAsync(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  if (!mods.Take(".async")) return false;
  // Copies run at once, so commit_group and wait_group/wait_all have nothing to wait for.
  if (mods.Take(".commit_group") || mods.Take(".wait_group") || mods.Take(".wait_all")) {
    in.op = Op::kNop;
    Push(in);
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
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeLdmatrix(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
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
  Push(in);
  return true;
}

// Cache policies do not change results: the policy register gets 0.
Result<bool> FunctionDecoder::DecodeCreatePolicy(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  VGPU_RETURN_IF_ERROR(NeedOps(a, 2, 4));
  for (std::string_view m : {".fractional", ".range", ".global", ".L2::evict_last", ".L2::evict_normal",
                             ".L2::evict_first", ".L2::evict_unchanged"})
    mods.Take(m);
  in.op = Op::kMov;
  ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
  in.a = Const(ConstSlot::Kind::kLiteral, 0, 0);
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeCacheHint(const AstInstr&, Mods& mods, Instr& in, const OpcodeInfo&) {
  in.op = Op::kNop;
  mods.Take(".global");
  mods.Take(".L2");
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeFence(const AstInstr&, Mods& mods, Instr& in, const OpcodeInfo&) {
  for (std::string_view m : {".gl", ".sys", ".cta", ".sc", ".acq_rel", ".gpu", ".L1", ".L2", ".global", ".local"})
    mods.Take(m);
  if (mods.Take(".proxy") || mods.Take(".async")) return false;
  in.op = Op::kNop;
  Push(in);
  return true;
}

}  // namespace vgpu::ptx
