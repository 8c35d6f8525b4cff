#include "server/backends/cuda/context.h"

#include <cinttypes>
#include <cstdio>

#include "server/backends/cuda/waits.h"

namespace vgpu::backend::cuda {

ContextState::ContextState(std::shared_ptr<const Driver> d, CUcontext c, std::function<bool()> abandoned_probe)
    : driver(std::move(d)), ctx(c), events(*driver), staging(*driver, events), abandoned(std::move(abandoned_probe)) {}

ContextState::~ContextState() {
  if (!ctx) return;
  (void)driver->cuCtxSetCurrent(ctx);
  if (abandoned && abandoned()) {
    // Nobody will read the results: a runaway kernel must not keep the
    // session alive. Destroying the context ends its work and frees its
    // pinned buffers and events with it, so the pools make no driver call.
    (void)driver->cuCtxDestroy(ctx);
    return;
  }
  // In-flight copies may still use staging buffers: let the work end first.
  // A sticky error just means there is nothing left running.
  (void)driver->cuCtxSynchronize();
  staging.FreeAll();
  events.DestroyAll();
  // Frees every allocation, stream, event and module of the context.
  (void)driver->cuCtxDestroy(ctx);
}

Status ContextState::MakeCurrent() const { return driver->Check(driver->cuCtxSetCurrent(ctx), "cuCtxSetCurrent"); }

Result<std::unique_ptr<Context>> CudaContext::Create(std::shared_ptr<const Driver> driver, CUdevice device,
                                                     int ordinal, uint32_t flags,
                                                     std::function<bool()> abandoned) {
  const Driver& d = *driver;
  CUcontext ctx = nullptr;
  VGPU_RETURN_IF_ERROR(
      d.Check(d.cuCtxCreate(&ctx, flags, device), "cuCtxCreate_v2 (device " + std::to_string(ordinal) + ")"));
  // cuCtxCreate pushed the context on this thread's stack; every entry point
  // sets it current anyway, so leave the thread as it was.
  CUcontext popped = nullptr;
  (void)d.cuCtxPopCurrent(&popped);
  auto state = std::make_shared<ContextState>(std::move(driver), ctx, std::move(abandoned));
  return std::unique_ptr<Context>(new CudaContext(std::move(state)));
}

CudaContext::CudaContext(std::shared_ptr<ContextState> state) : state_(std::move(state)) {}

Result<DevicePtr> CudaContext::MemAlloc(uint64_t bytesize) {
  VGPU_RETURN_IF_ERROR(Enter());
  CUdeviceptr dptr = 0;
  VGPU_RETURN_IF_ERROR(
      d().Check(d().cuMemAlloc(&dptr, bytesize), "cuMemAlloc_v2 (" + std::to_string(bytesize) + " bytes)"));
  return static_cast<DevicePtr>(dptr);
}

Status CudaContext::MemFree(DevicePtr dptr) {
  VGPU_RETURN_IF_ERROR(Enter());
  // With unified addressing the driver would free another context's pointer:
  // check the owner first, so sessions cannot free each other's memory.
  CUcontext owner = nullptr;
  VGPU_RETURN_IF_ERROR(d().Check(d().cuPointerGetAttribute(&owner, CU_POINTER_ATTRIBUTE_CONTEXT, dptr),
                                 "cuMemFree_v2: cuPointerGetAttribute(" + Hex(dptr) + ")"));
  if (owner != state_->ctx) {
    return InvalidValue("cuMemFree_v2: " + Hex(dptr) + " is not an allocation of this context");
  }
  return d().Check(d().cuMemFree(dptr), "cuMemFree_v2 (" + Hex(dptr) + ")");
}

Result<MemInfo> CudaContext::MemGetInfo() {
  VGPU_RETURN_IF_ERROR(Enter());
  size_t free = 0, total = 0;
  VGPU_RETURN_IF_ERROR(d().Check(d().cuMemGetInfo(&free, &total), "cuMemGetInfo_v2"));
  return MemInfo{free, total};
}

Result<Wait> CudaContext::WaitForStreams(const std::vector<CUstream>& streams) {
  std::vector<CUevent> markers;
  auto give_back = [&] {
    for (CUevent marker : markers) state_->events.Release(marker);
  };
  for (CUstream stream : streams) {
    Result<CUevent> marker = state_->events.Acquire();
    if (!marker.ok()) {
      give_back();
      return marker.status();
    }
    markers.push_back(*marker);
    if (Status s = d().Check(d().cuEventRecord(*marker, stream),
                             [&] { return "cuEventRecord (stream " + Hex(ToHandle(stream)) + ")"; });
        !s.ok()) {
      give_back();
      return s;
    }
  }
  return MakeMarkerWait(state_, std::move(markers));
}

Result<Wait> CudaContext::Synchronize() {
  VGPU_RETURN_IF_ERROR(Enter());
  // The legacy default stream, every live stream (non-blocking ones do not
  // order behind stream 0) and the private one.
  std::vector<CUstream> streams{nullptr};
  streams.insert(streams.end(), streams_.begin(), streams_.end());
  if (event_stream_) streams.push_back(event_stream_);
  return WaitForStreams(streams);
}

}  // namespace vgpu::backend::cuda
