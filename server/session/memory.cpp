// Session handlers: memory. Every device range is checked against the
// session's own allocations before the backend sees it.
#include "server/session/session.h"

#include <algorithm>

#include "proto/protocol.h"
#include "server/session/pitched_box.h"

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

Status Session::Memcpy3D(wire::Memcpy3D& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle stream, Stream(*state, op.stream()));
  // Host data rides in the message (or its reply): bounded like MemcpyDtoH.
  uint64_t max_packed = op.direction() == wire::COPY_DEVICE_TO_DEVICE ? UINT64_MAX : wire::kCopyChunkBytes * 16;
  VGPU_ASSIGN_OR_RETURN(backend::Extent3D extent,
                        CheckExtent(op.width_bytes(), op.height(), op.depth(), max_packed));
  switch (op.direction()) {
    case wire::COPY_HOST_TO_DEVICE: {
      if (op.data().size() != extent.packed_bytes()) {
        return InvalidValue("2D/3D copy carries " + std::to_string(op.data().size()) + " bytes for a box of " +
                            std::to_string(extent.packed_bytes()));
      }
      VGPU_ASSIGN_OR_RETURN(CheckedBox dst, CheckPitchedBox(op.dst(), extent, "destination"));
      VGPU_RETURN_IF_ERROR(allocations_.Check(dst.ptr.ptr, dst.span));
      return state->ctx->Memcpy3DHtoD(dst.ptr, extent, std::move(*op.mutable_data()), stream);
    }
    case wire::COPY_DEVICE_TO_HOST: {
      VGPU_ASSIGN_OR_RETURN(CheckedBox src, CheckPitchedBox(op.src(), extent, "source"));
      VGPU_RETURN_IF_ERROR(allocations_.Check(src.ptr.ptr, src.span));
      out.synchronizing = !op.async();
      std::string* packed = out.reply->mutable_memcpy_3d()->mutable_data();
      VGPU_ASSIGN_OR_RETURN(out.wait, state->ctx->Memcpy3DDtoH(packed, src.ptr, extent, stream));
      return Status();
    }
    case wire::COPY_DEVICE_TO_DEVICE: {
      VGPU_ASSIGN_OR_RETURN(CheckedBox src, CheckPitchedBox(op.src(), extent, "source"));
      VGPU_ASSIGN_OR_RETURN(CheckedBox dst, CheckPitchedBox(op.dst(), extent, "destination"));
      VGPU_RETURN_IF_ERROR(allocations_.Check(src.ptr.ptr, src.span));
      VGPU_RETURN_IF_ERROR(allocations_.Check(dst.ptr.ptr, dst.span));
      return state->ctx->Memcpy3DDtoD(dst.ptr, src.ptr, extent, stream);
    }
    default:
      return InvalidValue("2D/3D copy direction " + std::to_string(op.direction()) + " is not host/device");
  }
}

Status Session::Memset2D(const wire::Memset2D& op, Outcome& out) {
  VGPU_ASSIGN_OR_RETURN(ContextState * state, Context(op.ctx(), out));
  VGPU_ASSIGN_OR_RETURN(backend::Handle stream, Stream(*state, op.stream()));
  uint32_t size = op.element_size();
  if (size != 1 && size != 2 && size != 4) return InvalidValue("memset element size must be 1, 2 or 4");
  if (op.dst() % size != 0 || op.pitch() % size != 0) return InvalidValue("2D memset is misaligned");
  if (op.width() > UINT64_MAX / size) return InvalidValue("2D memset width overflows");
  wire::PitchedRegion region;
  region.set_ptr(op.dst());
  region.set_pitch(op.pitch());
  VGPU_ASSIGN_OR_RETURN(backend::Extent3D extent, CheckExtent(op.width() * size, op.height(), 1, UINT64_MAX));
  VGPU_ASSIGN_OR_RETURN(CheckedBox dst, CheckPitchedBox(region, extent, "destination"));
  VGPU_RETURN_IF_ERROR(allocations_.Check(dst.ptr.ptr, dst.span));
  return state->ctx->Memset2D(op.dst(), op.pitch(), op.value(), size, op.width(), op.height(), stream);
}

}  // namespace vgpu::server
