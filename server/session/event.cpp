// Session handlers: events.
#include "server/session/session.h"

namespace vgpu::server {

Status Session::EventCreate(const wire::EventCreate& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  if (CountEvents() >= limits_.max_events) {
    return OutOfMemory("cuEventCreate: this session holds its maximum of " + std::to_string(limits_.max_events) +
                       " events (vgpu-server --max-events)");
  }
  VGPU_ASSIGN_OR_RETURN(backend::Handle event, state->ctx->EventCreate(op.flags()));
  Status inserted = state->events.Insert(op.event(), event);
  if (!inserted.ok()) (void)state->ctx->EventDestroy(event);
  return inserted;
}

Status Session::EventRecord(const wire::EventRecord& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle stream, Stream(*state, op.stream()));
  VGPU_ASSIGN_OR_RETURN(backend::Handle * event, state->events.Find(op.event()));
  return state->ctx->EventRecord(*event, stream);
}

Status Session::EventSynchronize(const wire::EventSynchronize& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle * event, state->events.Find(op.event()));
  out.synchronizing = true;
  VGPU_ASSIGN_OR_RETURN(out.wait, state->ctx->EventSynchronize(*event));
  return Status();
}

Status Session::EventQuery(const wire::EventQuery& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle * event, state->events.Find(op.event()));
  out.synchronizing = true;
  return state->ctx->EventQuery(*event);
}

Status Session::EventElapsedTime(const wire::EventElapsedTime& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle * start, state->events.Find(op.start()));
  VGPU_ASSIGN_OR_RETURN(backend::Handle * end, state->events.Find(op.end()));
  VGPU_ASSIGN_OR_RETURN(float ms, state->ctx->EventElapsedTime(*start, *end));
  out.reply->mutable_event_elapsed_time()->set_milliseconds(ms);
  return Status();
}

Status Session::EventDestroy(const wire::EventDestroy& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle * event, state->events.Find(op.event()));
  VGPU_RETURN_IF_ERROR(state->ctx->EventDestroy(*event));
  return state->events.Erase(op.event());
}

}  // namespace vgpu::server
