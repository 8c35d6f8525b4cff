// Decoders of what real ggml-cuda PTX needs beyond the core set, each found by
// tools/ptx_coverage on node-llama-cpp's CUDA 12 and 13 builds: bmsk, the video shift
// vshr, griddepcontrol, redux.sync, cvt from fp8 pairs, and wmma.
#include <string_view>

#include "server/backends/emu/ptx/coverage_math.h"
#include "server/backends/emu/ptx/function_decoder.h"
#include "server/backends/emu/ptx/wmma.h"

namespace vgpu::ptx {

Status FunctionDecoder::OperandList(const AstOperand& list, uint32_t count, bool destination) {
  std::vector<AstOperand> single;
  const std::vector<AstOperand>* elems = &list.elems;
  if (list.kind != AstOperand::Kind::kVector) {
    single.push_back(list);
    elems = &single;
  }
  if (elems->size() != count) return Status(Code::kNotSupported, std::to_string(elems->size()) + " registers");
  for (const AstOperand& e : *elems) {
    uint32_t reg;
    if (destination) {
      ASSIGN_OR_RETURN(reg, Dst(e));
    } else {
      ASSIGN_OR_RETURN(reg, Src(e, Type::kB32));
    }
    m_.data->operand_lists.push_back(reg);
  }
  return Status::Ok();
}

Result<bool> FunctionDecoder::DecodeBmsk(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  // bmsk.{clamp,wrap}.b32 d, a, b
  VGPU_RETURN_IF_ERROR(NeedOps(a, 3, 3));
  if (in.type != Type::kB32) return false;
  if (mods.Take(".clamp")) in.mod = 1;
  else if (!mods.Take(".wrap")) return false;
  in.op = Op::kBmsk;
  ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
  ASSIGN_OR_RETURN(in.a, Src(a.ops[1], Type::kU32));
  ASSIGN_OR_RETURN(in.b, Src(a.ops[2], Type::kU32));
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeVideo(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  // vshr.u32.u32.u32.{clamp,wrap}{.add,.min,.max} d, a, b{, c}: only the unsigned, unsaturated,
  // unselected form nvcc emits.
  const std::vector<Type>& t = mods.types();
  if (t.size() != 3 || t[0] != Type::kU32 || t[1] != Type::kU32 || t[2] != Type::kU32) return false;
  if (mods.Take(".clamp")) in.mod = 1;
  else if (!mods.Take(".wrap")) return false;
  VideoOp op = VideoOp::kNone;
  if (mods.Take(".add")) op = VideoOp::kAdd;
  else if (mods.Take(".min")) op = VideoOp::kMin;
  else if (mods.Take(".max")) op = VideoOp::kMax;
  in.mod |= static_cast<uint8_t>(static_cast<uint8_t>(op) << 1);
  size_t n = op == VideoOp::kNone ? 3 : 4;
  VGPU_RETURN_IF_ERROR(NeedOps(a, n, n));
  in.op = Op::kVshr;
  ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
  ASSIGN_OR_RETURN(in.a, Src(a.ops[1], Type::kU32));
  ASSIGN_OR_RETURN(in.b, Src(a.ops[2], Type::kU32));
  if (n == 4) ASSIGN_OR_RETURN(in.c, Src(a.ops[3], Type::kU32));
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeGridDepControl(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  VGPU_RETURN_IF_ERROR(NeedOps(a, 0, 0));
  if (!mods.Take(".wait") && !mods.Take(".launch_dependents")) return false;
  in.op = Op::kNop;
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeRedux(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  // redux.sync.{add,min,max}.{u32,s32} / redux.sync.{and,or,xor}.b32 d, a, membermask
  VGPU_RETURN_IF_ERROR(NeedOps(a, 3, 3));
  static constexpr std::pair<std::string_view, ReduxOp> kOps[] = {
      {".add", ReduxOp::kAdd}, {".min", ReduxOp::kMin}, {".max", ReduxOp::kMax},
      {".and", ReduxOp::kAnd}, {".or", ReduxOp::kOr},   {".xor", ReduxOp::kXor}};
  bool found = false;
  for (auto [name, op] : kOps)
    if (!found && mods.Take(name)) {
      in.mod = static_cast<uint8_t>(op);
      found = true;
    }
  if (!found || (in.type != Type::kU32 && in.type != Type::kS32 && in.type != Type::kB32)) return false;
  in.op = Op::kRedux;
  ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
  ASSIGN_OR_RETURN(in.a, Src(a.ops[1], Type::kB32));
  ASSIGN_OR_RETURN(in.e, Src(a.ops[2], Type::kB32));
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeCvtFp8(const AstInstr& a, Mods& mods, Instr& in) {
  // cvt.rn{.relu}.f16x2.{e4m3x2,e5m2x2} d, a (a is .b16: the low byte becomes the low half)
  VGPU_RETURN_IF_ERROR(NeedOps(a, 2, 2));
  if (in.type != Type::kF16x2 || !mods.Take(".rn")) return false;
  if (mods.Take(".e5m2x2")) in.mod = 1;
  else if (!mods.Take(".e4m3x2")) return false;
  if (mods.Take(".relu")) in.mod |= 2;
  in.op = Op::kCvtFp8;
  ASSIGN_OR_RETURN(in.d, Dst(a.ops[0]));
  ASSIGN_OR_RETURN(in.a, Src(a.ops[1], Type::kB16));
  Push(in);
  return true;
}

Result<bool> FunctionDecoder::DecodeWmma(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo&) {
  // wmma.load.{a,b,c}.sync.aligned.{row,col}.shape{.ss}.type  {r...}, [p]{, stride}
  // wmma.store.d.sync.aligned.{row,col}.shape{.ss}.type       [p], {r...}{, stride}
  // wmma.mma.sync.aligned.{row,col}.{row,col}.shape.dtype{.atype.btype}.ctype{.satfinite} d, a, b, c
  const bool load = mods.Take(".load"), store = !load && mods.Take(".store");
  if (!load && !store && !mods.Take(".mma")) return false;
  WmmaShape shape;
  uint32_t shape_index = 0;
  static constexpr std::string_view kShapes[] = {".m16n16k16", ".m32n8k16", ".m8n32k16"};
  bool shaped = false;
  for (uint32_t i = 0; i < 3; ++i)
    if (!shaped && mods.Take(kShapes[i])) {
      shaped = ParseWmmaShape(kShapes[i], &shape);
      shape_index = i;
    }
  if (!shaped) return false;
  in.v[1] = shape_index;
  in.v[0] = static_cast<uint32_t>(m_.data->operand_lists.size());
  if (load || store) {
    WmmaMatrix matrix;
    if (store ? mods.Take(".d") : mods.Take(".c")) matrix = WmmaMatrix::kC;
    else if (load && mods.Take(".a")) matrix = WmmaMatrix::kA;
    else if (load && mods.Take(".b")) matrix = WmmaMatrix::kB;
    else return false;
    bool row = mods.Take(".row");
    if (!row && !mods.Take(".col")) return false;
    const Type t = mods.type(0);
    uint32_t count = WmmaRegisters(matrix, t);
    if (count == 0 || mods.types().size() != 1) return false;
    VGPU_RETURN_IF_ERROR(NeedOps(a, 2, 3));
    Mem mem = MemSpace(mods);
    in.op = load ? Op::kWmmaLoad : Op::kWmmaStore;
    in.type = t;
    in.mod = static_cast<uint8_t>(static_cast<uint8_t>(matrix) | (row ? 0x10 : 0));
    VGPU_RETURN_IF_ERROR(OperandList(a.ops[load ? 0 : 1], count, load));
    VGPU_RETURN_IF_ERROR(Addr(a.ops[load ? 1 : 0], &mem, &in.a, &in.imm));
    in.mod2 = static_cast<uint8_t>(mem);
    if (a.ops.size() == 3) ASSIGN_OR_RETURN(in.b, Src(a.ops[2], Type::kU32));
    Push(in);
    return true;
  }
  // mma: the layouts must match the loads', which already put elements in logical order.
  int layouts = 0;
  for (std::string_view pair : {".row.row", ".row.col", ".col.row", ".col.col"})
    layouts += a.opcode.find(pair) != std::string_view::npos;
  if (layouts != 1) return false;
  for (int i = 0; i < 2; ++i) {
    mods.Take(".row");
    mods.Take(".col");
  }
  const std::vector<Type>& t = mods.types();
  Type ab = Type::kF16, d, c;
  if (t.size() == 2) {
    d = t[0];
    c = t[1];
  } else if (t.size() == 4 && t[1] == t[2] && t[1] == Type::kBF16) {
    d = t[0];
    ab = t[1];
    c = t[3];
  } else {
    return false;
  }
  if (mods.Take(".satfinite")) in.flags |= kSat;
  uint32_t nd = WmmaRegisters(WmmaMatrix::kC, d), nc = WmmaRegisters(WmmaMatrix::kC, c);
  uint32_t nab = WmmaRegisters(WmmaMatrix::kA, ab);
  if (!nd || !nc || !nab) return false;
  VGPU_RETURN_IF_ERROR(NeedOps(a, 4, 4));
  in.op = Op::kWmmaMma;
  in.type = d;
  in.type2 = c;
  in.mod = static_cast<uint8_t>(ab);
  VGPU_RETURN_IF_ERROR(OperandList(a.ops[0], nd, true));
  VGPU_RETURN_IF_ERROR(OperandList(a.ops[1], nab, false));
  VGPU_RETURN_IF_ERROR(OperandList(a.ops[2], nab, false));
  VGPU_RETURN_IF_ERROR(OperandList(a.ops[3], nc, false));
  Push(in);
  return true;
}

}  // namespace vgpu::ptx
