// Session handlers: streams.
#include "server/session/session.h"

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

}  // namespace vgpu::server
