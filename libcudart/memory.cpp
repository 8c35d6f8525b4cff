// Device and host memory, copies, memsets and symbols, all on the driver API.
// Synchronous entry points on the legacy stream use the driver's synchronous
// copies; _ptds ones run on the per-thread stream and wait for it; memsets
// never wait, as in CUDA.
#include <cstring>

#include "libcudart/areas.h"
#include "libcudart/context.h"
#include "libcudart/errors.h"
#include "libcudart/exports.h"
#include "libcudart/host_memory.h"
#include "libcudart/registry.h"

namespace vgpu::rt {
namespace {

enum class Dir { kH2H, kH2D, kD2H, kD2D };

// How an entry point orders its work.
struct Mode {
  cudaStream_t stream = nullptr;
  bool async = false;       // *Async: return without waiting
  bool per_thread = false;  // _ptds/_ptsz: 0 means the per-thread stream
  CUstream driver() const { return ToDriverStream(stream, per_thread); }
  // Synchronous on the legacy stream: the driver's synchronous calls do it.
  bool driver_sync() const { return !async && !per_thread; }
};

bool IsDevicePointer(const void* p) {
  if (p == nullptr || FindHost(p).has_value()) return false;
  unsigned type = 0;
  CUresult res = cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, reinterpret_cast<CUdeviceptr>(p));
  return res == CUDA_SUCCESS && (type == CU_MEMORYTYPE_DEVICE || type == CU_MEMORYTYPE_UNIFIED);
}

Result<Dir> Direction(void* dst, const void* src, cudaMemcpyKind kind) {
  switch (kind) {
    case cudaMemcpyHostToHost: return Dir::kH2H;
    case cudaMemcpyHostToDevice: return Dir::kH2D;
    case cudaMemcpyDeviceToHost: return Dir::kD2H;
    case cudaMemcpyDeviceToDevice: return Dir::kD2D;
    case cudaMemcpyDefault: {
      bool d = IsDevicePointer(dst), s = IsDevicePointer(src);
      return s ? (d ? Dir::kD2D : Dir::kD2H) : (d ? Dir::kH2D : Dir::kH2H);
    }
  }
  return RtError(cudaErrorInvalidMemcpyDirection, "bad cudaMemcpyKind " + std::to_string(kind));
}

CUdeviceptr Dev(const void* p) { return reinterpret_cast<CUdeviceptr>(p); }

Status FinishSync(const Mode& mode) {
  if (!mode.async && mode.per_thread) VGPU_CU(cuStreamSynchronize(mode.driver()));
  return Status::Ok();
}

Status Copy1D(void* dst, const void* src, size_t count, cudaMemcpyKind kind, const Mode& mode) {
  VGPU_RETURN_IF_ERROR(EnsureContext().status());
  VGPU_ASSIGN_OR_RETURN(Dir dir, Direction(dst, src, kind));
  if (count == 0) return Status::Ok();
  if (dst == nullptr || src == nullptr) return InvalidValue("null copy pointer");
  if (dir == Dir::kH2H) {
    // Host copies are ordered after earlier work in the stream.
    VGPU_CU(cuStreamSynchronize(mode.driver()));
    std::memmove(dst, src, count);
    return Status::Ok();
  }
  if (mode.driver_sync()) {
    switch (dir) {
      case Dir::kH2D: VGPU_CU(cuMemcpyHtoD(Dev(dst), src, count)); break;
      case Dir::kD2H: VGPU_CU(cuMemcpyDtoH(dst, Dev(src), count)); break;
      default: VGPU_CU(cuMemcpyDtoD(Dev(dst), Dev(src), count)); break;
    }
    return Status::Ok();
  }
  CUstream s = mode.driver();
  switch (dir) {
    case Dir::kH2D: VGPU_CU(cuMemcpyHtoDAsync(Dev(dst), src, count, s)); break;
    case Dir::kD2H: VGPU_CU(cuMemcpyDtoHAsync(dst, Dev(src), count, s)); break;
    default: VGPU_CU(cuMemcpyDtoDAsync(Dev(dst), Dev(src), count, s)); break;
  }
  return FinishSync(mode);
}

// One driver 3D copy (2D copies are 3D copies of depth 1): one message on
// the wire however many rows it has.
Status DriverCopy3D(const CUDA_MEMCPY3D& m, const Mode& mode) {
  if (mode.driver_sync()) {
    VGPU_CU(cuMemcpy3D(&m));
    return Status::Ok();
  }
  VGPU_CU(cuMemcpy3DAsync(&m, mode.driver()));
  return FinishSync(mode);
}

// One side of a pitched copy: the allocation's base pointer, pitch and
// rows per slice, and the box's position in it.
struct PitchedSide {
  const void* ptr;
  size_t pitch, ysize, x, y, z;
};

Status Copy3DPitched(const PitchedSide& dst, const PitchedSide& src, size_t width, size_t height, size_t depth,
                     cudaMemcpyKind kind, const Mode& mode) {
  VGPU_RETURN_IF_ERROR(EnsureContext().status());
  VGPU_ASSIGN_OR_RETURN(Dir dir, Direction(const_cast<void*>(dst.ptr), src.ptr, kind));
  if (width == 0 || height == 0 || depth == 0) return Status::Ok();
  if (dst.ptr == nullptr || src.ptr == nullptr) return InvalidValue("null copy pointer");
  if (dir == Dir::kH2H) VGPU_CU(cuStreamSynchronize(mode.driver()));  // ordered after earlier work
  bool src_dev = dir == Dir::kD2H || dir == Dir::kD2D;
  bool dst_dev = dir == Dir::kH2D || dir == Dir::kD2D;
  CUDA_MEMCPY3D m{};
  m.srcMemoryType = src_dev ? CU_MEMORYTYPE_DEVICE : CU_MEMORYTYPE_HOST;
  if (src_dev) m.srcDevice = Dev(src.ptr); else m.srcHost = src.ptr;
  m.srcXInBytes = src.x;
  m.srcY = src.y;
  m.srcZ = src.z;
  m.srcPitch = src.pitch;
  m.srcHeight = src.ysize;
  m.dstMemoryType = dst_dev ? CU_MEMORYTYPE_DEVICE : CU_MEMORYTYPE_HOST;
  if (dst_dev) m.dstDevice = Dev(dst.ptr); else m.dstHost = const_cast<void*>(dst.ptr);
  m.dstXInBytes = dst.x;
  m.dstY = dst.y;
  m.dstZ = dst.z;
  m.dstPitch = dst.pitch;
  m.dstHeight = dst.ysize;
  m.WidthInBytes = width;
  m.Height = height;
  m.Depth = depth;
  return DriverCopy3D(m, mode);
}

Status Copy2D(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height,
              cudaMemcpyKind kind, const Mode& mode) {
  if (width > dpitch || width > spitch) return RtError(cudaErrorInvalidPitchValue, "width exceeds pitch");
  return Copy3DPitched({dst, dpitch, height, 0, 0, 0}, {src, spitch, height, 0, 0, 0}, width, height, 1, kind, mode);
}

Status Memset(void* dst, int value, size_t count, const Mode& mode) {
  VGPU_RETURN_IF_ERROR(EnsureContext().status());
  if (count == 0) return Status::Ok();
  VGPU_CU(cuMemsetD8Async(Dev(dst), static_cast<unsigned char>(value), count, mode.driver()));
  return FinishSync(mode);
}

Status Memset2D(void* dst, size_t pitch, int value, size_t width, size_t height, const Mode& mode) {
  VGPU_RETURN_IF_ERROR(EnsureContext().status());
  if (width > pitch) return RtError(cudaErrorInvalidPitchValue, "width exceeds pitch");
  if (width == 0 || height == 0) return Status::Ok();
  if (width == pitch) return Memset(dst, value, width * height, mode);
  VGPU_CU(cuMemsetD2D8Async(Dev(dst), pitch, static_cast<unsigned char>(value), width, height, mode.driver()));
  return FinishSync(mode);
}

Result<CUdeviceptr> SymbolRange(const void* symbol, size_t count, size_t offset) {
  VGPU_ASSIGN_OR_RETURN(LoadedVar var, ResolveVar(symbol));
  if (offset > var.size || count > var.size - offset)
    return InvalidValue("copy of " + std::to_string(count) + " bytes at offset " + std::to_string(offset) +
                        " exceeds the symbol's " + std::to_string(var.size) + " bytes");
  return var.address + offset;
}

Status ToSymbol(const void* symbol, const void* src, size_t count, size_t offset, cudaMemcpyKind kind,
                const Mode& mode) {
  if (kind != cudaMemcpyHostToDevice && kind != cudaMemcpyDeviceToDevice && kind != cudaMemcpyDefault)
    return RtError(cudaErrorInvalidMemcpyDirection, "copy to a symbol must go to the device");
  VGPU_ASSIGN_OR_RETURN(CUdeviceptr dst, SymbolRange(symbol, count, offset));
  if (kind == cudaMemcpyDefault) kind = IsDevicePointer(src) ? cudaMemcpyDeviceToDevice : cudaMemcpyHostToDevice;
  return Copy1D(reinterpret_cast<void*>(dst), src, count, kind, mode);
}

Status FromSymbol(void* dst, const void* symbol, size_t count, size_t offset, cudaMemcpyKind kind,
                  const Mode& mode) {
  if (kind != cudaMemcpyDeviceToHost && kind != cudaMemcpyDeviceToDevice && kind != cudaMemcpyDefault)
    return RtError(cudaErrorInvalidMemcpyDirection, "copy from a symbol must come from the device");
  VGPU_ASSIGN_OR_RETURN(CUdeviceptr src, SymbolRange(symbol, count, offset));
  if (kind == cudaMemcpyDefault) kind = IsDevicePointer(dst) ? cudaMemcpyDeviceToDevice : cudaMemcpyDeviceToHost;
  return Copy1D(dst, reinterpret_cast<const void*>(src), count, kind, mode);
}

Status Peer(void* dst, int dst_device, const void* src, int src_device, size_t count, const Mode& mode) {
  VGPU_RETURN_IF_ERROR(DriverDevice(dst_device).status());
  VGPU_RETURN_IF_ERROR(DriverDevice(src_device).status());
  // Device addresses are unique across the session's devices (UVA).
  return Copy1D(dst, src, count, cudaMemcpyDeviceToDevice, mode);
}

// Pitched (non-array) 3D copies: one driver 3D copy.
Status Copy3D(const cudaPitchedPtr& dst, const cudaPos& dst_pos, const cudaPitchedPtr& src, const cudaPos& src_pos,
              const cudaExtent& extent, cudaMemcpyKind kind, const Mode& mode) {
  return Copy3DPitched({dst.ptr, dst.pitch, dst.ysize, dst_pos.x, dst_pos.y, dst_pos.z},
                       {src.ptr, src.pitch, src.ysize, src_pos.x, src_pos.y, src_pos.z}, extent.width, extent.height,
                       extent.depth, kind, mode);
}

Status Copy3D(const cudaMemcpy3DParms* p, const Mode& mode) {
  if (p == nullptr) return InvalidValue("null cudaMemcpy3DParms");
  if (p->srcArray != nullptr || p->dstArray != nullptr) return ::vgpu::NotSupported("3D copies with CUDA arrays");
  return Copy3D(p->dstPtr, p->dstPos, p->srcPtr, p->srcPos, p->extent, p->kind, mode);
}

Status Copy3DPeer(const cudaMemcpy3DPeerParms* p, const Mode& mode) {
  if (p == nullptr) return InvalidValue("null cudaMemcpy3DPeerParms");
  if (p->srcArray != nullptr || p->dstArray != nullptr) return ::vgpu::NotSupported("3D copies with CUDA arrays");
  VGPU_RETURN_IF_ERROR(DriverDevice(p->srcDevice).status());
  VGPU_RETURN_IF_ERROR(DriverDevice(p->dstDevice).status());
  return Copy3D(p->dstPtr, p->dstPos, p->srcPtr, p->srcPos, p->extent, cudaMemcpyDeviceToDevice, mode);
}

char* SliceAt(const cudaPitchedPtr& p, size_t z) { return static_cast<char*>(p.ptr) + z * p.ysize * p.pitch; }

Status Memset3D(const cudaPitchedPtr& p, int value, const cudaExtent& extent, const Mode& mode) {
  if (extent.width == 0 || extent.height == 0 || extent.depth == 0) return Status::Ok();
  // Slices whose rows follow each other are one 2D memset.
  if (extent.height == p.ysize || extent.depth == 1) {
    return Memset2D(p.ptr, p.pitch, value, extent.width, extent.height * extent.depth, mode);
  }
  Mode slices = mode;
  slices.async = true;
  for (size_t z = 0; z < extent.depth; ++z)
    VGPU_RETURN_IF_ERROR(Memset2D(SliceAt(p, z), p.pitch, value, extent.width, extent.height, slices));
  return FinishSync(mode);
}

cudaError_t Err(const Status& s) { return ToCudaError(s); }

constexpr Mode kSync{};
Mode SyncPtds() { return Mode{nullptr, false, true}; }
Mode Async(cudaStream_t s) { return Mode{s, true, false}; }
Mode AsyncPtsz(cudaStream_t s) { return Mode{s, true, true}; }

}  // namespace

namespace memory {

cudaError_t cudaMalloc(void** devPtr, size_t size) {
  if (devPtr == nullptr) return cudaErrorInvalidValue;
  auto ctx = EnsureContext();
  if (!ctx.ok()) return Err(ctx.status());
  if (size == 0) {
    *devPtr = nullptr;
    return cudaSuccess;
  }
  CUdeviceptr ptr = 0;
  CUresult res = cuMemAlloc(&ptr, size);
  if (res != CUDA_SUCCESS) return res == CUDA_ERROR_OUT_OF_MEMORY ? cudaErrorMemoryAllocation : ToCudaError(res);
  *devPtr = reinterpret_cast<void*>(ptr);
  return cudaSuccess;
}

cudaError_t cudaMallocPitch(void** devPtr, size_t* pitch, size_t width, size_t height) {
  if (pitch == nullptr) return cudaErrorInvalidValue;
  constexpr size_t kPitchAlignment = 512;
  size_t p = (width + kPitchAlignment - 1) / kPitchAlignment * kPitchAlignment;
  *pitch = p;
  return cudaMalloc(devPtr, p * height);
}

cudaError_t cudaMallocAsync(void** devPtr, size_t size, cudaStream_t hStream) {
  (void)hStream;  // usable at once, so it is usable in stream order too
  return cudaMalloc(devPtr, size);
}

cudaError_t cudaFree(void* devPtr) {
  auto ctx = EnsureContext();  // cudaFree(0) is the idiom that creates the context
  if (!ctx.ok()) return Err(ctx.status());
  if (devPtr == nullptr) return cudaSuccess;
  CUresult res = cuMemFree(Dev(devPtr));
  return res == CUDA_ERROR_INVALID_VALUE ? cudaErrorInvalidDevicePointer : ToCudaError(res);
}

cudaError_t cudaFreeAsync(void* devPtr, cudaStream_t hStream) {
  auto ctx = EnsureContext();
  if (!ctx.ok()) return Err(ctx.status());
  if (devPtr == nullptr) return cudaSuccess;
  // Stream order: earlier work in the stream may still use the memory.
  if (CUresult res = cuStreamSynchronize(ToDriverStream(hStream, false)); res != CUDA_SUCCESS)
    return ToCudaError(res);
  return cudaFree(devPtr);
}

cudaError_t cudaMallocHost(void** ptr, size_t size) {
  if (ptr == nullptr) return cudaErrorInvalidValue;
  auto p = AllocHost(size, cudaHostAllocDefault);
  if (!p.ok()) return cudaErrorMemoryAllocation;
  *ptr = *p;
  return cudaSuccess;
}

cudaError_t cudaHostAlloc(void** pHost, size_t size, unsigned int flags) {
  if (pHost == nullptr) return cudaErrorInvalidValue;
  constexpr unsigned kKnown = cudaHostAllocPortable | cudaHostAllocMapped | cudaHostAllocWriteCombined;
  if (flags & ~kKnown) return cudaErrorInvalidValue;
  auto p = AllocHost(size, flags);
  if (!p.ok()) return cudaErrorMemoryAllocation;
  *pHost = *p;
  return cudaSuccess;
}

cudaError_t cudaFreeHost(void* ptr) {
  if (ptr == nullptr) return cudaSuccess;
  return Err(FreeHost(ptr));
}

cudaError_t cudaHostRegister(void* ptr, size_t size, unsigned int flags) {
  // A remote GPU cannot map this process's memory.
  if (flags & (cudaHostRegisterMapped | cudaHostRegisterIoMemory)) return cudaErrorNotSupported;
  return Err(RegisterHost(ptr, size, flags));
}

cudaError_t cudaHostUnregister(void* ptr) { return Err(UnregisterHost(ptr)); }

cudaError_t cudaHostGetDevicePointer(void** pDevice, void* pHost, unsigned int flags) {
  if (pDevice == nullptr || flags != 0) return cudaErrorInvalidValue;
  if (!FindHost(pHost)) return cudaErrorInvalidValue;
  return cudaErrorNotSupported;  // host memory is never visible to a remote GPU
}

cudaError_t cudaHostGetFlags(unsigned int* pFlags, void* pHost) {
  if (pFlags == nullptr) return cudaErrorInvalidValue;
  auto range = FindHost(pHost);
  if (!range) return cudaErrorInvalidValue;
  *pFlags = range->flags;
  return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t* free, size_t* total) {
  auto ctx = EnsureContext();
  if (!ctx.ok()) return Err(ctx.status());
  return ToCudaError(cuMemGetInfo(free, total));
}

cudaError_t cudaPointerGetAttributes(struct cudaPointerAttributes* attributes, const void* ptr) {
  if (attributes == nullptr) return cudaErrorInvalidValue;
  auto ctx = EnsureContext();
  if (!ctx.ok()) return Err(ctx.status());
  cudaPointerAttributes out{};
  out.type = cudaMemoryTypeUnregistered;
  out.device = cudaInvalidDeviceId;
  if (auto range = FindHost(ptr)) {
    out.type = cudaMemoryTypeHost;
    out.device = CurrentDevice();
    out.hostPointer = const_cast<void*>(ptr);
  } else if (IsDevicePointer(ptr)) {
    int ordinal = 0;
    if (cuPointerGetAttribute(&ordinal, CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL, Dev(ptr)) == CUDA_SUCCESS)
      out.device = RuntimeOrdinal(ordinal);
    else
      out.device = CurrentDevice();
    out.type = cudaMemoryTypeDevice;
    out.devicePointer = const_cast<void*>(ptr);
  } else {
    out.hostPointer = const_cast<void*>(ptr);
  }
  // 12.x callers pass the 24-byte struct without the reserved tail.
  std::memcpy(attributes, &out, AbiVersion() == 12 ? sizeof(abi12::PointerAttributes) : sizeof(out));
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t count, enum cudaMemcpyKind kind) {
  return Err(Copy1D(dst, src, count, kind, kSync));
}
cudaError_t cudaMemcpy_ptds(void* dst, const void* src, size_t count, enum cudaMemcpyKind kind) {
  return Err(Copy1D(dst, src, count, kind, SyncPtds()));
}
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t count, enum cudaMemcpyKind kind,
                            cudaStream_t stream) {
  return Err(Copy1D(dst, src, count, kind, Async(stream)));
}
cudaError_t cudaMemcpyAsync_ptsz(void* dst, const void* src, size_t count, enum cudaMemcpyKind kind,
                                 cudaStream_t stream) {
  return Err(Copy1D(dst, src, count, kind, AsyncPtsz(stream)));
}
cudaError_t cudaMemcpy2D(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height,
                         enum cudaMemcpyKind kind) {
  return Err(Copy2D(dst, dpitch, src, spitch, width, height, kind, kSync));
}
cudaError_t cudaMemcpy2D_ptds(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width,
                              size_t height, enum cudaMemcpyKind kind) {
  return Err(Copy2D(dst, dpitch, src, spitch, width, height, kind, SyncPtds()));
}
cudaError_t cudaMemcpy2DAsync(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width,
                              size_t height, enum cudaMemcpyKind kind, cudaStream_t stream) {
  return Err(Copy2D(dst, dpitch, src, spitch, width, height, kind, Async(stream)));
}
cudaError_t cudaMemcpy2DAsync_ptsz(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width,
                                   size_t height, enum cudaMemcpyKind kind, cudaStream_t stream) {
  return Err(Copy2D(dst, dpitch, src, spitch, width, height, kind, AsyncPtsz(stream)));
}
cudaError_t cudaMemcpyPeer(void* dst, int dstDevice, const void* src, int srcDevice, size_t count) {
  return Err(Peer(dst, dstDevice, src, srcDevice, count, kSync));
}
cudaError_t cudaMemcpyPeerAsync(void* dst, int dstDevice, const void* src, int srcDevice, size_t count,
                                cudaStream_t stream) {
  return Err(Peer(dst, dstDevice, src, srcDevice, count, Async(stream)));
}
cudaError_t cudaMemcpyToSymbol(const void* symbol, const void* src, size_t count, size_t offset,
                               enum cudaMemcpyKind kind) {
  return Err(ToSymbol(symbol, src, count, offset, kind, kSync));
}
cudaError_t cudaMemcpyToSymbol_ptds(const void* symbol, const void* src, size_t count, size_t offset,
                                    enum cudaMemcpyKind kind) {
  return Err(ToSymbol(symbol, src, count, offset, kind, SyncPtds()));
}
cudaError_t cudaMemcpyToSymbolAsync(const void* symbol, const void* src, size_t count, size_t offset,
                                    enum cudaMemcpyKind kind, cudaStream_t stream) {
  return Err(ToSymbol(symbol, src, count, offset, kind, Async(stream)));
}
cudaError_t cudaMemcpyToSymbolAsync_ptsz(const void* symbol, const void* src, size_t count, size_t offset,
                                         enum cudaMemcpyKind kind, cudaStream_t stream) {
  return Err(ToSymbol(symbol, src, count, offset, kind, AsyncPtsz(stream)));
}
cudaError_t cudaMemcpyFromSymbol(void* dst, const void* symbol, size_t count, size_t offset,
                                 enum cudaMemcpyKind kind) {
  return Err(FromSymbol(dst, symbol, count, offset, kind, kSync));
}
cudaError_t cudaMemcpyFromSymbol_ptds(void* dst, const void* symbol, size_t count, size_t offset,
                                      enum cudaMemcpyKind kind) {
  return Err(FromSymbol(dst, symbol, count, offset, kind, SyncPtds()));
}
cudaError_t cudaMemcpyFromSymbolAsync(void* dst, const void* symbol, size_t count, size_t offset,
                                      enum cudaMemcpyKind kind, cudaStream_t stream) {
  return Err(FromSymbol(dst, symbol, count, offset, kind, Async(stream)));
}
cudaError_t cudaMemcpyFromSymbolAsync_ptsz(void* dst, const void* symbol, size_t count, size_t offset,
                                           enum cudaMemcpyKind kind, cudaStream_t stream) {
  return Err(FromSymbol(dst, symbol, count, offset, kind, AsyncPtsz(stream)));
}
cudaError_t cudaGetSymbolAddress(void** devPtr, const void* symbol) {
  if (devPtr == nullptr) return cudaErrorInvalidValue;
  auto var = ResolveVar(symbol);
  if (!var.ok()) return Err(var.status());
  *devPtr = reinterpret_cast<void*>(var->address);
  return cudaSuccess;
}
cudaError_t cudaGetSymbolSize(size_t* size, const void* symbol) {
  if (size == nullptr) return cudaErrorInvalidValue;
  auto var = ResolveVar(symbol);
  if (!var.ok()) return Err(var.status());
  *size = var->size;
  return cudaSuccess;
}
cudaError_t cudaMemset(void* devPtr, int value, size_t count) {
  return Err(Memset(devPtr, value, count, kSync));
}
cudaError_t cudaMemset_ptds(void* devPtr, int value, size_t count) {
  return Err(Memset(devPtr, value, count, SyncPtds()));
}
cudaError_t cudaMemsetAsync(void* devPtr, int value, size_t count, cudaStream_t stream) {
  return Err(Memset(devPtr, value, count, Async(stream)));
}
cudaError_t cudaMemsetAsync_ptsz(void* devPtr, int value, size_t count, cudaStream_t stream) {
  return Err(Memset(devPtr, value, count, AsyncPtsz(stream)));
}
cudaError_t cudaMemset2D(void* devPtr, size_t pitch, int value, size_t width, size_t height) {
  return Err(Memset2D(devPtr, pitch, value, width, height, kSync));
}
cudaError_t cudaMemset2D_ptds(void* devPtr, size_t pitch, int value, size_t width, size_t height) {
  return Err(Memset2D(devPtr, pitch, value, width, height, SyncPtds()));
}
cudaError_t cudaMemset2DAsync(void* devPtr, size_t pitch, int value, size_t width, size_t height,
                              cudaStream_t stream) {
  return Err(Memset2D(devPtr, pitch, value, width, height, Async(stream)));
}
cudaError_t cudaMemset2DAsync_ptsz(void* devPtr, size_t pitch, int value, size_t width, size_t height,
                                   cudaStream_t stream) {
  return Err(Memset2D(devPtr, pitch, value, width, height, AsyncPtsz(stream)));
}

cudaError_t cudaMemcpy3D(const struct cudaMemcpy3DParms* p) { return Err(Copy3D(p, kSync)); }
cudaError_t cudaMemcpy3D_ptds(const struct cudaMemcpy3DParms* p) { return Err(Copy3D(p, SyncPtds())); }
cudaError_t cudaMemcpy3DAsync(const struct cudaMemcpy3DParms* p, cudaStream_t stream) {
  return Err(Copy3D(p, Async(stream)));
}
cudaError_t cudaMemcpy3DAsync_ptsz(const struct cudaMemcpy3DParms* p, cudaStream_t stream) {
  return Err(Copy3D(p, AsyncPtsz(stream)));
}
cudaError_t cudaMemcpy3DPeer(const struct cudaMemcpy3DPeerParms* p) { return Err(Copy3DPeer(p, kSync)); }
cudaError_t cudaMemcpy3DPeer_ptds(const struct cudaMemcpy3DPeerParms* p) { return Err(Copy3DPeer(p, SyncPtds())); }
cudaError_t cudaMemcpy3DPeerAsync(const struct cudaMemcpy3DPeerParms* p, cudaStream_t stream) {
  return Err(Copy3DPeer(p, Async(stream)));
}
cudaError_t cudaMemcpy3DPeerAsync_ptsz(const struct cudaMemcpy3DPeerParms* p, cudaStream_t stream) {
  return Err(Copy3DPeer(p, AsyncPtsz(stream)));
}
cudaError_t cudaMemset3D(struct cudaPitchedPtr pitchedDevPtr, int value, struct cudaExtent extent) {
  return Err(Memset3D(pitchedDevPtr, value, extent, kSync));
}
cudaError_t cudaMemset3D_ptds(struct cudaPitchedPtr pitchedDevPtr, int value, struct cudaExtent extent) {
  return Err(Memset3D(pitchedDevPtr, value, extent, SyncPtds()));
}
cudaError_t cudaMemset3DAsync(struct cudaPitchedPtr pitchedDevPtr, int value, struct cudaExtent extent,
                              cudaStream_t stream) {
  return Err(Memset3D(pitchedDevPtr, value, extent, Async(stream)));
}
cudaError_t cudaMemset3DAsync_ptsz(struct cudaPitchedPtr pitchedDevPtr, int value, struct cudaExtent extent,
                                   cudaStream_t stream) {
  return Err(Memset3D(pitchedDevPtr, value, extent, AsyncPtsz(stream)));
}

}  // namespace memory
}  // namespace vgpu::rt
