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

}  // namespace

Status CudaContext::MemcpyHtoD(DevicePtr dst, std::string&& data, Handle stream) {
  VGPU_RETURN_IF_ERROR(Enter());
  StagingPool& staging = state_->staging;
  for (size_t offset = 0; offset < data.size(); offset += kUploadChunk) {
    const size_t bytes = std::min(kUploadChunk, data.size() - offset);
    VGPU_ASSIGN_OR_RETURN(CUevent done, state_->events.Acquire());
    Result<PinnedBlock> block = staging.Acquire(bytes);
    if (!block.ok()) {
      state_->events.Release(done);
      return block.status();
    }
    std::memcpy(block->data, data.data() + offset, bytes);

    auto call = [&] { return "cuMemcpyHtoDAsync_v2 (" + Hex(dst + offset) + ", " + std::to_string(bytes) + " bytes)"; };
    if (Status s = d().Check(d().cuMemcpyHtoDAsync(dst + offset, block->data, bytes, ToStream(stream)), call);
        !s.ok()) {
      staging.Release(*block);
      state_->events.Release(done);
      return s;
    }
    if (Status s = d().Check(d().cuEventRecord(done, ToStream(stream)), [&] { return call() + ": cuEventRecord"; });
        !s.ok()) {
      // The copy is enqueued but cannot be tracked: never reuse its buffer.
      staging.Retire(*block);
      state_->events.Release(done);
      return s;
    }
    staging.ReleaseAfter(*block, done, ToStream(stream));
  }
  return Status();
}

Result<Wait> CudaContext::MemcpyDtoH(std::string* dst, DevicePtr src, uint64_t bytesize, Handle stream) {
  VGPU_RETURN_IF_ERROR(Enter());
  if (bytesize == 0) {
    dst->clear();
    return Done();
  }
  StagingPool& staging = state_->staging;
  VGPU_ASSIGN_OR_RETURN(CUevent done, state_->events.Acquire());
  Result<PinnedBlock> block = staging.Acquire(bytesize);
  if (!block.ok()) {
    state_->events.Release(done);
    return block.status();
  }
  auto call = [&] { return "cuMemcpyDtoHAsync_v2 (" + Hex(src) + ", " + std::to_string(bytesize) + " bytes)"; };
  if (Status s = d().Check(d().cuMemcpyDtoHAsync(block->data, src, bytesize, ToStream(stream)), call); !s.ok()) {
    staging.Release(*block);
    state_->events.Release(done);
    return s;
  }
  if (Status s = d().Check(d().cuEventRecord(done, ToStream(stream)), [&] { return call() + ": cuEventRecord"; });
      !s.ok()) {
    staging.Retire(*block);
    state_->events.Release(done);
    return s;
  }
  return MakeCopyOutWait(state_, done, ToStream(stream), *block, dst, bytesize);
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

}  // namespace vgpu::backend::cuda
