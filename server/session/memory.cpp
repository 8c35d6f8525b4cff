// Session handlers: memory. Every device range is checked against the
// session's own allocations before the backend sees it.
#include "server/session/session.h"

#include <algorithm>

#include "proto/protocol.h"

namespace vgpu::server {

Status Session::MemAlloc(const wire::MemAlloc& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  if (op.bytesize() == 0) return InvalidValue("cannot allocate 0 bytes");
  VGPU_RETURN_IF_ERROR(CheckQuota(op.bytesize(), "cuMemAlloc"));
  VGPU_ASSIGN_OR_RETURN(backend::DevicePtr dptr, state->ctx->MemAlloc(op.bytesize()));
  allocations_.Add(dptr, op.bytesize(), op.ctx());
  out.reply->mutable_mem_alloc()->set_dptr(dptr);
  return Status();
}

Status Session::MemFree(const wire::MemFree& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_RETURN_IF_ERROR(allocations_.Remove(op.dptr()));
  return state->ctx->MemFree(op.dptr());
}

Status Session::MemGetInfo(const wire::MemGetInfo& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::MemInfo info, state->ctx->MemGetInfo());
  // A quota is this client's device: free is what it may still allocate.
  uint64_t total = std::min(info.total, limits_.quota_bytes);
  uint64_t used = allocations_.bytes();
  uint64_t quota_left = limits_.quota_bytes - std::min(limits_.quota_bytes, used);
  out.reply->mutable_mem_get_info()->set_free(std::min({info.free, quota_left, total}));
  out.reply->mutable_mem_get_info()->set_total(total);
  return Status();
}

Status Session::MemcpyHtoD(wire::MemcpyHtoD& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle stream, Stream(*state, op.stream()));
  VGPU_RETURN_IF_ERROR(allocations_.Check(op.dst(), op.data().size()));
  return state->ctx->MemcpyHtoD(op.dst(), std::move(*op.mutable_data()), stream);
}

Status Session::MemcpyDtoH(const wire::MemcpyDtoH& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle stream, Stream(*state, op.stream()));
  if (op.bytesize() > wire::kCopyChunkBytes * 16) {
    return InvalidValue("device-to-host copy of " + std::to_string(op.bytesize()) + " bytes exceeds one message");
  }
  VGPU_RETURN_IF_ERROR(allocations_.Check(op.src(), op.bytesize()));
  out.synchronizing = !op.async();
  std::string* dst = out.reply->mutable_memcpy_dtoh()->mutable_data();
  VGPU_ASSIGN_OR_RETURN(out.wait, state->ctx->MemcpyDtoH(dst, op.src(), op.bytesize(), stream));
  return Status();
}

Status Session::MemcpyDtoD(const wire::MemcpyDtoD& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle stream, Stream(*state, op.stream()));
  VGPU_RETURN_IF_ERROR(allocations_.Check(op.src(), op.bytesize()));
  VGPU_RETURN_IF_ERROR(allocations_.Check(op.dst(), op.bytesize()));
  return state->ctx->MemcpyDtoD(op.dst(), op.src(), op.bytesize(), stream);
}

Status Session::Memset(const wire::Memset& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle stream, Stream(*state, op.stream()));
  uint32_t size = op.element_size();
  if (size != 1 && size != 2 && size != 4) return InvalidValue("memset element size must be 1, 2 or 4");
  if (op.count() > UINT64_MAX / size) return InvalidValue("memset count overflows");
  VGPU_RETURN_IF_ERROR(allocations_.Check(op.dst(), op.count() * size));
  return state->ctx->Memset(op.dst(), op.value(), size, op.count(), stream);
}

}  // namespace vgpu::server
