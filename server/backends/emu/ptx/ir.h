// Decoded form of a module: every function lowered once into compact Instr records that the
// executor runs with one switch (decode once, run many). Immediates and symbol addresses
// become "constant registers" filled when a warp starts, so every operand is a register.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/backends/emu/ptx/mma.h"
#include "server/backends/emu/ptx/ptx.h"
#include "server/backends/emu/ptx/types.h"

namespace vgpu::ptx {

// Interpreter operations and the family that executes each, from opcodes.def.
enum class Op : uint16_t {
#define VGPU_OP(name, family) k##name,
#include "server/backends/emu/ptx/opcodes.def"
};

enum class Family : uint8_t { kMove, kInt, kFloat, kCompare, kConvert, kMemory, kAtomic, kControl, kWarp, kMma };

inline constexpr Family kOpFamily[] = {
#define VGPU_OP(name, family) Family::family,
#include "server/backends/emu/ptx/opcodes.def"
};

inline constexpr Family OpFamily(Op op) { return kOpFamily[static_cast<size_t>(op)]; }

enum class Special : uint8_t {
  kTidX, kTidY, kTidZ, kNtidX, kNtidY, kNtidZ, kCtaidX, kCtaidY, kCtaidZ, kNctaidX, kNctaidY, kNctaidZ,
  kLaneId, kWarpId, kNWarpId, kSmId, kNSmId, kGridId, kClock, kClock64, kGlobalTimer,
  kLanemaskEq, kLanemaskLe, kLanemaskLt, kLanemaskGe, kLanemaskGt, kDynSmem, kTotalSmem,
};

// State spaces of ld/st/atom/cvta.
enum class Mem : uint8_t { kGeneric, kGlobal, kConst, kShared, kLocal, kKernelParam, kFuncParam };

enum Rounding : uint8_t { kRnd, kRn, kRz, kRm, kRp, kRni, kRzi, kRmi, kRpi, kRna };

enum class Cmp : uint8_t {
  kEq, kNe, kLt, kLe, kGt, kGe, kLo, kLs, kHi, kHs,
  kEqu, kNeu, kLtu, kLeu, kGtu, kGeu, kNum, kNan,
};
enum class BoolOp : uint8_t { kNone, kAnd, kOr, kXor };
enum class AtomOp : uint8_t { kAdd, kMin, kMax, kExch, kCas, kAnd, kOr, kXor, kInc, kDec };
enum class ShflMode : uint8_t { kUp, kDown, kBfly, kIdx };
enum class VoteMode : uint8_t { kAll, kAny, kUni, kBallot };

enum InstrFlags : uint16_t {
  kFtz = 1 << 0,
  kSat = 1 << 1,
  kGuardNeg = 1 << 2,
  kCarryIn = 1 << 3,
  kCarryOut = 1 << 4,
  kNegA = 1 << 5,   // !%p source (setp's c, selp's c, vote's a)
  kNegC = 1 << 6,
  kHasCount = 1 << 7,  // bar with a thread count
  kWide = 1 << 8,   // shift/bfe clamps, misc
  kAbsMod = 1 << 9,
};

inline constexpr uint32_t kNoReg = 0xFFFFFFFFu;

struct Instr {
  Op op = Op::kNop;
  Type type = Type::kNone;   // operation type
  Type type2 = Type::kNone;  // cvt source type, setp compare type, etc.
  uint8_t mod = 0;           // Cmp, AtomOp, ShflMode, VoteMode, Special, ...
  uint8_t mod2 = 0;          // BoolOp for setp, Mem for ld/st/atom/cvta
  uint8_t rnd = kRnd;
  uint8_t vec = 1;           // ld/st vector width
  uint16_t flags = 0;
  uint16_t func = 0;         // owning function
  uint32_t guard = kNoReg;   // predicate register
  uint32_t d = kNoReg, d2 = kNoReg;
  uint32_t a = kNoReg, b = kNoReg, c = kNoReg, e = kNoReg;
  uint32_t v[4] = {kNoReg, kNoReg, kNoReg, kNoReg};  // vector elements of ld/st
  int64_t imm = 0;           // address offset, branch target, call index, unsupported text index
  uint32_t line = 0;
  uint32_t text = 0;         // ModuleData::texts index of the PTX opcode, for messages
};

// Where a constant register's value comes from, resolved when a launch starts.
struct ConstSlot {
  enum class Kind : uint8_t { kLiteral, kGlobal, kShared, kLocal, kKernelParam };
  Kind kind = Kind::kLiteral;
  uint32_t reg = 0;      // function-relative register
  uint32_t symbol = 0;   // global index / shared symbol index
  uint64_t value = 0;    // literal, or byte offset added to the symbol's address
};

struct SharedSymbol {
  std::string name;
  uint64_t size = 0;
  uint32_t align = 1;
  int32_t owner = -1;     // function index, -1 for module scope
  bool dynamic = false;   // extern .shared x[]: starts after the static ones
};

struct CallInfo {
  uint32_t callee = 0;
  struct Copy {
    uint32_t caller_off, callee_off, size;
  };
  std::vector<Copy> args;  // caller param frame -> callee param frame, at the call
  std::vector<Copy> rets;  // callee param frame -> caller param frame, at the return
};

struct Function {
  std::string name;
  bool is_entry = false;
  bool has_body = false;
  uint32_t entry_pc = 0;
  uint32_t end_pc = 0;
  uint32_t num_regs = 0;       // declared + temporaries + constants
  uint32_t cc_reg = kNoReg;    // carry flag of add.cc / addc
  uint32_t local_bytes = 0;    // .local frame
  uint32_t local_align = 1;
  uint32_t param_bytes = 0;    // .func param/retval frame (+ call-site .param scratch)
  std::vector<ConstSlot> consts;
  std::vector<uint32_t> callees;
  // Formal parameter and return value offsets inside this function's param frame.
  std::vector<uint32_t> param_offsets, ret_offsets;
  std::vector<uint32_t> param_sizes, ret_sizes;
};

// Per-kernel placement of every reachable function's registers, locals and params.
struct KernelLayout {
  uint32_t function = 0;
  std::vector<uint32_t> reachable;  // function indices, the kernel first
  std::vector<uint32_t> reg_base, local_base, param_base;  // indexed by function
  std::vector<uint32_t> shared_offset;                     // indexed by shared symbol
  uint32_t total_regs = 0;
  uint32_t local_bytes = 0;
  uint32_t param_frame_bytes = 0;
  uint32_t static_shared_bytes = 0;  // dynamic shared starts here (aligned to 16)
  bool recursive = false;
};

struct ModuleData {
  std::vector<Instr> code;
  std::vector<Function> funcs;
  std::vector<SharedSymbol> shared;
  std::vector<CallInfo> calls;
  std::vector<std::string> texts;  // distinct opcode texts (Instr::text)
  // Operands of instructions with more registers than Instr holds (mma):
  // Instr::imm indexes the first; the instruction's form says how many.
  std::vector<uint32_t> operand_lists;
  std::vector<MmaForm> mma_forms;  // Instr::v[0] of an mma indexes this
  std::vector<KernelLayout> layouts;  // parallel to Module::kernels()
  std::unordered_map<std::string, uint32_t> kernel_index;
};

}  // namespace vgpu::ptx
