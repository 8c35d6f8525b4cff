// Session handlers: streams.
#include "server/session/session.h"

#include <utility>

namespace vgpu::server {

Status Session::StreamCreate(const wire::StreamCreate& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  if (CountStreams() >= limits_.max_streams) {
    return OutOfMemory("cuStreamCreate: this session holds its maximum of " + std::to_string(limits_.max_streams) +
                       " streams (vgpu-server --max-streams)");
  }
  VGPU_ASSIGN_OR_RETURN(backend::Handle stream, state->ctx->StreamCreate(op.flags(), op.priority()));
  Status inserted = state->streams.Insert(op.stream(), stream);
  if (!inserted.ok()) (void)state->ctx->StreamDestroy(stream);
  return inserted;
}

Status Session::StreamDestroy(const wire::StreamDestroy& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle * stream, state->streams.Find(op.stream()));
  VGPU_RETURN_IF_ERROR(state->ctx->StreamDestroy(*stream));
  return state->streams.Erase(op.stream());
}

Status Session::StreamSynchronize(const wire::StreamSynchronize& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle stream, Stream(*state, op.stream()));
  out.synchronizing = true;
  VGPU_ASSIGN_OR_RETURN(out.wait, state->ctx->StreamSynchronize(stream));
  return Status();
}

Status Session::StreamQuery(const wire::StreamQuery& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle stream, Stream(*state, op.stream()));
  out.synchronizing = true;
  return state->ctx->StreamQuery(stream);
}

Status Session::StreamWaitEvent(const wire::StreamWaitEvent& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle stream, Stream(*state, op.stream()));
  VGPU_ASSIGN_OR_RETURN(backend::Handle * event, state->events.Find(op.event()));
  return state->ctx->StreamWaitEvent(stream, *event, op.flags());
}

// ---- host functions (cuLaunchHostFunc) ----
// The function runs on the client. Its marker is answered once the stream's
// earlier work is done; every later call of the session is then held here,
// on the executor thread but without blocking it, until the client says the
// function returned. Holding the whole session is stronger ordering than
// CUDA's (only the stream must wait) and keeps every dependency, including
// events and the legacy default stream, intact without per-stream queues.

Status Session::HostFuncReach(const wire::HostFuncReach& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle stream, Stream(*state, op.stream()));
  if (op.id() == 0) return InvalidValue("host function id 0 is reserved");
  VGPU_ASSIGN_OR_RETURN(out.wait, state->ctx->StreamSynchronize(stream));
  host_func_hold_ = op.id();
  return Status();
}

Status Session::HostFuncDone(const wire::HostFuncDone& op, Outcome&) {
  // An id that holds nothing belongs to a marker that failed before holding.
  if (host_func_hold_ == 0 || op.id() != host_func_hold_) return Status();
  host_func_hold_ = 0;
  // Released calls may meet the next marker and be held again.
  while (host_func_hold_ == 0 && !held_calls_.empty()) {
    wire::Call call = std::move(held_calls_.front());
    held_calls_.pop_front();
    released_.push_back(Execute(call));
  }
  return Status();
}

bool Session::HoldForHostFunc(wire::Call& call) {
  if (host_func_hold_ == 0 || call.op_case() == wire::Call::kHostFuncDone) return false;
  held_calls_.push_back(std::move(call));
  return true;
}

std::vector<Outcome> Session::TakeReleased() { return std::exchange(released_, {}); }

}  // namespace vgpu::server
