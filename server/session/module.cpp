// Session handlers: modules, launches and function attributes.
#include "server/session/session.h"

#include <set>

#include "common/log.h"
#include "common/utf8.h"
#include "image/cubin.h"
#include "image/fatbin.h"
#include "proto/protocol.h"
#include "server/backends/emu/ptx/declarations.h"

namespace vgpu::server {
namespace {

void ToWire(const backend::FunctionInfo& from, wire::FunctionInfo* to) {
  to->set_name(ValidUtf8(from.name));
  for (const auto& slot : from.params) {
    auto* param = to->add_params();
    param->set_offset(slot.offset);
    param->set_size(slot.size);
  }
  to->set_param_bytes(from.param_bytes);
  for (int32_t value : from.attributes) to->add_attributes(value);
}

// Names of the module-scope variables an image declares, from its cubins
// and PTX. Backends that cannot enumerate variables (the real driver has no
// call for it) are asked for each name.
std::set<std::string> DeclaredGlobals(std::span<const uint8_t> bytes) {
  std::set<std::string> names;
  auto entries = image::Entries(bytes);
  if (!entries.ok()) return names;
  for (const auto& entry : *entries) {
    if (entry.kind == image::Entry::Kind::kCubin) {
      std::span<const uint8_t> entry_bytes(reinterpret_cast<const uint8_t*>(entry.bytes.data()), entry.bytes.size());
      auto info = image::ParseCubin(entry_bytes);
      if (!info.ok()) continue;
      for (const auto& global : info->globals) names.insert(global.name);
    } else {
      auto declared = ptx::ListDeclarations(entry.bytes);  // the emu interpreter's parser
      if (!declared.ok()) continue;
      names.insert(declared->globals.begin(), declared->globals.end());
    }
  }
  return names;
}

}  // namespace

Status Session::ModuleLoad(const wire::ModuleLoad& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  if (op.module() == 0) return InvalidValue("module id 0 is reserved");
  if (state->modules.Find(op.module()).ok()) return InvalidValue("module id already in use");
  if (CountModules() >= limits_.max_modules) {
    return OutOfMemory("cuModuleLoadData: this session holds its maximum of " + std::to_string(limits_.max_modules) +
                       " modules (vgpu-server --max-modules)");
  }
  std::shared_ptr<const std::string> image;
  const bool sent = !op.image().empty();
  if (!sent) {
    image = images_.Find(op.sha256());
    // The client sends the bytes only when asked: this answer asks.
    if (!image) return Status(Code::kFileNotFound, "image " + op.sha256() + " is not cached; send it");
  } else {
    VGPU_ASSIGN_OR_RETURN(image, ImageCache::Verify(op.sha256(), op.image()));
  }
  backend::ModuleInfo info;
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(image->data()), image->size());
  VGPU_ASSIGN_OR_RETURN(backend::Handle handle, state->ctx->ModuleLoad(bytes, &info));
  // Only images a backend accepted are kept: refused ones would fill the cache.
  if (sent) images_.Store(op.sha256(), image);

  if (info.globals.empty()) {
    for (const auto& name : DeclaredGlobals(bytes)) {
      auto global = state->ctx->ModuleGetGlobal(handle, name);
      if (global.ok()) info.globals.push_back(*global);
    }
  }
  uint64_t global_bytes = 0;
  for (const auto& global : info.globals) global_bytes += global.size;
  if (Status quota = CheckQuota(global_bytes, "cuModuleLoadData (module variables)"); !quota.ok()) {
    (void)state->ctx->ModuleUnload(handle);
    return quota;
  }
  ModuleState module;
  module.handle = handle;
  auto* reply = out.reply->mutable_module_load();
  for (const auto& function : info.functions) {
    module.param_bytes.push_back(function.param_bytes);
    ToWire(function, reply->add_functions());
  }
  for (const auto& global : info.globals) {
    allocations_.Add(global.dptr, global.size, op.ctx(), op.module());
    auto* wire_global = reply->add_globals();
    wire_global->set_name(ValidUtf8(global.name));
    wire_global->set_dptr(global.dptr);
    wire_global->set_size(global.size);
  }
  return state->modules.Insert(op.module(), std::move(module));
}

Status Session::ModuleUnload(const wire::ModuleUnload& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(ModuleState * module, state->modules.Find(op.module()));
  VGPU_RETURN_IF_ERROR(state->ctx->ModuleUnload(module->handle));
  allocations_.RemoveModule(op.ctx(), op.module());
  return state->modules.Erase(op.module());
}

Status Session::LaunchKernel(const wire::LaunchKernel& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(ModuleState * module, state->modules.Find(op.module()));
  VGPU_ASSIGN_OR_RETURN(backend::Handle stream, Stream(*state, op.stream()));
  if (op.function() >= module->param_bytes.size()) {
    return Status(Code::kInvalidHandle, "function " + std::to_string(op.function()) + " is not in the module");
  }
  uint32_t expected = module->param_bytes[op.function()];
  if (op.params().size() < expected) {
    return InvalidValue("kernel parameters are " + std::to_string(op.params().size()) + " bytes; the kernel takes " +
                        std::to_string(expected));
  }
  backend::LaunchConfig config;
  config.grid[0] = op.grid_x();
  config.grid[1] = op.grid_y();
  config.grid[2] = op.grid_z();
  config.block[0] = op.block_x();
  config.block[1] = op.block_y();
  config.block[2] = op.block_z();
  for (int i = 0; i < 3; ++i) {
    if (config.grid[i] == 0 || config.block[i] == 0) return InvalidValue("launch dimensions must be nonzero");
  }
  config.shared_mem_bytes = op.shared_mem_bytes();
  config.cooperative = op.cooperative();
  std::span<const uint8_t> params(reinterpret_cast<const uint8_t*>(op.params().data()), expected);
  return state->ctx->Launch(module->handle, op.function(), config, params, stream);
}

Status Session::FuncSetAttribute(const wire::FuncSetAttribute& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(ModuleState * module, state->modules.Find(op.module()));
  if (op.function() >= module->param_bytes.size()) {
    return Status(Code::kInvalidHandle, "function " + std::to_string(op.function()) + " is not in the module");
  }
  return state->ctx->FuncSetAttribute(module->handle, op.function(), op.attribute(), op.value());
}

}  // namespace vgpu::server
