// Session handlers: contexts.
#include "server/session/session.h"

namespace vgpu::server {

Status Session::CtxCreate(const wire::CtxCreate& op) {
  int device_count = static_cast<int>(backend_.devices().size());
  if (op.device() < 0 || op.device() >= device_count) {
    return Status(Code::kInvalidDevice, "device " + std::to_string(op.device()) + " does not exist");
  }
  if (contexts_.size() >= limits_.max_contexts) {
    return OutOfMemory("cuCtxCreate: this session holds its maximum of " + std::to_string(limits_.max_contexts) +
                       " contexts (vgpu-server --max-contexts)");
  }
  ContextState state;
  state.device = op.device();
  VGPU_ASSIGN_OR_RETURN(state.ctx, backend_session_->CreateContext(op.device(), op.flags()));
  state.output = state.ctx->device_output();
  return contexts_.Insert(op.ctx(), std::move(state));
}

Status Session::CtxDestroy(const wire::CtxDestroy& op, Outcome& out) {
  // What the context's kernels printed is still delivered with this reply.
  if (Result<ContextState*> state = contexts_.Find(op.ctx()); state.ok()) out.output = (*state)->output;
  VGPU_RETURN_IF_ERROR(contexts_.Erase(op.ctx()));
  allocations_.RemoveContext(op.ctx());
  return Status();
}

Status Session::CtxSynchronize(const wire::CtxSynchronize& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  out.synchronizing = true;
  VGPU_ASSIGN_OR_RETURN(out.wait, state->ctx->Synchronize());
  return Status();
}

}  // namespace vgpu::server
