#include "server/session/session.h"

#include "common/log.h"
#include "common/utf8.h"

namespace vgpu::server {
namespace {

bool IsSticky(Code code) {
  return code == Code::kIllegalAddress || code == Code::kLaunchFailed || code == Code::kLaunchTimeout ||
         code == Code::kAssert;
}

// Where CUDA flushes device printf output (programming guide, "Formatted Output"):
// synchronizations, blocking copies, module loads and unloads, context destruction.
// Launches flush too, but nothing answers a launch.
bool FlushesDeviceOutput(const wire::Call& call) {
  using C = wire::Call;
  switch (call.op_case()) {
    case C::kCtxSynchronize:
    case C::kCtxDestroy:
    case C::kStreamSynchronize:
    case C::kEventSynchronize:
    case C::kModuleLoad:
    case C::kModuleUnload:
      return true;
    case C::kMemcpyDtoh:
      return !call.memcpy_dtoh().async();
    default:
      return false;
  }
}

}  // namespace

void StickyError::Set(const Status& status) {
  std::lock_guard lock(mutex_);
  if (status_.ok()) status_ = status;
}

Status StickyError::Get() const {
  std::lock_guard lock(mutex_);
  return status_;
}

Session::Session(backend::Backend& backend, ImageCache& images, uint64_t id, SessionLimits limits)
    : backend_(backend), images_(images), id_(id), limits_(limits) {}

Session::~Session() {
  // Contexts go first: each one frees what was created in it.
  contexts_.clear();
  backend_session_.reset();
}

Status Session::Open(const backend::SessionOptions& options) {
  VGPU_ASSIGN_OR_RETURN(backend_session_, backend_.OpenSession(options));
  return Status();
}

Outcome Session::Execute(wire::Call& call) {
  Outcome out;
  out.reply = std::make_unique<wire::Reply>();
  out.reply->set_seq(call.seq());
  if (HoldForHostFunc(call)) return out;  // runs when the host function is done (stream.cpp)
  out.want_reply = call.want_reply();
  out.flushes_output = FlushesDeviceOutput(call);
  Status status = Dispatch(call, out);
  if (!status.ok()) {
    out.reply->set_result(status.raw_code());
    out.reply->set_message(ValidUtf8(status.message()));
    out.wait = nullptr;
    // Calls that follow must see it at once, not when the writer gets to it.
    if (out.sticky && IsSticky(status.code())) out.sticky->Set(status);
    VGPU_LOG(Debug, "session", "session=%llu seq=%llu op=%d: %s", static_cast<unsigned long long>(id_),
             static_cast<unsigned long long>(call.seq()), static_cast<int>(call.op_case()),
             status.ToString().c_str());
  }
  return out;
}

bool Session::Finish(Outcome& out) {
  Status status(static_cast<Code>(out.reply->result()), out.reply->message());
  if (status.ok() && out.wait) status = out.wait();
  if (!status.ok() && out.sticky && IsSticky(status.code())) out.sticky->Set(status);
  const uint64_t seq = out.reply->seq();
  if (!out.want_reply) {
    std::lock_guard lock(pending_mutex_);
    if (!status.ok() && pending_.ok()) {
      pending_ = status;
      pending_seq_ = seq;
    }
    return false;
  }
  if (status.ok() && out.synchronizing) {
    // Only a call sent after the failed one may report it.
    std::lock_guard lock(pending_mutex_);
    if (!pending_.ok() && pending_seq_ < seq) {
      status = pending_;
      pending_ = Status();
    }
  }
  if (!status.ok()) {
    out.reply->set_result(status.raw_code());
    out.reply->set_message(ValidUtf8(status.message()));
    out.reply->clear_payload();
  }
  AttachDeviceOutput(out);
  return true;
}

void Session::AttachDeviceOutput(Outcome& out) {
  if (!out.flushes_output || !out.output) return;
  backend::DeviceOutput::Text text = out.output->Take();
  if (text.empty()) return;
  wire::DeviceOutput* wire = out.reply->mutable_device_output();
  wire->set_stdout_text(std::move(text.out));
  wire->set_stderr_text(std::move(text.err));
  wire->set_dropped_bytes(text.dropped);
}

Result<Session::ContextState*> Session::Context(uint64_t ctx, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, contexts_.Find(ctx));
  // Set before the sticky check: a broken context still delivers what its kernels printed.
  out.output = state->output;
  VGPU_RETURN_IF_ERROR(state->sticky->Get());
  out.sticky = state->sticky;
  return state;
}

Result<backend::Handle> Session::Stream(ContextState& state, uint64_t stream) {
  if (stream == 0) return backend::Handle{0};
  VGPU_ASSIGN_OR_RETURN(backend::Handle * handle, state.streams.Find(stream));
  return *handle;
}

size_t Session::CountStreams() const {
  size_t count = 0;
  for (const auto& [id, state] : contexts_) count += state.streams.size();
  return count;
}

size_t Session::CountEvents() const {
  size_t count = 0;
  for (const auto& [id, state] : contexts_) count += state.events.size();
  return count;
}

size_t Session::CountModules() const {
  size_t count = 0;
  for (const auto& [id, state] : contexts_) count += state.modules.size();
  return count;
}

Status Session::CheckQuota(uint64_t bytes, const char* call) const {
  uint64_t used = allocations_.bytes();
  if (bytes <= limits_.quota_bytes && used <= limits_.quota_bytes - bytes) return Status();
  return OutOfMemory(std::string(call) + ": " + std::to_string(bytes) + " bytes would exceed this client's quota of " +
                     std::to_string(limits_.quota_bytes >> 20) + " MiB of device memory (" + std::to_string(used) +
                     " bytes in use; vgpu-server --quota-mib)");
}

Status Session::Dispatch(wire::Call& call, Outcome& out) {
  using C = wire::Call;
  switch (call.op_case()) {
    // context
    case C::kCtxCreate: return CtxCreate(call.ctx_create());
    case C::kCtxDestroy: return CtxDestroy(call.ctx_destroy(), out);
    case C::kCtxSynchronize: return CtxSynchronize(call.ctx_synchronize(), out);
    // memory
    case C::kMemAlloc: return MemAlloc(call.mem_alloc(), out);
    case C::kMemFree: return MemFree(call.mem_free(), out);
    case C::kMemGetInfo: return MemGetInfo(call.mem_get_info(), out);
    case C::kMemcpyHtod: return MemcpyHtoD(*call.mutable_memcpy_htod(), out);
    case C::kMemcpyDtoh: return MemcpyDtoH(call.memcpy_dtoh(), out);
    case C::kMemcpyDtod: return MemcpyDtoD(call.memcpy_dtod(), out);
    case C::kMemset: return Memset(call.memset(), out);
    case C::kMemcpy3D: return Memcpy3D(*call.mutable_memcpy_3d(), out);
    case C::kMemset2D: return Memset2D(call.memset_2d(), out);
    // stream
    case C::kStreamCreate: return StreamCreate(call.stream_create(), out);
    case C::kStreamDestroy: return StreamDestroy(call.stream_destroy(), out);
    case C::kStreamSynchronize: return StreamSynchronize(call.stream_synchronize(), out);
    case C::kStreamQuery: return StreamQuery(call.stream_query(), out);
    case C::kStreamWaitEvent: return StreamWaitEvent(call.stream_wait_event(), out);
    case C::kHostFuncReach: return HostFuncReach(call.host_func_reach(), out);
    case C::kHostFuncDone: return HostFuncDone(call.host_func_done(), out);
    // event
    case C::kEventCreate: return EventCreate(call.event_create(), out);
    case C::kEventRecord: return EventRecord(call.event_record(), out);
    case C::kEventSynchronize: return EventSynchronize(call.event_synchronize(), out);
    case C::kEventQuery: return EventQuery(call.event_query(), out);
    case C::kEventElapsedTime: return EventElapsedTime(call.event_elapsed_time(), out);
    case C::kEventDestroy: return EventDestroy(call.event_destroy(), out);
    // module and function
    case C::kModuleLoad: return ModuleLoad(call.module_load(), out);
    case C::kModuleUnload: return ModuleUnload(call.module_unload(), out);
    case C::kLaunchKernel: return LaunchKernel(call.launch_kernel(), out);
    case C::kFuncSetAttribute: return FuncSetAttribute(call.func_set_attribute(), out);
    // cuBLAS
    case C::kBlasCreate: return BlasCreate(call.blas_create(), out);
    case C::kBlasDestroy: return BlasDestroy(call.blas_destroy(), out);
    case C::kBlasGemm: return BlasGemm(call.blas_gemm(), out);
    case C::kBlasLevel1: return BlasLevel1(call.blas_level1(), out);
    case C::kBlasLevel2: return BlasLevel2(call.blas_level2(), out);
    case C::kBlasLevel3: return BlasLevel3(call.blas_level3(), out);
    case C::kBlasSetMatrix: return BlasSetMatrix(*call.mutable_blas_set_matrix(), out);
    case C::kBlasGetMatrix: return BlasGetMatrix(call.blas_get_matrix(), out);
    case C::OP_NOT_SET: break;
  }
  return NotSupported("call " + std::to_string(call.seq()) + " names no operation this server knows");
}

}  // namespace vgpu::server
