// Memory area. Host-to-device copies and memsets are posted without a round
// trip (the bytes are already on the wire when the call returns, so the
// caller may reuse its buffer); device-to-host copies land through replies.
// Every device range is checked locally first, so a bad pointer fails at
// once with the error a driver gives.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/hex.h"
#include "libcuda/areas.h"
#include "libcuda/objects.h"
#include "proto/protocol.h"

namespace vgpu::cu::memory {
namespace {

Status CheckDeviceRange(CUdeviceptr ptr, size_t size, Objects::Allocation* out = nullptr) {
  if (!Objects::Get().FindAllocation(ptr, size, out)) {
    return InvalidValue("device range " + Hex(ptr) + "+" + std::to_string(size) + " is not allocated");
  }
  return Status();
}

Status HtoD(CUdeviceptr dst, const void* src, size_t bytes, CUstream stream, bool per_thread) {
  if (bytes == 0) return Status();
  if (src == nullptr) return InvalidValue("source is null");
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(stream, per_thread));
  VGPU_RETURN_IF_ERROR(CheckDeviceRange(dst, bytes));
  const auto* bytes_in = static_cast<const char*>(src);
  for (size_t offset = 0; offset < bytes; offset += wire::kCopyChunkBytes) {
    size_t chunk = std::min<size_t>(wire::kCopyChunkBytes, bytes - offset);
    GraphOp op{.call = {}, .kind = GraphOp::Kind::kHtoD, .host = const_cast<char*>(bytes_in + offset), .size = chunk};
    auto* copy = op.call.mutable_memcpy_htod();
    copy->set_ctx(target.ctx->id);
    copy->set_dst(dst + offset);
    VGPU_RETURN_IF_ERROR(Submit(session, target, std::move(op)));
  }
  return Status();
}

Status DtoH(void* dst, CUdeviceptr src, size_t bytes, CUstream stream, bool per_thread, bool async) {
  if (bytes == 0) return Status();
  if (dst == nullptr) return InvalidValue("destination is null");
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(stream, per_thread));
  VGPU_RETURN_IF_ERROR(CheckDeviceRange(src, bytes));
  if (!async) VGPU_RETURN_IF_ERROR(ForbidWhileCapturing(target));
  auto status = std::make_shared<CopyStatus>();
  auto* out = static_cast<uint8_t*>(dst);
  for (size_t offset = 0; offset < bytes; offset += wire::kCopyChunkBytes) {
    size_t chunk = std::min<size_t>(wire::kCopyChunkBytes, bytes - offset);
    bool last = offset + chunk == bytes;
    wire::Call call;
    auto* op = call.mutable_memcpy_dtoh();
    op->set_ctx(target.ctx->id);
    op->set_src(src + offset);
    op->set_bytesize(chunk);
    op->set_stream(target.stream);
    op->set_async(async);
    if (last && !async) {
      // The chunks before it landed by the time its reply arrives, and the
      // reply proves the stream got this far (a synchronize after it is free).
      VGPU_ASSIGN_OR_RETURN(auto reply, CallProvingStream(session, target, std::move(call)));
      const std::string& data = reply->memcpy_dtoh().data();
      std::memcpy(out + offset, data.data(), std::min(data.size(), chunk));
      std::lock_guard lock(status->mutex);
      return status->status;
    }
    GraphOp landing{.call = std::move(call), .kind = GraphOp::Kind::kDtoH, .host = out + offset, .size = chunk};
    VGPU_RETURN_IF_ERROR(Submit(session, target, std::move(landing), status));
  }
  return Status();
}

Status DtoD(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream stream, bool per_thread) {
  if (bytes == 0) return Status();
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(stream, per_thread));
  VGPU_RETURN_IF_ERROR(CheckDeviceRange(src, bytes));
  VGPU_RETURN_IF_ERROR(CheckDeviceRange(dst, bytes));
  wire::Call call;
  auto* op = call.mutable_memcpy_dtod();
  op->set_ctx(target.ctx->id);
  op->set_dst(dst);
  op->set_src(src);
  op->set_bytesize(bytes);
  return Submit(session, target, GraphOp{.call = std::move(call)});
}

// cuMemcpy with unified addressing: the pointers say which way.
Status Unified(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream stream, bool per_thread, bool async) {
  bool dst_device = Objects::Get().FindAllocation(dst, 1, nullptr);
  bool src_device = Objects::Get().FindAllocation(src, 1, nullptr);
  if (dst_device && src_device) return DtoD(dst, src, bytes, stream, per_thread);
  if (dst_device) return HtoD(dst, reinterpret_cast<const void*>(src), bytes, stream, per_thread);
  if (src_device) return DtoH(reinterpret_cast<void*>(dst), src, bytes, stream, per_thread, async);
  if (bytes > 0 && (dst == 0 || src == 0)) return InvalidValue("null pointer");
  std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), bytes);
  return Status();
}

Status Set(CUdeviceptr dst, uint32_t value, uint32_t element_size, size_t count, CUstream stream, bool per_thread) {
  if (count == 0) return Status();
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(stream, per_thread));
  if (dst % element_size != 0) return InvalidValue("memset destination is misaligned");
  VGPU_RETURN_IF_ERROR(CheckDeviceRange(dst, count * element_size));
  wire::Call call;
  auto* op = call.mutable_memset();
  op->set_ctx(target.ctx->id);
  op->set_dst(dst);
  op->set_value(value);
  op->set_element_size(element_size);
  op->set_count(count);
  return Submit(session, target, GraphOp{.call = std::move(call)});
}

}  // namespace

// ---- allocation ----

Status cuMemAlloc_v2(CUdeviceptr_v2* dptr, size_t bytesize) {
  if (dptr == nullptr) return InvalidValue("dptr is null");
  if (bytesize == 0) return InvalidValue("cannot allocate 0 bytes");
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(CUctx_st * ctx, CurrentContext());
  wire::Call call;
  auto* op = call.mutable_mem_alloc();
  op->set_ctx(ctx->id);
  op->set_bytesize(bytesize);
  VGPU_ASSIGN_OR_RETURN(auto reply, session->Call(std::move(call)));
  *dptr = reply->mem_alloc().dptr();
  Objects::Get().AddAllocation(*dptr, bytesize, ctx);
  return Status();
}

Status cuMemAlloc(CUdeviceptr_v1* dptr, unsigned int bytesize) {
  if (dptr == nullptr) return InvalidValue("dptr is null");
  CUdeviceptr_v2 wide = 0;
  VGPU_RETURN_IF_ERROR(memory::cuMemAlloc_v2(&wide, bytesize));
  if (wide > UINT32_MAX) {
    (void)memory::cuMemFree_v2(wide);
    return NotSupported("the 32-bit cuMemAlloc cannot hold this device address; use cuMemAlloc_v2");
  }
  *dptr = static_cast<CUdeviceptr_v1>(wide);
  return Status();
}

Status cuMemFree_v2(CUdeviceptr_v2 dptr) {
  if (dptr == 0) return Status();
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  Objects::Allocation allocation;
  if (!Objects::Get().FindAllocation(dptr, 0, &allocation) || allocation.base != dptr) {
    return InvalidValue(Hex(dptr) + " is not an allocation");
  }
  Objects::Get().RemoveAllocation(dptr);
  wire::Call call;
  auto* op = call.mutable_mem_free();
  op->set_ctx(allocation.ctx->id);
  op->set_dptr(dptr);
  return session->Post(std::move(call));
}

Status cuMemFree(CUdeviceptr_v1 dptr) { return memory::cuMemFree_v2(dptr); }

Status cuMemGetInfo_v2(size_t* free, size_t* total) {
  if (free == nullptr || total == nullptr) return InvalidValue("null argument");
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(CUctx_st * ctx, CurrentContext());
  wire::Call call;
  call.mutable_mem_get_info()->set_ctx(ctx->id);
  VGPU_ASSIGN_OR_RETURN(auto reply, session->Call(std::move(call)));
  *free = reply->mem_get_info().free();
  *total = reply->mem_get_info().total();
  return Status();
}

Status cuMemGetInfo(unsigned int* free, unsigned int* total) {
  if (free == nullptr || total == nullptr) return InvalidValue("null argument");
  size_t wide_free = 0, wide_total = 0;
  VGPU_RETURN_IF_ERROR(memory::cuMemGetInfo_v2(&wide_free, &wide_total));
  *free = static_cast<unsigned int>(std::min<size_t>(wide_free, UINT32_MAX));
  *total = static_cast<unsigned int>(std::min<size_t>(wide_total, UINT32_MAX));
  return Status();
}

Status cuMemAllocPitch_v2(CUdeviceptr_v2* dptr, size_t* pPitch, size_t WidthInBytes, size_t Height,
                          unsigned int ElementSizeBytes) {
  if (dptr == nullptr || pPitch == nullptr) return InvalidValue("null argument");
  if (ElementSizeBytes != 4 && ElementSizeBytes != 8 && ElementSizeBytes != 16) {
    return InvalidValue("ElementSizeBytes must be 4, 8 or 16");
  }
  if (WidthInBytes == 0 || Height == 0) return InvalidValue("empty pitched allocation");
  constexpr size_t kPitchAlignment = 512;
  size_t pitch = (WidthInBytes + kPitchAlignment - 1) / kPitchAlignment * kPitchAlignment;
  VGPU_RETURN_IF_ERROR(memory::cuMemAlloc_v2(dptr, pitch * Height));
  *pPitch = pitch;
  return Status();
}

Status cuMemAllocPitch(CUdeviceptr_v1* dptr, unsigned int* pPitch, unsigned int WidthInBytes, unsigned int Height,
                       unsigned int ElementSizeBytes) {
  if (dptr == nullptr || pPitch == nullptr) return InvalidValue("null argument");
  CUdeviceptr_v2 wide = 0;
  size_t pitch = 0;
  VGPU_RETURN_IF_ERROR(memory::cuMemAllocPitch_v2(&wide, &pitch, WidthInBytes, Height, ElementSizeBytes));
  if (wide > UINT32_MAX) {
    (void)memory::cuMemFree_v2(wide);
    return NotSupported("the 32-bit cuMemAllocPitch cannot hold this device address");
  }
  *dptr = static_cast<CUdeviceptr_v1>(wide);
  *pPitch = static_cast<unsigned int>(pitch);
  return Status();
}

Status cuMemGetAddressRange_v2(CUdeviceptr_v2* pbase, size_t* psize, CUdeviceptr_v2 dptr) {
  VGPU_RETURN_IF_ERROR(Connected().status());
  Objects::Allocation allocation;
  if (!Objects::Get().FindAllocation(dptr, 0, &allocation)) return NotFound(Hex(dptr) + " is not device memory");
  if (pbase) *pbase = allocation.base;
  if (psize) *psize = allocation.size;
  return Status();
}

Status cuMemGetAddressRange(CUdeviceptr_v1* pbase, unsigned int* psize, CUdeviceptr_v1 dptr) {
  CUdeviceptr_v2 base = 0;
  size_t size = 0;
  VGPU_RETURN_IF_ERROR(memory::cuMemGetAddressRange_v2(&base, &size, dptr));
  if (pbase) *pbase = static_cast<CUdeviceptr_v1>(base);
  if (psize) *psize = static_cast<unsigned int>(size);
  return Status();
}

// ---- host memory: local, since it lives in this process ----

Status cuMemHostAlloc(void** pp, size_t bytesize, unsigned int Flags) {
  if (pp == nullptr) return InvalidValue("pp is null");
  if (bytesize == 0) return InvalidValue("cannot allocate 0 bytes");
  VGPU_RETURN_IF_ERROR(CurrentContext().status());
  if (Flags & CU_MEMHOSTALLOC_DEVICEMAP) {
    return NotSupported("mapped host memory cannot be reached by a GPU on another machine");
  }
  constexpr size_t kAlignment = 4096;
  void* p = std::aligned_alloc(kAlignment, (bytesize + kAlignment - 1) / kAlignment * kAlignment);
  if (p == nullptr) return OutOfMemory("host allocation of " + std::to_string(bytesize) + " bytes failed");
  Objects::Get().AddHost(p, bytesize, Flags, /*owned=*/true);
  *pp = p;
  return Status();
}

Status cuMemAllocHost_v2(void** pp, size_t bytesize) { return memory::cuMemHostAlloc(pp, bytesize, 0); }
Status cuMemAllocHost(void** pp, unsigned int bytesize) { return memory::cuMemHostAlloc(pp, bytesize, 0); }

Status cuMemFreeHost(void* p) {
  if (p == nullptr || !Objects::Get().RemoveHost(p, /*owned=*/true)) {
    return InvalidValue("not a host allocation of this driver");
  }
  std::free(p);
  return Status();
}

Status cuMemHostGetFlags(unsigned int* pFlags, void* p) {
  if (pFlags == nullptr) return InvalidValue("pFlags is null");
  if (!Objects::Get().FindHost(p, nullptr, nullptr, pFlags)) return InvalidValue("not page-locked host memory");
  return Status();
}

Status cuMemHostGetDevicePointer_v2(CUdeviceptr_v2* pdptr, void* p, unsigned int Flags) {
  if (pdptr == nullptr || Flags != 0) return InvalidValue("bad argument");
  if (!Objects::Get().FindHost(p, nullptr, nullptr, nullptr)) return InvalidValue("not page-locked host memory");
  return NotSupported("host memory cannot be mapped into a GPU on another machine");
}

Status cuMemHostGetDevicePointer(CUdeviceptr_v1* pdptr, void* p, unsigned int Flags) {
  CUdeviceptr_v2 wide = 0;
  VGPU_RETURN_IF_ERROR(memory::cuMemHostGetDevicePointer_v2(&wide, p, Flags));
  *pdptr = static_cast<CUdeviceptr_v1>(wide);
  return Status();
}

Status cuMemHostRegister_v2(void* p, size_t bytesize, unsigned int Flags) {
  if (p == nullptr || bytesize == 0) return InvalidValue("bad range");
  VGPU_RETURN_IF_ERROR(CurrentContext().status());
  if (Flags & (CU_MEMHOSTREGISTER_DEVICEMAP | CU_MEMHOSTREGISTER_IOMEMORY)) {
    return NotSupported("registered memory cannot be mapped into a GPU on another machine");
  }
  if (Objects::Get().FindHost(p, nullptr, nullptr, nullptr)) {
    return Status(static_cast<Code>(CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED), "already registered");
  }
  // Copies go through the network anyway; pinning would buy nothing.
  Objects::Get().AddHost(p, bytesize, Flags, /*owned=*/false);
  return Status();
}

Status cuMemHostRegister(void* p, size_t bytesize, unsigned int Flags) { return memory::cuMemHostRegister_v2(p, bytesize, Flags); }

Status cuMemHostUnregister(void* p) {
  if (p == nullptr || !Objects::Get().RemoveHost(p, /*owned=*/false)) {
    return Status(static_cast<Code>(CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED), "not registered with cuMemHostRegister");
  }
  return Status();
}

// ---- copies ----

Status cuMemcpyHtoD_v2(CUdeviceptr_v2 dstDevice, const void* srcHost, size_t ByteCount) {
  return HtoD(dstDevice, srcHost, ByteCount, nullptr, false);
}
Status cuMemcpyHtoD_v2_ptds(CUdeviceptr_v2 dstDevice, const void* srcHost, size_t ByteCount) {
  return HtoD(dstDevice, srcHost, ByteCount, nullptr, true);
}
Status cuMemcpyHtoD(CUdeviceptr_v1 dstDevice, const void* srcHost, unsigned int ByteCount) {
  return HtoD(dstDevice, srcHost, ByteCount, nullptr, false);
}
Status cuMemcpyHtoDAsync_v2(CUdeviceptr_v2 dstDevice, const void* srcHost, size_t ByteCount, CUstream hStream) {
  return HtoD(dstDevice, srcHost, ByteCount, hStream, false);
}
Status cuMemcpyHtoDAsync_v2_ptsz(CUdeviceptr_v2 dstDevice, const void* srcHost, size_t ByteCount, CUstream hStream) {
  return HtoD(dstDevice, srcHost, ByteCount, hStream, true);
}
Status cuMemcpyHtoDAsync(CUdeviceptr_v1 dstDevice, const void* srcHost, unsigned int ByteCount, CUstream hStream) {
  return HtoD(dstDevice, srcHost, ByteCount, hStream, false);
}

Status cuMemcpyDtoH_v2(void* dstHost, CUdeviceptr_v2 srcDevice, size_t ByteCount) {
  return DtoH(dstHost, srcDevice, ByteCount, nullptr, false, false);
}
Status cuMemcpyDtoH_v2_ptds(void* dstHost, CUdeviceptr_v2 srcDevice, size_t ByteCount) {
  return DtoH(dstHost, srcDevice, ByteCount, nullptr, true, false);
}
Status cuMemcpyDtoH(void* dstHost, CUdeviceptr_v1 srcDevice, unsigned int ByteCount) {
  return DtoH(dstHost, srcDevice, ByteCount, nullptr, false, false);
}
Status cuMemcpyDtoHAsync_v2(void* dstHost, CUdeviceptr_v2 srcDevice, size_t ByteCount, CUstream hStream) {
  return DtoH(dstHost, srcDevice, ByteCount, hStream, false, true);
}
Status cuMemcpyDtoHAsync_v2_ptsz(void* dstHost, CUdeviceptr_v2 srcDevice, size_t ByteCount, CUstream hStream) {
  return DtoH(dstHost, srcDevice, ByteCount, hStream, true, true);
}
Status cuMemcpyDtoHAsync(void* dstHost, CUdeviceptr_v1 srcDevice, unsigned int ByteCount, CUstream hStream) {
  return DtoH(dstHost, srcDevice, ByteCount, hStream, false, true);
}

Status cuMemcpyDtoD_v2(CUdeviceptr_v2 dstDevice, CUdeviceptr_v2 srcDevice, size_t ByteCount) {
  return DtoD(dstDevice, srcDevice, ByteCount, nullptr, false);
}
Status cuMemcpyDtoD_v2_ptds(CUdeviceptr_v2 dstDevice, CUdeviceptr_v2 srcDevice, size_t ByteCount) {
  return DtoD(dstDevice, srcDevice, ByteCount, nullptr, true);
}
Status cuMemcpyDtoD(CUdeviceptr_v1 dstDevice, CUdeviceptr_v1 srcDevice, unsigned int ByteCount) {
  return DtoD(dstDevice, srcDevice, ByteCount, nullptr, false);
}
Status cuMemcpyDtoDAsync_v2(CUdeviceptr_v2 dstDevice, CUdeviceptr_v2 srcDevice, size_t ByteCount, CUstream hStream) {
  return DtoD(dstDevice, srcDevice, ByteCount, hStream, false);
}
Status cuMemcpyDtoDAsync_v2_ptsz(CUdeviceptr_v2 dstDevice, CUdeviceptr_v2 srcDevice, size_t ByteCount,
                                 CUstream hStream) {
  return DtoD(dstDevice, srcDevice, ByteCount, hStream, true);
}
Status cuMemcpyDtoDAsync(CUdeviceptr_v1 dstDevice, CUdeviceptr_v1 srcDevice, unsigned int ByteCount,
                         CUstream hStream) {
  return DtoD(dstDevice, srcDevice, ByteCount, hStream, false);
}

Status cuMemcpy(CUdeviceptr_v2 dst, CUdeviceptr_v2 src, size_t ByteCount) {
  return Unified(dst, src, ByteCount, nullptr, false, false);
}
Status cuMemcpy_ptds(CUdeviceptr_v2 dst, CUdeviceptr_v2 src, size_t ByteCount) {
  return Unified(dst, src, ByteCount, nullptr, true, false);
}
Status cuMemcpyAsync(CUdeviceptr_v2 dst, CUdeviceptr_v2 src, size_t ByteCount, CUstream hStream) {
  return Unified(dst, src, ByteCount, hStream, false, true);
}
Status cuMemcpyAsync_ptsz(CUdeviceptr_v2 dst, CUdeviceptr_v2 src, size_t ByteCount, CUstream hStream) {
  return Unified(dst, src, ByteCount, hStream, true, true);
}

// ---- memset ----

Status cuMemsetD8_v2(CUdeviceptr_v2 dstDevice, unsigned char uc, size_t N) { return Set(dstDevice, uc, 1, N, nullptr, false); }
Status cuMemsetD8_v2_ptds(CUdeviceptr_v2 dstDevice, unsigned char uc, size_t N) { return Set(dstDevice, uc, 1, N, nullptr, true); }
Status cuMemsetD8(CUdeviceptr_v1 dstDevice, unsigned char uc, unsigned int N) { return Set(dstDevice, uc, 1, N, nullptr, false); }
Status cuMemsetD16_v2(CUdeviceptr_v2 dstDevice, unsigned short us, size_t N) { return Set(dstDevice, us, 2, N, nullptr, false); }
Status cuMemsetD16_v2_ptds(CUdeviceptr_v2 dstDevice, unsigned short us, size_t N) { return Set(dstDevice, us, 2, N, nullptr, true); }
Status cuMemsetD16(CUdeviceptr_v1 dstDevice, unsigned short us, unsigned int N) { return Set(dstDevice, us, 2, N, nullptr, false); }
Status cuMemsetD32_v2(CUdeviceptr_v2 dstDevice, unsigned int ui, size_t N) { return Set(dstDevice, ui, 4, N, nullptr, false); }
Status cuMemsetD32_v2_ptds(CUdeviceptr_v2 dstDevice, unsigned int ui, size_t N) { return Set(dstDevice, ui, 4, N, nullptr, true); }
Status cuMemsetD32(CUdeviceptr_v1 dstDevice, unsigned int ui, unsigned int N) { return Set(dstDevice, ui, 4, N, nullptr, false); }
Status cuMemsetD8Async(CUdeviceptr_v2 dstDevice, unsigned char uc, size_t N, CUstream hStream) { return Set(dstDevice, uc, 1, N, hStream, false); }
Status cuMemsetD8Async_ptsz(CUdeviceptr_v2 dstDevice, unsigned char uc, size_t N, CUstream hStream) { return Set(dstDevice, uc, 1, N, hStream, true); }
Status cuMemsetD16Async(CUdeviceptr_v2 dstDevice, unsigned short us, size_t N, CUstream hStream) { return Set(dstDevice, us, 2, N, hStream, false); }
Status cuMemsetD16Async_ptsz(CUdeviceptr_v2 dstDevice, unsigned short us, size_t N, CUstream hStream) { return Set(dstDevice, us, 2, N, hStream, true); }
Status cuMemsetD32Async(CUdeviceptr_v2 dstDevice, unsigned int ui, size_t N, CUstream hStream) { return Set(dstDevice, ui, 4, N, hStream, false); }
Status cuMemsetD32Async_ptsz(CUdeviceptr_v2 dstDevice, unsigned int ui, size_t N, CUstream hStream) { return Set(dstDevice, ui, 4, N, hStream, true); }

// ---- pointer queries, answered from local tracking ----

Status cuPointerGetAttribute(void* data, CUpointer_attribute attribute, CUdeviceptr_v2 ptr) {
  if (data == nullptr) return InvalidValue("data is null");
  VGPU_RETURN_IF_ERROR(Connected().status());
  Objects::Allocation allocation;
  bool device = Objects::Get().FindAllocation(ptr, 0, &allocation);
  void* host_base = nullptr;
  size_t host_size = 0;
  bool host = !device && Objects::Get().FindHost(reinterpret_cast<void*>(ptr), &host_base, &host_size, nullptr);
  if (!device && !host) return InvalidValue(Hex(ptr) + " is not memory this driver knows");
  switch (attribute) {
    case CU_POINTER_ATTRIBUTE_CONTEXT:
      if (!device) return InvalidValue("host memory belongs to no context");
      *static_cast<CUcontext*>(data) = allocation.ctx;
      return Status();
    case CU_POINTER_ATTRIBUTE_MEMORY_TYPE:
      *static_cast<unsigned int*>(data) = device ? CU_MEMORYTYPE_DEVICE : CU_MEMORYTYPE_HOST;
      return Status();
    case CU_POINTER_ATTRIBUTE_DEVICE_POINTER:
      if (!device) return NotSupported("host memory has no device address here");
      *static_cast<CUdeviceptr*>(data) = ptr;
      return Status();
    case CU_POINTER_ATTRIBUTE_HOST_POINTER:
      if (device) return InvalidValue("device memory has no host address");
      *static_cast<void**>(data) = reinterpret_cast<void*>(ptr);
      return Status();
    case CU_POINTER_ATTRIBUTE_IS_MANAGED:
    case CU_POINTER_ATTRIBUTE_MAPPED:
      *static_cast<unsigned int*>(data) = attribute == CU_POINTER_ATTRIBUTE_MAPPED && device ? 1 : 0;
      return Status();
    case CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL:
      *static_cast<int*>(data) = device ? allocation.ctx->device : 0;
      return Status();
    case CU_POINTER_ATTRIBUTE_RANGE_START_ADDR:
      *static_cast<CUdeviceptr*>(data) = device ? allocation.base : reinterpret_cast<CUdeviceptr>(host_base);
      return Status();
    case CU_POINTER_ATTRIBUTE_RANGE_SIZE:
      *static_cast<size_t*>(data) = device ? allocation.size : host_size;
      return Status();
    case CU_POINTER_ATTRIBUTE_BUFFER_ID:
      *static_cast<unsigned long long*>(data) = device ? allocation.base : reinterpret_cast<uintptr_t>(host_base);
      return Status();
    default:
      return NotSupported("pointer attribute " + std::to_string(attribute) + " is not supported by vgpu");
  }
}

Status cuPointerGetAttributes(unsigned int numAttributes, CUpointer_attribute* attributes, void** data,
                              CUdeviceptr_v2 ptr) {
  if (numAttributes > 0 && (attributes == nullptr || data == nullptr)) return InvalidValue("null argument");
  for (unsigned int i = 0; i < numAttributes; ++i) {
    if (data[i] == nullptr) continue;
    Status status = memory::cuPointerGetAttribute(data[i], attributes[i], ptr);
    // As the driver does for unknown memory: report it as unregistered.
    if (!status.ok() && attributes[i] == CU_POINTER_ATTRIBUTE_MEMORY_TYPE) *static_cast<unsigned int*>(data[i]) = 0;
  }
  return Status();
}

}  // namespace vgpu::cu::memory
