// Event area. Create, record and destroy are posted; synchronize, query and
// elapsed time wait for the server.
#include "libcuda/areas.h"
#include "libcuda/objects.h"

namespace vgpu::cu::event {
namespace {

constexpr unsigned int kKnownFlags = CU_EVENT_BLOCKING_SYNC | CU_EVENT_DISABLE_TIMING | CU_EVENT_INTERPROCESS;

Status Record(CUevent hEvent, CUstream hStream, bool per_thread) {
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(CUevent_st * event, Objects::Get().Event(hEvent));
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(hStream, per_thread));
  if (target.ctx != event->ctx) return InvalidHandle("the event and the stream belong to different contexts");
  wire::Call call;
  auto* op = call.mutable_event_record();
  op->set_ctx(event->ctx->id);
  op->set_event(event->id);
  return Submit(session, target, GraphOp{.call = std::move(call)});
}

// Synchronize or query: success without a round trip once a reply proved
// the stream of the event's latest record past it.
Status CallOnEvent(CUevent hEvent, bool synchronize) {
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(CUevent_st * event, Objects::Get().Event(hEvent));
  std::vector<StreamPoint> points{StreamPoint{event->ctx->id, 0, 0}};
  {
    std::lock_guard lock(ProgressMutex());
    if (MayAnswerLocally() && Progress().AnswerEvent(event->id)) return AnsweredLocally(session);
    if (auto point = Progress().EventPoint(event->id)) points.push_back(*point);
  }
  wire::Call call;
  if (synchronize) {
    call.mutable_event_synchronize()->set_ctx(event->ctx->id);
    call.mutable_event_synchronize()->set_event(event->id);
  } else {
    call.mutable_event_query()->set_ctx(event->ctx->id);
    call.mutable_event_query()->set_event(event->id);
  }
  return CallProving(session, event->ctx->id, std::move(call), std::move(points)).status();
}

}  // namespace

Status cuEventCreate(CUevent* phEvent, unsigned int Flags) {
  if (phEvent == nullptr) return InvalidValue("phEvent is null");
  if (Flags & ~kKnownFlags) return InvalidValue("unknown event flags");
  if (Flags & CU_EVENT_INTERPROCESS) return NotSupported("interprocess events are not supported by vgpu");
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(CUctx_st * ctx, CurrentContext());
  auto* event = new CUevent_st{Objects::Get().MintId(), ctx, Flags};
  wire::Call call;
  auto* op = call.mutable_event_create();
  op->set_ctx(ctx->id);
  op->set_event(event->id);
  op->set_flags(Flags);
  Status posted = session->Post(std::move(call));
  if (!posted.ok()) {
    delete event;
    return posted;
  }
  Objects::Get().AddEvent(event);
  *phEvent = event;
  return Status();
}

Status cuEventRecord(CUevent hEvent, CUstream hStream) { return Record(hEvent, hStream, false); }
Status cuEventRecord_ptsz(CUevent hEvent, CUstream hStream) { return Record(hEvent, hStream, true); }
Status cuEventRecordWithFlags(CUevent hEvent, CUstream hStream, unsigned int flags) {
  if (flags & ~static_cast<unsigned int>(CU_EVENT_RECORD_EXTERNAL)) return InvalidValue("unknown record flags");
  return Record(hEvent, hStream, false);
}
Status cuEventRecordWithFlags_ptsz(CUevent hEvent, CUstream hStream, unsigned int flags) {
  if (flags & ~static_cast<unsigned int>(CU_EVENT_RECORD_EXTERNAL)) return InvalidValue("unknown record flags");
  return Record(hEvent, hStream, true);
}

Status cuEventSynchronize(CUevent hEvent) { return CallOnEvent(hEvent, true); }
Status cuEventQuery(CUevent hEvent) { return CallOnEvent(hEvent, false); }

Status cuEventElapsedTime_v2(float* pMilliseconds, CUevent hStart, CUevent hEnd) {
  if (pMilliseconds == nullptr) return InvalidValue("pMilliseconds is null");
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(CUevent_st * start, Objects::Get().Event(hStart));
  VGPU_ASSIGN_OR_RETURN(CUevent_st * end, Objects::Get().Event(hEnd));
  if (start->ctx != end->ctx) return InvalidHandle("the events belong to different contexts");
  wire::Call call;
  auto* op = call.mutable_event_elapsed_time();
  op->set_ctx(start->ctx->id);
  op->set_start(start->id);
  op->set_end(end->id);
  VGPU_ASSIGN_OR_RETURN(auto reply, session->Call(std::move(call)));
  *pMilliseconds = reply->event_elapsed_time().milliseconds();
  return Status();
}

Status cuEventElapsedTime(float* pMilliseconds, CUevent hStart, CUevent hEnd) {
  return event::cuEventElapsedTime_v2(pMilliseconds, hStart, hEnd);
}

Status cuEventDestroy_v2(CUevent hEvent) {
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(CUevent_st * event, Objects::Get().Event(hEvent));
  wire::Call call;
  auto* op = call.mutable_event_destroy();
  op->set_ctx(event->ctx->id);
  op->set_event(event->id);
  Objects::Get().RemoveEvent(event);
  {
    std::lock_guard lock(ProgressMutex());
    Progress().ForgetEvent(event->id);
  }
  delete event;
  return session->Post(std::move(call));
}

Status cuEventDestroy(CUevent hEvent) { return event::cuEventDestroy_v2(hEvent); }

}  // namespace vgpu::cu::event
