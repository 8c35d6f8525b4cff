#include "server/backends/emu/ptx/declarations.h"

#include "server/backends/emu/ptx/ast.h"
#include "server/backends/emu/ptx/parser.h"

namespace vgpu::ptx {

Result<Declarations> ListDeclarations(std::string_view ptx) {
  VGPU_ASSIGN_OR_RETURN(AstModule ast, ParseAst(ptx));
  Declarations out;
  for (const AstVar& v : ast.vars)
    if ((v.space == ".global" || v.space == ".const") && !v.external) out.globals.emplace_back(v.name);
  for (const AstFunction& f : ast.funcs)
    if (f.is_entry && f.has_body) out.entries.emplace_back(f.name);
  return out;
}

}  // namespace vgpu::ptx
