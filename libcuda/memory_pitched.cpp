// Memory area, 2D and 3D: cuMemcpy2D*, cuMemcpy3D*, cuMemsetD2D*. One wire
// message per copy (Memcpy3D) or per piece of at most kCopyChunkBytes of
// packed rows, never one per row. Host-side rows are packed densely on the
// client (only WidthInBytes of each row travels) and unpacked into the
// pitched host layout when a reply lands. CUDA arrays do not exist in vgpu
// yet, so CU_MEMORYTYPE_ARRAY is CUDA_ERROR_NOT_SUPPORTED.
#include <algorithm>
#include <cstring>

#include "common/hex.h"
#include "libcuda/areas.h"
#include "libcuda/objects.h"
#include "proto/protocol.h"

namespace vgpu::cu::memory {
namespace {

// One side of a copy, in the fields of CUDA_MEMCPY3D (2D copies have z = 0).
struct Side {
  CUmemorytype type;
  const void* host;
  CUdeviceptr device;
  CUarray array;
  size_t x, y, z, pitch, height;
};

struct Copy {
  Side src, dst;
  size_t width, height, depth;
};

template <class T>
Copy From2D(const T& c) {
  return Copy{{c.srcMemoryType, c.srcHost, c.srcDevice, c.srcArray, c.srcXInBytes, c.srcY, 0, c.srcPitch, 0},
              {c.dstMemoryType, c.dstHost, c.dstDevice, c.dstArray, c.dstXInBytes, c.dstY, 0, c.dstPitch, 0},
              c.WidthInBytes, c.Height, 1};
}

template <class T>
Copy From3D(const T& c) {
  return Copy{{c.srcMemoryType, c.srcHost, c.srcDevice, c.srcArray, c.srcXInBytes, c.srcY, c.srcZ, c.srcPitch,
               c.srcHeight},
              {c.dstMemoryType, c.dstHost, c.dstDevice, c.dstArray, c.dstXInBytes, c.dstY, c.dstZ, c.dstPitch,
               c.dstHeight},
              c.WidthInBytes, c.Height, c.Depth};
}

// Resolves CU_MEMORYTYPE_UNIFIED by the pointer and rejects what vgpu
// cannot do. On success side.type is HOST or DEVICE.
Status Classify(Side& side, const char* name) {
  switch (side.type) {
    case CU_MEMORYTYPE_HOST:
      if (side.host == nullptr) return InvalidValue(std::string(name) + " host pointer is null");
      return Status();
    case CU_MEMORYTYPE_DEVICE:
      return Status();
    case CU_MEMORYTYPE_UNIFIED:
      if (Objects::Get().FindAllocation(side.device, 1, nullptr)) {
        side.type = CU_MEMORYTYPE_DEVICE;
      } else {
        side.type = CU_MEMORYTYPE_HOST;
        side.host = reinterpret_cast<const void*>(side.device);
        if (side.host == nullptr) return InvalidValue(std::string(name) + " pointer is null");
      }
      return Status();
    case CU_MEMORYTYPE_ARRAY:
      return NotSupported(std::string(name) + " is a CUDA array; vgpu has no CUDA arrays yet");
    default:
      return InvalidValue(std::string(name) + " memory type " + std::to_string(side.type) + " is not a CUmemorytype");
  }
}

// The same rules the server applies (server/session/pitched_box.cpp).
Status CheckLayout(const Side& side, const Copy& copy, const char* name) {
  bool many_rows = copy.height > 1 || copy.depth > 1;
  bool slices = copy.depth > 1 || side.z > 0;
  if (many_rows && side.pitch < side.x + copy.width) {
    return InvalidValue(std::string(name) + " pitch " + std::to_string(side.pitch) + " is less than x + width");
  }
  if (slices && side.height < side.y + copy.height) {
    return InvalidValue(std::string(name) + " height " + std::to_string(side.height) + " is less than y + height");
  }
  return Status();
}

size_t SlicePitch(const Side& side, const Copy& copy) {
  return copy.depth > 1 || side.z > 0 ? side.pitch * side.height : 0;
}

// First byte of the box and the bytes it spans; overflow is an error.
Status BoxRange(const Side& side, const Copy& copy, uintptr_t base, uintptr_t* first, size_t* span) {
  using Wide = unsigned __int128;
  Wide slice = SlicePitch(side, copy);
  Wide origin = Wide{base} + Wide{side.z} * slice + Wide{side.y} * side.pitch + side.x;
  Wide extent = Wide{copy.depth - 1} * slice + Wide{copy.height - 1} * side.pitch + copy.width;
  if (origin + extent > (Wide{1} << 64)) return InvalidValue("2D/3D copy box overflows the address space");
  *first = static_cast<uintptr_t>(origin);
  *span = static_cast<size_t>(extent);
  return Status();
}

void SetRegion(wire::PitchedRegion* region, const Side& side, size_t dx, size_t dy, size_t dz) {
  region->set_ptr(side.device);
  region->set_x_bytes(side.x + dx);
  region->set_y(side.y + dy);
  region->set_z(side.z + dz);
  region->set_pitch(side.pitch);
  region->set_height(side.height);
}

// A piece of the copy: offsets into the box and its own extent.
struct Piece {
  size_t dx, dy, dz, width, height, depth;
};

// Cuts the box into pieces of at most `limit` packed bytes: whole slices
// when they fit, else runs of whole rows, else parts of rows.
std::vector<Piece> Pieces(const Copy& copy, size_t limit) {
  std::vector<Piece> pieces;
  size_t slice_bytes = copy.width * copy.height;
  if (slice_bytes <= limit) {
    size_t slices = std::max<size_t>(1, limit / slice_bytes);
    for (size_t z = 0; z < copy.depth; z += slices) {
      pieces.push_back({0, 0, z, copy.width, copy.height, std::min(slices, copy.depth - z)});
    }
  } else if (copy.width <= limit) {
    size_t rows = limit / copy.width;
    for (size_t z = 0; z < copy.depth; ++z) {
      for (size_t y = 0; y < copy.height; y += rows) {
        pieces.push_back({0, y, z, copy.width, std::min(rows, copy.height - y), 1});
      }
    }
  } else {
    for (size_t z = 0; z < copy.depth; ++z) {
      for (size_t y = 0; y < copy.height; ++y) {
        for (size_t x = 0; x < copy.width; x += limit) pieces.push_back({x, y, z, std::min(limit, copy.width - x), 1, 1});
      }
    }
  }
  return pieces;
}

// Host address of a piece's first byte, and its layout.
HostBox HostLayout(const Side& side, const Copy& copy, const Piece& piece, void** first) {
  size_t slice = SlicePitch(side, copy);
  auto* base = static_cast<char*>(const_cast<void*>(side.host));
  *first = base + (side.z + piece.dz) * slice + (side.y + piece.dy) * side.pitch + side.x + piece.dx;
  return HostBox{piece.width, piece.height, piece.depth, side.pitch, slice};
}

wire::Call PieceCall(const StreamTarget& target, wire::CopyDirection direction, const Copy& copy, const Piece& piece,
                     bool async) {
  wire::Call call;
  auto* op = call.mutable_memcpy_3d();
  op->set_ctx(target.ctx->id);
  op->set_direction(direction);
  if (direction != wire::COPY_HOST_TO_DEVICE) SetRegion(op->mutable_src(), copy.src, piece.dx, piece.dy, piece.dz);
  if (direction != wire::COPY_DEVICE_TO_HOST) SetRegion(op->mutable_dst(), copy.dst, piece.dx, piece.dy, piece.dz);
  op->set_width_bytes(piece.width);
  op->set_height(piece.height);
  op->set_depth(piece.depth);
  op->set_async(async);
  return call;
}

Status HostToHost(const Copy& copy) {
  for (size_t z = 0; z < copy.depth; ++z) {
    for (size_t y = 0; y < copy.height; ++y) {
      const auto* from = static_cast<const char*>(copy.src.host) + (copy.src.z + z) * SlicePitch(copy.src, copy) +
                         (copy.src.y + y) * copy.src.pitch + copy.src.x;
      auto* to = static_cast<char*>(const_cast<void*>(copy.dst.host)) + (copy.dst.z + z) * SlicePitch(copy.dst, copy) +
                 (copy.dst.y + y) * copy.dst.pitch + copy.dst.x;
      std::memmove(to, from, copy.width);
    }
  }
  return Status();
}

Status Run(Copy copy, CUstream stream, bool per_thread, bool async) {
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_RETURN_IF_ERROR(Classify(copy.src, "source"));
  VGPU_RETURN_IF_ERROR(Classify(copy.dst, "destination"));
  if (copy.width == 0 || copy.height == 0 || copy.depth == 0) return Status();
  VGPU_RETURN_IF_ERROR(CheckLayout(copy.src, copy, "source"));
  VGPU_RETURN_IF_ERROR(CheckLayout(copy.dst, copy, "destination"));
  for (const Side* side : {&copy.src, &copy.dst}) {
    if (side->type != CU_MEMORYTYPE_DEVICE) continue;
    uintptr_t first = 0;
    size_t span = 0;
    VGPU_RETURN_IF_ERROR(BoxRange(*side, copy, side->device, &first, &span));
    if (!Objects::Get().FindAllocation(first, span, nullptr)) {
      return InvalidValue("device range " + Hex(first) + "+" + std::to_string(span) + " is not allocated");
    }
  }
  bool src_host = copy.src.type == CU_MEMORYTYPE_HOST;
  bool dst_host = copy.dst.type == CU_MEMORYTYPE_HOST;
  if (src_host && dst_host) return HostToHost(copy);
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(stream, per_thread));

  if (!src_host && !dst_host) {
    Piece whole{0, 0, 0, copy.width, copy.height, copy.depth};
    return Submit(session, target, GraphOp{.call = PieceCall(target, wire::COPY_DEVICE_TO_DEVICE, copy, whole, async)});
  }
  std::vector<Piece> pieces = Pieces(copy, wire::kCopyChunkBytes);
  if (src_host) {
    for (const Piece& piece : pieces) {
      GraphOp op{.call = PieceCall(target, wire::COPY_HOST_TO_DEVICE, copy, piece, async), .kind = GraphOp::Kind::kHtoD3D};
      op.box = HostLayout(copy.src, copy, piece, &op.host);
      VGPU_RETURN_IF_ERROR(Submit(session, target, std::move(op)));
    }
    return Status();
  }
  if (!async) VGPU_RETURN_IF_ERROR(ForbidWhileCapturing(target));
  auto status = std::make_shared<CopyStatus>();
  for (size_t i = 0; i < pieces.size(); ++i) {
    GraphOp op{.call = PieceCall(target, wire::COPY_DEVICE_TO_HOST, copy, pieces[i], async),
               .kind = GraphOp::Kind::kDtoH3D};
    op.box = HostLayout(copy.dst, copy, pieces[i], &op.host);
    if (i + 1 == pieces.size() && !async) {
      // The pieces before it landed by the time its reply arrives; the reply reads the
      // stream's data (fences first) and proves the stream got this far.
      VGPU_ASSIGN_OR_RETURN(auto reply, CallProvingStream(session, target, std::move(op.call)));
      UnpackHostBox(reply->memcpy_3d().data(), op.host, op.box);
      std::lock_guard lock(status->mutex);
      return status->status;
    }
    VGPU_RETURN_IF_ERROR(Submit(session, target, std::move(op), status));
  }
  return Status();
}

Status Set2D(CUdeviceptr dst, size_t pitch, uint32_t value, uint32_t element_size, size_t width, size_t height,
             CUstream stream, bool per_thread) {
  if (width == 0 || height == 0) return Status();
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(stream, per_thread));
  if (dst % element_size != 0 || pitch % element_size != 0) return InvalidValue("2D memset is misaligned");
  if (height > 1 && pitch / element_size < width) return InvalidValue("2D memset pitch is less than its width");
  unsigned __int128 span = (unsigned __int128){height - 1} * pitch + (unsigned __int128){width} * element_size;
  if (span >= (unsigned __int128){1} << 64 ||
      !Objects::Get().FindAllocation(dst, static_cast<size_t>(span), nullptr)) {
    return InvalidValue("2D memset range " + Hex(dst) + " is not allocated");
  }
  wire::Call call;
  auto* op = call.mutable_memset_2d();
  op->set_ctx(target.ctx->id);
  op->set_dst(dst);
  op->set_pitch(pitch);
  op->set_value(value);
  op->set_element_size(element_size);
  op->set_width(width);
  op->set_height(height);
  return Submit(session, target, GraphOp{.call = std::move(call)});
}

template <class T>
Status Checked(const T* copy) {
  if (copy == nullptr) return InvalidValue("pCopy is null");
  return Status();
}

}  // namespace

// ---- 2D copies ----

Status cuMemcpy2D_v2(const CUDA_MEMCPY2D_v2* pCopy) {
  VGPU_RETURN_IF_ERROR(Checked(pCopy));
  return Run(From2D(*pCopy), nullptr, false, false);
}
Status cuMemcpy2D_v2_ptds(const CUDA_MEMCPY2D_v2* pCopy) {
  VGPU_RETURN_IF_ERROR(Checked(pCopy));
  return Run(From2D(*pCopy), nullptr, true, false);
}
Status cuMemcpy2D(const CUDA_MEMCPY2D_v1* pCopy) {
  VGPU_RETURN_IF_ERROR(Checked(pCopy));
  return Run(From2D(*pCopy), nullptr, false, false);
}
// Unaligned differs only in what the hardware's copy engine may assume.
Status cuMemcpy2DUnaligned_v2(const CUDA_MEMCPY2D_v2* pCopy) { return memory::cuMemcpy2D_v2(pCopy); }
Status cuMemcpy2DUnaligned_v2_ptds(const CUDA_MEMCPY2D_v2* pCopy) { return memory::cuMemcpy2D_v2_ptds(pCopy); }
Status cuMemcpy2DUnaligned(const CUDA_MEMCPY2D_v1* pCopy) { return memory::cuMemcpy2D(pCopy); }
Status cuMemcpy2DAsync_v2(const CUDA_MEMCPY2D_v2* pCopy, CUstream hStream) {
  VGPU_RETURN_IF_ERROR(Checked(pCopy));
  return Run(From2D(*pCopy), hStream, false, true);
}
Status cuMemcpy2DAsync_v2_ptsz(const CUDA_MEMCPY2D_v2* pCopy, CUstream hStream) {
  VGPU_RETURN_IF_ERROR(Checked(pCopy));
  return Run(From2D(*pCopy), hStream, true, true);
}
Status cuMemcpy2DAsync(const CUDA_MEMCPY2D_v1* pCopy, CUstream hStream) {
  VGPU_RETURN_IF_ERROR(Checked(pCopy));
  return Run(From2D(*pCopy), hStream, false, true);
}

// ---- 3D copies ----

Status cuMemcpy3D_v2(const CUDA_MEMCPY3D_v2* pCopy) {
  VGPU_RETURN_IF_ERROR(Checked(pCopy));
  return Run(From3D(*pCopy), nullptr, false, false);
}
Status cuMemcpy3D_v2_ptds(const CUDA_MEMCPY3D_v2* pCopy) {
  VGPU_RETURN_IF_ERROR(Checked(pCopy));
  return Run(From3D(*pCopy), nullptr, true, false);
}
Status cuMemcpy3D(const CUDA_MEMCPY3D_v1* pCopy) {
  VGPU_RETURN_IF_ERROR(Checked(pCopy));
  return Run(From3D(*pCopy), nullptr, false, false);
}
Status cuMemcpy3DAsync_v2(const CUDA_MEMCPY3D_v2* pCopy, CUstream hStream) {
  VGPU_RETURN_IF_ERROR(Checked(pCopy));
  return Run(From3D(*pCopy), hStream, false, true);
}
Status cuMemcpy3DAsync_v2_ptsz(const CUDA_MEMCPY3D_v2* pCopy, CUstream hStream) {
  VGPU_RETURN_IF_ERROR(Checked(pCopy));
  return Run(From3D(*pCopy), hStream, true, true);
}
Status cuMemcpy3DAsync(const CUDA_MEMCPY3D_v1* pCopy, CUstream hStream) {
  VGPU_RETURN_IF_ERROR(Checked(pCopy));
  return Run(From3D(*pCopy), hStream, false, true);
}

// ---- 2D memsets ----

#define VGPU_MEMSET_2D(bits, bytes, type)                                                                       \
  Status cuMemsetD2D##bits##_v2(CUdeviceptr_v2 dstDevice, size_t dstPitch, type value, size_t Width,            \
                                size_t Height) {                                                                \
    return Set2D(dstDevice, dstPitch, value, bytes, Width, Height, nullptr, false);                             \
  }                                                                                                             \
  Status cuMemsetD2D##bits##_v2_ptds(CUdeviceptr_v2 dstDevice, size_t dstPitch, type value, size_t Width,       \
                                     size_t Height) {                                                           \
    return Set2D(dstDevice, dstPitch, value, bytes, Width, Height, nullptr, true);                              \
  }                                                                                                             \
  Status cuMemsetD2D##bits(CUdeviceptr_v1 dstDevice, unsigned int dstPitch, type value, unsigned int Width,     \
                           unsigned int Height) {                                                               \
    return Set2D(dstDevice, dstPitch, value, bytes, Width, Height, nullptr, false);                             \
  }                                                                                                             \
  Status cuMemsetD2D##bits##Async(CUdeviceptr_v2 dstDevice, size_t dstPitch, type value, size_t Width,          \
                                  size_t Height, CUstream hStream) {                                            \
    return Set2D(dstDevice, dstPitch, value, bytes, Width, Height, hStream, false);                             \
  }                                                                                                             \
  Status cuMemsetD2D##bits##Async_ptsz(CUdeviceptr_v2 dstDevice, size_t dstPitch, type value, size_t Width,     \
                                       size_t Height, CUstream hStream) {                                       \
    return Set2D(dstDevice, dstPitch, value, bytes, Width, Height, hStream, true);                              \
  }
VGPU_MEMSET_2D(8, 1, unsigned char)
VGPU_MEMSET_2D(16, 2, unsigned short)
VGPU_MEMSET_2D(32, 4, unsigned int)
#undef VGPU_MEMSET_2D

}  // namespace vgpu::cu::memory
