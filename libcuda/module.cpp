// Module area. Images are content-addressed (design principle 5): the
// first load sends only the SHA-256; the bytes travel only if the server
// has never seen them. The reply lists every function with its parameter
// layout and attributes, and every variable, so lookups stay local.
#include <fstream>
#include <iterator>

#include "common/sha256.h"
#include "image/resolve.h"
#include "libcuda/areas.h"
#include "libcuda/objects.h"

namespace vgpu::cu::module {
namespace {

// Images this small go along with the first request: a second round trip
// would cost more than the bytes.
constexpr size_t kInlineImageBytes = 64 << 10;

Result<CUmod_st*> Load(const void* image) {
  if (image == nullptr) return InvalidValue("image is null");
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(CUctx_st * ctx, CurrentContext());
  VGPU_ASSIGN_OR_RETURN(std::span<const uint8_t> bytes, image::Resolve(image));
  std::string digest = Sha256Hex(bytes.data(), bytes.size());
  const uint64_t id = Objects::Get().MintId();

  auto request = [&](bool with_bytes) {
    wire::Call call;
    auto* op = call.mutable_module_load();
    op->set_ctx(ctx->id);
    op->set_module(id);
    op->set_sha256(digest);
    if (with_bytes) op->set_image(bytes.data(), bytes.size());
    return session->Call(std::move(call));
  };
  auto reply = request(bytes.size() <= kInlineImageBytes);
  if (!reply.ok() && reply.status().code() == Code::kFileNotFound) reply = request(true);
  if (!reply.ok()) return reply.status();

  auto module = std::make_unique<CUmod_st>();
  module->id = id;
  module->ctx = ctx;
  const auto& loaded = (*reply)->module_load();
  for (int i = 0; i < loaded.functions_size(); ++i) {
    const auto& info = loaded.functions(i);
    auto function = std::make_unique<CUfunc_st>();
    function->module = module.get();
    function->index = static_cast<uint32_t>(i);
    function->name = info.name();
    for (const auto& param : info.params()) function->params.emplace_back(param.offset(), param.size());
    function->param_bytes = info.param_bytes();
    function->attributes.assign(info.attributes().begin(), info.attributes().end());
    function->attributes.resize(CU_FUNC_ATTRIBUTE_MAX, 0);
    module->functions.push_back(std::move(function));
  }
  for (const auto& global : loaded.globals()) {
    module->globals.push_back({global.name(), global.dptr(), global.size()});
    Objects::Get().AddAllocation(global.dptr(), global.size(), ctx);
  }
  CUmod_st* raw = module.release();
  Objects::Get().AddModule(raw);
  return raw;
}

}  // namespace

Status cuModuleLoadData(CUmodule* module, const void* image) {
  if (module == nullptr) return InvalidValue("module is null");
  VGPU_ASSIGN_OR_RETURN(*module, Load(image));
  return Status();
}

Status cuModuleLoadDataEx(CUmodule* module, const void* image, unsigned int numOptions, CUjit_option* options,
                          void** optionValues) {
  if (numOptions > 0 && (options == nullptr || optionValues == nullptr)) return InvalidValue("null JIT options");
  // JIT options (log buffers, optimisation level) concern the server's JIT;
  // report empty logs so callers do not read stale buffers.
  for (unsigned int i = 0; i < numOptions; ++i) {
    if (options[i] == CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES || options[i] == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES) {
      optionValues[i] = nullptr;
    }
  }
  return module::cuModuleLoadData(module, image);
}

Status cuModuleLoadFatBinary(CUmodule* module, const void* fatCubin) { return module::cuModuleLoadData(module, fatCubin); }

Status cuModuleLoad(CUmodule* module, const char* fname) {
  if (module == nullptr || fname == nullptr) return InvalidValue("null argument");
  std::ifstream file(fname, std::ios::binary);
  if (!file) return Status(Code::kFileNotFound, std::string("cannot open ") + fname);
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  bytes.push_back('\0');  // PTX text must be terminated
  return module::cuModuleLoadData(module, bytes.data());
}

Status cuModuleUnload(CUmodule hmod) {
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(CUmod_st * module, Objects::Get().Module(hmod));
  wire::Call call;
  auto* op = call.mutable_module_unload();
  op->set_ctx(module->ctx->id);
  op->set_module(module->id);
  Objects::Get().RemoveModule(module);
  for (const auto& global : module->globals) Objects::Get().RemoveAllocation(global.dptr);
  delete module;
  return session->Post(std::move(call));
}

Status cuModuleGetFunction(CUfunction* hfunc, CUmodule hmod, const char* name) {
  if (hfunc == nullptr || name == nullptr) return InvalidValue("null argument");
  VGPU_ASSIGN_OR_RETURN(CUmod_st * module, Objects::Get().Module(hmod));
  for (auto& function : module->functions) {
    if (function->name == name) {
      *hfunc = function.get();
      return Status();
    }
  }
  return NotFound(std::string("no kernel named ") + name + " in the module");
}

Status cuModuleGetGlobal_v2(CUdeviceptr_v2* dptr, size_t* bytes, CUmodule hmod, const char* name) {
  if (name == nullptr) return InvalidValue("name is null");
  VGPU_ASSIGN_OR_RETURN(CUmod_st * module, Objects::Get().Module(hmod));
  for (const auto& global : module->globals) {
    if (global.name == name) {
      if (dptr) *dptr = global.dptr;
      if (bytes) *bytes = global.size;
      return Status();
    }
  }
  return NotFound(std::string("no variable named ") + name + " in the module");
}

Status cuModuleGetGlobal(CUdeviceptr_v1* dptr, unsigned int* bytes, CUmodule hmod, const char* name) {
  CUdeviceptr_v2 wide = 0;
  size_t size = 0;
  VGPU_RETURN_IF_ERROR(module::cuModuleGetGlobal_v2(&wide, &size, hmod, name));
  if (wide > UINT32_MAX) return NotSupported("the 32-bit cuModuleGetGlobal cannot hold this device address");
  if (dptr) *dptr = static_cast<CUdeviceptr_v1>(wide);
  if (bytes) *bytes = static_cast<unsigned int>(size);
  return Status();
}

Status cuModuleGetFunctionCount(unsigned int* count, CUmodule hmod) {
  if (count == nullptr) return InvalidValue("count is null");
  VGPU_ASSIGN_OR_RETURN(CUmod_st * module, Objects::Get().Module(hmod));
  *count = static_cast<unsigned int>(module->functions.size());
  return Status();
}

Status cuModuleEnumerateFunctions(CUfunction* functions, unsigned int numFunctions, CUmodule mod) {
  if (functions == nullptr) return InvalidValue("functions is null");
  VGPU_ASSIGN_OR_RETURN(CUmod_st * module, Objects::Get().Module(mod));
  if (numFunctions < module->functions.size()) return InvalidValue("numFunctions is smaller than the count");
  for (size_t i = 0; i < module->functions.size(); ++i) functions[i] = module->functions[i].get();
  return Status();
}

Status cuModuleGetLoadingMode(CUmoduleLoadingMode* mode) {
  if (mode == nullptr) return InvalidValue("mode is null");
  *mode = CU_MODULE_EAGER_LOADING;
  return Status();
}

}  // namespace vgpu::cu::module
