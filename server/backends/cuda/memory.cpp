// Copies and memsets. Host data always goes through pinned staging buffers:
// an async copy from pageable memory may block the calling thread on the
// stream, and the executor must never block on the GPU.
#include <algorithm>
#include <cstring>

#include "server/backends/cuda/context.h"
#include "server/backends/cuda/waits.h"

namespace vgpu::backend::cuda {

namespace {

// Large uploads (model weights) go in pieces, so a few cached buffers cycle
// instead of one pinned allocation as large as the copy.
constexpr size_t kUploadChunk = size_t{32} << 20;

// A pinned staging buffer for one copy, and the event that says when the copy is done with it.
struct Staged {
  CUevent done;
  PinnedBlock block;
};

Result<Staged> AcquireStaged(ContextState& state, size_t bytes) {
  VGPU_ASSIGN_OR_RETURN(CUevent done, state.events.Acquire());
  Result<PinnedBlock> block = state.staging.Acquire(bytes);
  if (!block.ok()) {
    state.events.Release(done);
    return block.status();
  }
  return Staged{done, *block};
}

// After the caller enqueued a copy through `staged.block` (`copy_result`), records `done`
// behind it. On failure nothing leaks: the buffer goes back to the pool, or, when the copy is
// enqueued but cannot be tracked, is retired (never reused); the event is released.
template <typename DescribeCall>
Status RecordStaged(ContextState& state, const Staged& staged, CUstream stream, CUresult copy_result,
                    DescribeCall&& call) {
  const Driver& d = *state.driver;
  if (Status s = d.Check(copy_result, call); !s.ok()) {
    state.staging.Release(staged.block);
    state.events.Release(staged.done);
    return s;
  }
  if (Status s = d.Check(d.cuEventRecord(staged.done, stream), [&] { return call() + ": cuEventRecord"; }); !s.ok()) {
    state.staging.Retire(staged.block);
    state.events.Release(staged.done);
    return s;
  }
  return Status();
}

}  // namespace

Status CudaContext::MemcpyHtoD(DevicePtr dst, std::string&& data, Handle stream) {
  VGPU_RETURN_IF_ERROR(Enter());
  for (size_t offset = 0; offset < data.size(); offset += kUploadChunk) {
    const size_t bytes = std::min(kUploadChunk, data.size() - offset);
    VGPU_ASSIGN_OR_RETURN(Staged staged, AcquireStaged(*state_, bytes));
    std::memcpy(staged.block.data, data.data() + offset, bytes);
    auto call = [&] { return "cuMemcpyHtoDAsync_v2 (" + Hex(dst + offset) + ", " + std::to_string(bytes) + " bytes)"; };
    VGPU_RETURN_IF_ERROR(RecordStaged(*state_, staged, ToStream(stream),
                                      d().cuMemcpyHtoDAsync(dst + offset, staged.block.data, bytes, ToStream(stream)),
                                      call));
    state_->staging.ReleaseAfter(staged.block, staged.done, ToStream(stream));
  }
  return Status();
}

Result<Wait> CudaContext::MemcpyDtoH(std::string* dst, DevicePtr src, uint64_t bytesize, Handle stream) {
  VGPU_RETURN_IF_ERROR(Enter());
  if (bytesize == 0) {
    dst->clear();
    return Done();
  }
  VGPU_ASSIGN_OR_RETURN(Staged staged, AcquireStaged(*state_, bytesize));
  auto call = [&] { return "cuMemcpyDtoHAsync_v2 (" + Hex(src) + ", " + std::to_string(bytesize) + " bytes)"; };
  VGPU_RETURN_IF_ERROR(RecordStaged(*state_, staged, ToStream(stream),
                                    d().cuMemcpyDtoHAsync(staged.block.data, src, bytesize, ToStream(stream)), call));
  return MakeCopyOutWait(state_, staged.done, ToStream(stream), staged.block, dst, bytesize);
}

Status CudaContext::MemcpyDtoD(DevicePtr dst, DevicePtr src, uint64_t bytesize, Handle stream) {
  VGPU_RETURN_IF_ERROR(Enter());
  return d().Check(d().cuMemcpyDtoDAsync(dst, src, bytesize, ToStream(stream)),
                   [&] {
                     return "cuMemcpyDtoDAsync_v2 (" + Hex(dst) + " <- " + Hex(src) + ", " + std::to_string(bytesize) +
                            " bytes)";
                   });
}

Status CudaContext::Memset(DevicePtr dst, uint32_t value, uint32_t element_size, uint64_t count, Handle stream) {
  VGPU_RETURN_IF_ERROR(Enter());
  auto where = [&](const char* call) {
    return [=] { return call + (" (" + Hex(dst) + ", " + std::to_string(count) + " elements)"); };
  };
  switch (element_size) {
    case 1:
      return d().Check(d().cuMemsetD8Async(dst, static_cast<unsigned char>(value), count, ToStream(stream)),
                       where("cuMemsetD8Async"));
    case 2:
      return d().Check(d().cuMemsetD16Async(dst, static_cast<unsigned short>(value), count, ToStream(stream)),
                       where("cuMemsetD16Async"));
    case 4:
      return d().Check(d().cuMemsetD32Async(dst, value, count, ToStream(stream)), where("cuMemsetD32Async"));
    default:
      return InvalidValue("memset: element size " + std::to_string(element_size) + " is not 1, 2 or 4");
  }
}

// ---- 2D / 3D: one cuMemcpy3DAsync each; host rows are packed in staging ----

namespace {

// A device box as cuMemcpy3D's source or destination: the box's first byte
// with zero offsets, its pitch and rows per slice.
void SetDevice(CUDA_MEMCPY3D& m, bool source, const PitchedPtr& p) {
  size_t height = p.pitch == 0 ? 0 : p.slice_pitch / p.pitch;
  if (source) {
    m.srcMemoryType = CU_MEMORYTYPE_DEVICE, m.srcDevice = p.ptr, m.srcPitch = p.pitch, m.srcHeight = height;
  } else {
    m.dstMemoryType = CU_MEMORYTYPE_DEVICE, m.dstDevice = p.ptr, m.dstPitch = p.pitch, m.dstHeight = height;
  }
}

void SetPackedHost(CUDA_MEMCPY3D& m, bool source, void* host, const Extent3D& extent) {
  if (source) {
    m.srcMemoryType = CU_MEMORYTYPE_HOST, m.srcHost = host, m.srcPitch = extent.width_bytes,
    m.srcHeight = extent.height;
  } else {
    m.dstMemoryType = CU_MEMORYTYPE_HOST, m.dstHost = host, m.dstPitch = extent.width_bytes,
    m.dstHeight = extent.height;
  }
}

void SetExtent(CUDA_MEMCPY3D& m, const Extent3D& extent) {
  m.WidthInBytes = extent.width_bytes;
  m.Height = extent.height;
  m.Depth = extent.depth;
}

std::string Describe(const char* what, const Extent3D& extent) {
  return std::string("cuMemcpy3DAsync_v2 (") + what + ", " + std::to_string(extent.width_bytes) + "x" +
         std::to_string(extent.height) + "x" + std::to_string(extent.depth) + ")";
}

}  // namespace

Status CudaContext::Memcpy3DHtoD(const PitchedPtr& dst, const Extent3D& extent, std::string&& packed,
                                 Handle stream) {
  VGPU_RETURN_IF_ERROR(Enter());
  VGPU_ASSIGN_OR_RETURN(Staged staged, AcquireStaged(*state_, packed.size()));
  std::memcpy(staged.block.data, packed.data(), packed.size());
  CUDA_MEMCPY3D m{};
  SetPackedHost(m, true, staged.block.data, extent);
  SetDevice(m, false, dst);
  SetExtent(m, extent);
  VGPU_RETURN_IF_ERROR(RecordStaged(*state_, staged, ToStream(stream), d().cuMemcpy3DAsync(&m, ToStream(stream)),
                                    [&] { return Describe("host to device", extent); }));
  state_->staging.ReleaseAfter(staged.block, staged.done, ToStream(stream));
  return Status();
}

Result<Wait> CudaContext::Memcpy3DDtoH(std::string* packed, const PitchedPtr& src, const Extent3D& extent,
                                       Handle stream) {
  VGPU_RETURN_IF_ERROR(Enter());
  VGPU_ASSIGN_OR_RETURN(Staged staged, AcquireStaged(*state_, extent.packed_bytes()));
  CUDA_MEMCPY3D m{};
  SetDevice(m, true, src);
  SetPackedHost(m, false, staged.block.data, extent);
  SetExtent(m, extent);
  VGPU_RETURN_IF_ERROR(RecordStaged(*state_, staged, ToStream(stream), d().cuMemcpy3DAsync(&m, ToStream(stream)),
                                    [&] { return Describe("device to host", extent); }));
  return MakeCopyOutWait(state_, staged.done, ToStream(stream), staged.block, packed, extent.packed_bytes());
}

Status CudaContext::Memcpy3DDtoD(const PitchedPtr& dst, const PitchedPtr& src, const Extent3D& extent,
                                 Handle stream) {
  VGPU_RETURN_IF_ERROR(Enter());
  CUDA_MEMCPY3D m{};
  SetDevice(m, true, src);
  SetDevice(m, false, dst);
  SetExtent(m, extent);
  return d().Check(d().cuMemcpy3DAsync(&m, ToStream(stream)), [&] { return Describe("device to device", extent); });
}

Status CudaContext::Memset2D(DevicePtr dst, uint64_t pitch, uint32_t value, uint32_t element_size, uint64_t width,
                             uint64_t height, Handle stream) {
  VGPU_RETURN_IF_ERROR(Enter());
  auto where = [&](const char* call) {
    return [=] { return call + (" (" + Hex(dst) + ", " + std::to_string(width) + "x" + std::to_string(height) + ")"); };
  };
  switch (element_size) {
    case 1:
      return d().Check(d().cuMemsetD2D8Async(dst, pitch, static_cast<unsigned char>(value), width, height,
                                             ToStream(stream)),
                       where("cuMemsetD2D8Async"));
    case 2:
      return d().Check(d().cuMemsetD2D16Async(dst, pitch, static_cast<unsigned short>(value), width, height,
                                              ToStream(stream)),
                       where("cuMemsetD2D16Async"));
    case 4:
      return d().Check(d().cuMemsetD2D32Async(dst, pitch, value, width, height, ToStream(stream)),
                       where("cuMemsetD2D32Async"));
    default:
      return InvalidValue("2D memset: element size " + std::to_string(element_size) + " is not 1, 2 or 4");
  }
}

}  // namespace vgpu::backend::cuda
