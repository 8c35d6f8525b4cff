// Internals of the decoder (decode*.cpp): lowering one parsed function into Instr records.
// FunctionDecoder::DecodeInstr looks the mnemonic up in the table built from opcodes.def and
// calls its Decode<Name> member (decode_arith.cpp, decode_memory.cpp, decode_control.cpp).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "server/backends/emu/ptx/ast.h"
#include "server/backends/emu/ptx/ir.h"

// Assigns to an existing lvalue; usable as a single statement (unbraced if/for bodies).
#define ASSIGN_OR_RETURN(lhs, expr)                 \
  do {                                              \
    auto assign_result_ = (expr);                   \
    if (!assign_result_.ok()) return assign_result_.status(); \
    lhs = std::move(assign_result_).value();        \
  } while (0)

namespace vgpu::ptx {


struct Binding {
  enum class Kind : uint8_t { kReg, kRegRange, kLocal, kShared, kFuncParam, kKernelParam, kGlobal, kFunc };
  Kind kind = Kind::kReg;
  uint32_t index = 0;  // register / offset / symbol index
  uint32_t count = 0;  // range size; param size
  Type type = Type::kNone;
};

inline bool Ignorable(std::string_view m) {
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

inline Status LineError(uint32_t line, const std::string& msg) {
  return Status(Code::kInvalidImage, "line " + std::to_string(line) + ": " + msg);
}

class FunctionDecoder;
struct OpcodeInfo;
using OpcodeDecoder = Result<bool> (FunctionDecoder::*)(const AstInstr&, Mods&, Instr&, const OpcodeInfo&);

// One VGPU_PTX line of opcodes.def.
struct OpcodeInfo {
  std::string_view name;  // mnemonic, before the first dot
  OpcodeDecoder decode;
  Op op;                  // the operation it usually becomes
  uint8_t srcs;           // source operands, where the decoder uses the count
};

class FunctionDecoder {
 public:
  FunctionDecoder(ModuleCtx& m, uint32_t index, const AstFunction& ast)
      : m_(m), fi_(index), fn_(m.data->funcs[index]), ast_(ast) {}

  Status Run();

  // The opcodes.def entry of a mnemonic, or nullptr.
  static const OpcodeInfo* FindOpcode(std::string_view mnemonic);

 private:
  uint32_t AllocParam(const AstVar& p);
  void Bind(std::string_view name, Binding b) { scopes_.back()[name] = b; }
  Status Declare(const AstVar& v);
  const Binding* Lookup(std::string_view name);
  uint32_t Const(ConstSlot::Kind kind, uint32_t symbol, uint64_t value);
  uint32_t Sink();
  static uint64_t LiteralBits(const AstOperand& op, Type t);
  static bool SpecialId(std::string_view name, Special* out);
  Result<uint32_t> Src(const AstOperand& op, Type t);
  Result<uint32_t> Dst(const AstOperand& op);
  Status Addr(const AstOperand& op, Mem* mem, uint32_t* base, int64_t* imm);
  Instr Base() const;
  uint32_t Text(std::string_view s);
  void Unsupported(std::string_view opcode, std::string_view why);
  static Mem MemSpace(Mods& mods);
  Status DecodeInstr(const AstInstr& a);
  Status NeedOps(const AstInstr& a, size_t lo, size_t hi);
  void Push(const Instr& in) { m_.data->code.push_back(in); }
  // .ftz, .sat and the rounding modifier of a float operation.
  static void CommonFloat(Mods& mods, Instr& in);
  // Returns false when the form is recognised as unsupported.
  Result<bool> DecodeOp(const AstInstr& a, Mods& mods);

  // Decoders named by opcodes.def; false means "a form we do not implement".
  Result<bool> DecodeMov(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeArith(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeMulMad(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeShift(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeBitField(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodePrmt(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeShf(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeLop3(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeDot(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeTestp(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeSetp(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeSelp(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeSlct(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeCvt(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeCvta(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeLdSt(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeAtom(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeCpAsync(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeLdmatrix(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeCreatePolicy(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeCacheHint(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeFence(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeBra(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeCall(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodePlain(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeBar(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeShfl(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeVote(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeMatch(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeActivemask(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeMovmatrix(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeMma(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  // decode_coverage.cpp: what real ggml-cuda PTX needed beyond the above (tools/ptx_coverage).
  Result<bool> DecodeBmsk(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeVideo(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeGridDepControl(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeRedux(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeWmma(const AstInstr& a, Mods& mods, Instr& in, const OpcodeInfo& info);
  Result<bool> DecodeCvtFp8(const AstInstr& a, Mods& mods, Instr& in);
  // Appends a register list operand ({%r1, ...} or one register) of exactly `count` registers
  // to ModuleData::operand_lists.
  Status OperandList(const AstOperand& list, uint32_t count, bool destination);

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

}  // namespace vgpu::ptx
