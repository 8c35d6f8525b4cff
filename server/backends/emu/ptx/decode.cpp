// Lowers an AstModule into ModuleData: one flat instruction vector, functions, constant
// registers, shared symbols, call sites and per-kernel layouts.
#include <algorithm>
#include <string>
#include <vector>

#include "server/backends/emu/ptx/decode.h"
#include "server/backends/emu/ptx/function_decoder.h"
#include "server/backends/emu/ptx/parser.h"

namespace vgpu::ptx {
namespace {

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
