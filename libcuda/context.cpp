// Context area. Contexts are created on the server by an asynchronous call
// with a client-minted id; the current-context stack is thread-local.
#include <algorithm>
#include <mutex>

#include "libcuda/areas.h"
#include "libcuda/objects.h"

namespace vgpu::cu::context {
namespace {

struct PrimaryContext {
  CUctx_st* ctx = nullptr;  // kept for the process lifetime once made
  int refs = 0;
  unsigned int flags = 0;
};

std::mutex g_primary_mutex;
std::vector<PrimaryContext> g_primary;

struct Limits {
  size_t values[CU_LIMIT_MAX] = {};
  Limits() {
    values[CU_LIMIT_STACK_SIZE] = 1024;
    values[CU_LIMIT_PRINTF_FIFO_SIZE] = 1 << 20;
    values[CU_LIMIT_MALLOC_HEAP_SIZE] = 8 << 20;
    values[CU_LIMIT_DEV_RUNTIME_SYNC_DEPTH] = 2;
    values[CU_LIMIT_DEV_RUNTIME_PENDING_LAUNCH_COUNT] = 2048;
    values[CU_LIMIT_MAX_L2_FETCH_GRANULARITY] = 64;
  }
};
std::mutex g_limits_mutex;
Limits g_limits;
CUfunc_cache g_cache_config = CU_FUNC_CACHE_PREFER_NONE;

// Creates `ctx` on the server under a fresh id.
Status CreateOnServer(CUctx_st* ctx) {
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  ctx->id = Objects::Get().MintId();
  wire::Call call;
  auto* op = call.mutable_ctx_create();
  op->set_ctx(ctx->id);
  op->set_device(ctx->device);
  op->set_flags(ctx->flags);
  return session->Post(std::move(call));
}

Status DestroyOnServer(CUctx_st* ctx) {
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  wire::Call call;
  call.mutable_ctx_destroy()->set_ctx(ctx->id);
  return session->Post(std::move(call));
}

Result<CUctx_st*> CreateContext(unsigned int flags, CUdevice dev) {
  VGPU_ASSIGN_OR_RETURN(const wire::Device* info, DeviceInfo(dev));
  (void)info;
  auto* ctx = new CUctx_st{0, dev, flags, false};
  Status created = CreateOnServer(ctx);
  if (!created.ok()) {
    delete ctx;
    return created;
  }
  Objects::Get().AddContext(ctx);
  ContextStack().push_back(ctx);
  return ctx;
}

void DropFromThisThread(CUctx_st* ctx) {
  auto& stack = ContextStack();
  std::erase(stack, ctx);
  ForgetPerThreadStream(ctx);
}

}  // namespace

// ---- created contexts ----

Status cuCtxCreate_v2(CUcontext* pctx, unsigned int flags, CUdevice_v1 dev) {
  if (pctx == nullptr) return InvalidValue("pctx is null");
  VGPU_ASSIGN_OR_RETURN(*pctx, CreateContext(flags, dev));
  return Status();
}

Status cuCtxCreate(CUcontext* pctx, unsigned int flags, CUdevice_v1 dev) { return context::cuCtxCreate_v2(pctx, flags, dev); }

Status cuCtxCreate_v3(CUcontext* pctx, CUexecAffinityParam* paramsArray, int numParams, unsigned int flags,
                      CUdevice_v1 dev) {
  if (numParams > 0 && paramsArray == nullptr) return InvalidValue("paramsArray is null");
  // Execution affinity (SM limits) is not forwarded; a context without it is
  // what the server gives.
  return context::cuCtxCreate_v2(pctx, flags, dev);
}

Status cuCtxCreate_v4(CUcontext* pctx, CUctxCreateParams* ctxCreateParams, unsigned int flags, CUdevice dev) {
  if (ctxCreateParams != nullptr && (ctxCreateParams->numExecAffinityParams > 0 || ctxCreateParams->cigParams)) {
    return NotSupported("execution affinity and CIG contexts are not supported by vgpu");
  }
  return context::cuCtxCreate_v2(pctx, flags, dev);
}

Status cuCtxDestroy_v2(CUcontext ctx) {
  VGPU_ASSIGN_OR_RETURN(CUctx_st * found, Objects::Get().Context(ctx));
  if (found->primary) return InvalidValue("a primary context is released, not destroyed");
  VGPU_RETURN_IF_ERROR(DestroyOnServer(found));
  Objects::Get().RemoveContext(found);
  DropFromThisThread(found);
  return Status();  // the object stays allocated so stale handles never alias a new one
}

Status cuCtxDestroy(CUcontext ctx) { return context::cuCtxDestroy_v2(ctx); }

// ---- current context ----

Status cuCtxPushCurrent_v2(CUcontext ctx) {
  VGPU_ASSIGN_OR_RETURN(CUctx_st * found, Objects::Get().Context(ctx));
  ContextStack().push_back(found);
  return Status();
}

Status cuCtxPushCurrent(CUcontext ctx) { return context::cuCtxPushCurrent_v2(ctx); }

Status cuCtxPopCurrent_v2(CUcontext* pctx) {
  auto& stack = ContextStack();
  if (stack.empty()) return Status(Code::kInvalidContext, "the context stack is empty");
  if (pctx) *pctx = stack.back();
  stack.pop_back();
  return Status();
}

Status cuCtxPopCurrent(CUcontext* pctx) { return context::cuCtxPopCurrent_v2(pctx); }

Status cuCtxSetCurrent(CUcontext ctx) {
  auto& stack = ContextStack();
  if (ctx == nullptr) {
    if (!stack.empty()) stack.pop_back();
    return Status();
  }
  VGPU_ASSIGN_OR_RETURN(CUctx_st * found, Objects::Get().Context(ctx));
  if (stack.empty()) {
    stack.push_back(found);
  } else {
    stack.back() = found;
  }
  return Status();
}

Status cuCtxGetCurrent(CUcontext* pctx) {
  if (pctx == nullptr) return InvalidValue("pctx is null");
  VGPU_RETURN_IF_ERROR(Connected().status());
  auto& stack = ContextStack();
  *pctx = stack.empty() ? nullptr : stack.back();
  return Status();
}

Status cuCtxGetDevice(CUdevice_v1* device) {
  if (device == nullptr) return InvalidValue("device is null");
  VGPU_ASSIGN_OR_RETURN(CUctx_st * ctx, CurrentContext());
  *device = ctx->device;
  return Status();
}

Status cuCtxGetFlags(unsigned int* flags) {
  if (flags == nullptr) return InvalidValue("flags is null");
  VGPU_ASSIGN_OR_RETURN(CUctx_st * ctx, CurrentContext());
  *flags = ctx->flags;
  return Status();
}

Status cuCtxGetApiVersion(CUcontext ctx, unsigned int* version) {
  if (version == nullptr) return InvalidValue("version is null");
  if (ctx == nullptr) {
    VGPU_ASSIGN_OR_RETURN(ctx, CurrentContext());
  } else {
    VGPU_RETURN_IF_ERROR(Objects::Get().Context(ctx).status());
  }
  *version = 3020;
  return Status();
}

Status cuCtxGetId(CUcontext ctx, unsigned long long* ctxId) {
  if (ctxId == nullptr) return InvalidValue("ctxId is null");
  CUctx_st* found = nullptr;
  if (ctx == nullptr) {
    VGPU_ASSIGN_OR_RETURN(found, CurrentContext());
  } else {
    VGPU_ASSIGN_OR_RETURN(found, Objects::Get().Context(ctx));
  }
  *ctxId = found->id;
  return Status();
}

Status cuCtxSynchronize_v2(CUcontext ctx) {
  CUctx_st* found = nullptr;
  if (ctx == nullptr) {
    VGPU_ASSIGN_OR_RETURN(found, CurrentContext());
  } else {
    VGPU_ASSIGN_OR_RETURN(found, Objects::Get().Context(ctx));
  }
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  wire::Call call;
  call.mutable_ctx_synchronize()->set_ctx(found->id);
  return WaitForContext(session, found, std::move(call));
}

Status cuCtxSynchronize() { return context::cuCtxSynchronize_v2(nullptr); }

// ---- limits and configuration, kept locally ----

Status cuCtxGetLimit(size_t* pvalue, CUlimit limit) {
  if (pvalue == nullptr) return InvalidValue("pvalue is null");
  VGPU_RETURN_IF_ERROR(CurrentContext().status());
  if (limit < 0 || limit >= CU_LIMIT_MAX) return Status(Code::kInvalidValue, "unknown limit");
  std::lock_guard lock(g_limits_mutex);
  *pvalue = g_limits.values[limit];
  return Status();
}

Status cuCtxSetLimit(CUlimit limit, size_t value) {
  VGPU_RETURN_IF_ERROR(CurrentContext().status());
  if (limit < 0 || limit >= CU_LIMIT_MAX) return Status(Code::kInvalidValue, "unknown limit");
  std::lock_guard lock(g_limits_mutex);
  g_limits.values[limit] = value;
  return Status();
}

Status cuCtxGetCacheConfig(CUfunc_cache* pconfig) {
  if (pconfig == nullptr) return InvalidValue("pconfig is null");
  VGPU_RETURN_IF_ERROR(CurrentContext().status());
  *pconfig = g_cache_config;
  return Status();
}

Status cuCtxSetCacheConfig(CUfunc_cache config) {
  VGPU_RETURN_IF_ERROR(CurrentContext().status());
  g_cache_config = config;  // a preference; the device may ignore it
  return Status();
}

Status cuCtxGetSharedMemConfig(CUsharedconfig* pConfig) {
  if (pConfig == nullptr) return InvalidValue("pConfig is null");
  *pConfig = CU_SHARED_MEM_CONFIG_FOUR_BYTE_BANK_SIZE;
  return Status();
}

Status cuCtxSetSharedMemConfig(CUsharedconfig) { return CurrentContext().status(); }

Status cuCtxGetStreamPriorityRange(int* leastPriority, int* greatestPriority) {
  if (leastPriority) *leastPriority = 0;
  if (greatestPriority) *greatestPriority = -5;
  return Status();
}

// ---- primary contexts ----

Status cuDevicePrimaryCtxRetain(CUcontext* pctx, CUdevice_v1 dev) {
  if (pctx == nullptr) return InvalidValue("pctx is null");
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_RETURN_IF_ERROR(DeviceInfo(dev).status());
  std::lock_guard lock(g_primary_mutex);
  if (g_primary.empty()) g_primary.resize(session->hello().devices_size());
  PrimaryContext& primary = g_primary[dev];
  if (primary.ctx == nullptr) primary.ctx = new CUctx_st{0, dev, primary.flags, true};
  if (primary.refs == 0) {
    primary.ctx->flags = primary.flags;
    VGPU_RETURN_IF_ERROR(CreateOnServer(primary.ctx));
    Objects::Get().AddContext(primary.ctx);
  }
  ++primary.refs;
  *pctx = primary.ctx;
  return Status();
}

Status cuDevicePrimaryCtxRelease_v2(CUdevice_v1 dev) {
  VGPU_RETURN_IF_ERROR(DeviceInfo(dev).status());
  std::lock_guard lock(g_primary_mutex);
  if (g_primary.empty() || g_primary[dev].refs == 0) {
    return Status(Code::kInvalidContext, "the primary context of device " + std::to_string(dev) + " is not retained");
  }
  PrimaryContext& primary = g_primary[dev];
  if (--primary.refs == 0) {
    VGPU_RETURN_IF_ERROR(DestroyOnServer(primary.ctx));
    Objects::Get().RemoveContext(primary.ctx);
    DropFromThisThread(primary.ctx);
  }
  return Status();
}

Status cuDevicePrimaryCtxRelease(CUdevice_v1 dev) { return context::cuDevicePrimaryCtxRelease_v2(dev); }

Status cuDevicePrimaryCtxReset_v2(CUdevice_v1 dev) {
  VGPU_RETURN_IF_ERROR(DeviceInfo(dev).status());
  std::lock_guard lock(g_primary_mutex);
  if (g_primary.empty() || g_primary[dev].refs == 0) return Status();
  // Frees everything the context held; retained handles stay valid and
  // name a fresh context on the server.
  PrimaryContext& primary = g_primary[dev];
  VGPU_RETURN_IF_ERROR(DestroyOnServer(primary.ctx));
  Objects::Get().RemoveContext(primary.ctx);
  ForgetPerThreadStream(primary.ctx);
  VGPU_RETURN_IF_ERROR(CreateOnServer(primary.ctx));
  Objects::Get().AddContext(primary.ctx);
  return Status();
}

Status cuDevicePrimaryCtxReset(CUdevice_v1 dev) { return context::cuDevicePrimaryCtxReset_v2(dev); }

Status cuDevicePrimaryCtxGetState(CUdevice_v1 dev, unsigned int* flags, int* active) {
  if (flags == nullptr || active == nullptr) return InvalidValue("null argument");
  VGPU_RETURN_IF_ERROR(DeviceInfo(dev).status());
  std::lock_guard lock(g_primary_mutex);
  if (g_primary.empty()) {
    *flags = 0;
    *active = 0;
    return Status();
  }
  *flags = g_primary[dev].flags;
  *active = g_primary[dev].refs > 0 ? 1 : 0;
  return Status();
}

Status cuDevicePrimaryCtxSetFlags_v2(CUdevice_v1 dev, unsigned int flags) {
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_RETURN_IF_ERROR(DeviceInfo(dev).status());
  std::lock_guard lock(g_primary_mutex);
  if (g_primary.empty()) g_primary.resize(session->hello().devices_size());
  g_primary[dev].flags = flags;
  if (g_primary[dev].ctx) g_primary[dev].ctx->flags = flags;
  return Status();
}

Status cuDevicePrimaryCtxSetFlags(CUdevice_v1 dev, unsigned int flags) {
  return context::cuDevicePrimaryCtxSetFlags_v2(dev, flags);
}

}  // namespace vgpu::cu::context
