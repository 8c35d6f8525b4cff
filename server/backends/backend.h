// The interface between vgpu-server's sessions and a device implementation:
// `cuda` (the host's real driver) or `emu` (the software GPU).
//
// Ownership: a Backend lives as long as the server. Each client session opens
// one BackendSession; destroying it (client gone, crashed or killed) frees
// every context, allocation, stream, event and module it created. A session
// is driven by one executor thread at a time, plus its waiter thread, which
// only ever runs the Wait functions the session handed it.
//
// Asynchrony: operations that take a `stream` are enqueued on it and may
// return before they finish. Operations that must observe the device return
// a Wait instead of blocking: the session runs it on its waiter thread, so
// the executor keeps taking calls (design principle 3).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/backends/device_output.h"
#include "server/backends/emu/blas/routine.h"

namespace vgpu::backend {

// A backend's own handle for a stream, event or module. 0 is the context's
// legacy default stream wherever a stream is expected.
using Handle = uint64_t;
using DevicePtr = uint64_t;

// Blocks until an operation completes; returns its outcome (for instance an
// illegal address hit by an earlier kernel). Runs on the waiter thread.
using Wait = std::function<Status()>;

inline Wait Done(Status status = Status()) {
  return [status] { return status; };
}

struct DeviceInfo {
  std::string name;
  uint8_t uuid[16] = {};
  uint64_t total_memory = 0;
  uint32_t pci_domain = 0;
  uint32_t pci_bus = 0;
  uint32_t pci_device = 0;
  // attributes[i] = value of CUdevice_attribute i; sized CU_DEVICE_ATTRIBUTE_MAX.
  std::vector<int32_t> attributes;
};

struct ParamSlot {
  uint32_t offset = 0;
  uint32_t size = 0;
};

struct FunctionInfo {
  std::string name;
  std::vector<ParamSlot> params;
  uint32_t param_bytes = 0;
  // attributes[i] = value of CUfunction_attribute i; sized CU_FUNC_ATTRIBUTE_MAX.
  std::vector<int32_t> attributes;
};

struct GlobalInfo {
  std::string name;
  DevicePtr dptr = 0;
  uint64_t size = 0;
};

struct ModuleInfo {
  std::vector<FunctionInfo> functions;
  std::vector<GlobalInfo> globals;
};

struct LaunchConfig {
  uint32_t grid[3] = {1, 1, 1};
  uint32_t block[3] = {1, 1, 1};
  uint32_t shared_mem_bytes = 0;
  bool cooperative = false;
};

// One cuBLAS GEMM call, checked by the session (handle, shape, strided
// ranges, the pointer arrays themselves); the backend checks each pointer it
// reads from a pointer array against the session's memory.
struct BlasGemm {
  bool trans_a = false, trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  double alpha = 1, beta = 0;
  DevicePtr a = 0, b = 0, c = 0;
  int32_t a_type = 0, b_type = 0, c_type = 0, compute = 0;  // cudaDataType_t, cublasComputeType_t
  int64_t lda = 0, ldb = 0, ldc = 0;
  int64_t batch = 1;
  bool pointer_arrays = false;
  int64_t stride_a = 0, stride_b = 0, stride_c = 0;  // elements
  // Device pointer mode: alpha/beta are read (in the compute type) from
  // these device addresses when the GEMM runs; 0 in host mode.
  DevicePtr alpha_ptr = 0, beta_ptr = 0;
};

// A scalar of a BLAS routine: ScalarSize bytes by value, or (device != 0)
// read from that device address when the routine runs.
struct BlasScalar {
  uint8_t value[16] = {};
  DevicePtr device = 0;
};

// One BLAS-1/2/3 routine (server/backends/emu/blas/routine.h), checked by
// the session: the routine, every range of a strided batch, the pointer
// arrays themselves, device scalars and the device result. The backend
// checks each pointer it reads from a pointer array.
struct BlasCall {
  emu::blas::Routine routine;
  BlasScalar alpha, beta;
  DevicePtr a = 0, b = 0, c = 0, x = 0, y = 0;
  DevicePtr result = 0;  // level 1, device pointer mode
  int64_t batch = 1;
  bool pointer_arrays = false;
  int64_t stride_a = 0, stride_b = 0, stride_c = 0;  // elements
};

// One device side of a 2D/3D copy: the box's first byte and the strides of
// its rows and slices, already checked by the session.
struct PitchedPtr {
  DevicePtr ptr = 0;
  uint64_t pitch = 0;
  uint64_t slice_pitch = 0;
};

struct Extent3D {
  uint64_t width_bytes = 0;
  uint64_t height = 1;
  uint64_t depth = 1;
  uint64_t rows() const { return height * depth; }
  uint64_t packed_bytes() const { return width_bytes * height * depth; }
};

// Address of row `row` (0 .. extent.rows()-1) of a pitched box.
inline DevicePtr RowAddress(const PitchedPtr& p, const Extent3D& extent, uint64_t row) {
  return p.ptr + (row / extent.height) * p.slice_pitch + (row % extent.height) * p.pitch;
}

struct MemInfo {
  uint64_t free = 0;
  uint64_t total = 0;
};

// One CUDA context of one session. Destroying it frees what it created.
class Context {
 public:
  virtual ~Context() = default;

  // ---- memory ----
  virtual Result<DevicePtr> MemAlloc(uint64_t bytesize) = 0;
  virtual Status MemFree(DevicePtr dptr) = 0;
  virtual Result<MemInfo> MemGetInfo() = 0;
  // Takes the bytes: they may be staged until the copy runs.
  virtual Status MemcpyHtoD(DevicePtr dst, std::string&& data, Handle stream) = 0;
  // Fills *dst (resized to bytesize) by the time the returned Wait returns.
  virtual Result<Wait> MemcpyDtoH(std::string* dst, DevicePtr src, uint64_t bytesize, Handle stream) = 0;
  virtual Status MemcpyDtoD(DevicePtr dst, DevicePtr src, uint64_t bytesize, Handle stream) = 0;
  // element_size is 1, 2 or 4; count is in elements.
  virtual Status Memset(DevicePtr dst, uint32_t value, uint32_t element_size, uint64_t count, Handle stream) = 0;

  // ---- 2D / 3D, checked by the session ----
  // The defaults issue one 1D operation per row; a backend may do better.
  // `packed` holds extent.rows() rows of extent.width_bytes each.
  virtual Status Memcpy3DHtoD(const PitchedPtr& dst, const Extent3D& extent, std::string&& packed, Handle stream) {
    for (uint64_t row = 0; row < extent.rows(); ++row) {
      VGPU_RETURN_IF_ERROR(MemcpyHtoD(RowAddress(dst, extent, row),
                                      packed.substr(row * extent.width_bytes, extent.width_bytes), stream));
    }
    return Status();
  }
  // Fills *packed (extent.packed_bytes()) by the time the returned Wait returns.
  virtual Result<Wait> Memcpy3DDtoH(std::string* packed, const PitchedPtr& src, const Extent3D& extent,
                                    Handle stream) {
    auto rows = std::make_shared<std::vector<std::string>>(extent.rows());
    std::vector<Wait> waits;
    for (uint64_t row = 0; row < extent.rows(); ++row) {
      VGPU_ASSIGN_OR_RETURN(Wait wait,
                            MemcpyDtoH(&(*rows)[row], RowAddress(src, extent, row), extent.width_bytes, stream));
      waits.push_back(std::move(wait));
    }
    return Wait([packed, rows, waits = std::move(waits)]() -> Status {
      for (const Wait& wait : waits) VGPU_RETURN_IF_ERROR(wait());
      packed->clear();
      for (const std::string& row : *rows) packed->append(row);
      return Status();
    });
  }
  virtual Status Memcpy3DDtoD(const PitchedPtr& dst, const PitchedPtr& src, const Extent3D& extent, Handle stream) {
    for (uint64_t row = 0; row < extent.rows(); ++row) {
      VGPU_RETURN_IF_ERROR(MemcpyDtoD(RowAddress(dst, extent, row), RowAddress(src, extent, row),
                                      extent.width_bytes, stream));
    }
    return Status();
  }
  // `height` rows of `width` elements, `pitch` bytes apart.
  virtual Status Memset2D(DevicePtr dst, uint64_t pitch, uint32_t value, uint32_t element_size, uint64_t width,
                          uint64_t height, Handle stream) {
    for (uint64_t row = 0; row < height; ++row) {
      VGPU_RETURN_IF_ERROR(Memset(dst + row * pitch, value, element_size, width, stream));
    }
    return Status();
  }

  // ---- stream ----
  virtual Result<Handle> StreamCreate(uint32_t flags, int32_t priority) = 0;
  virtual Status StreamDestroy(Handle stream) = 0;
  virtual Result<Wait> StreamSynchronize(Handle stream) = 0;
  // OK when idle, Code::kNotReady while work is pending.
  virtual Status StreamQuery(Handle stream) = 0;
  virtual Status StreamWaitEvent(Handle stream, Handle event, uint32_t flags) = 0;

  // ---- event ----
  virtual Result<Handle> EventCreate(uint32_t flags) = 0;
  virtual Status EventDestroy(Handle event) = 0;
  virtual Status EventRecord(Handle event, Handle stream) = 0;
  virtual Result<Wait> EventSynchronize(Handle event) = 0;
  virtual Status EventQuery(Handle event) = 0;
  virtual Result<float> EventElapsedTime(Handle start, Handle end) = 0;

  // ---- context ----
  virtual Result<Wait> Synchronize() = 0;

  // ---- module / function ----
  // `image` is untrusted: a fatbin container, cubin or PTX text.
  virtual Result<Handle> ModuleLoad(std::span<const uint8_t> image, ModuleInfo* info) = 0;
  virtual Status ModuleUnload(Handle module) = 0;
  // Address and size of a module-scope variable (`__device__`/`__constant__`).
  // Used for names ModuleLoad did not list in ModuleInfo::globals.
  virtual Result<GlobalInfo> ModuleGetGlobal(Handle module, const std::string& name) = 0;
  // `params` is packed with the layout ModuleLoad reported for `function`.
  virtual Status Launch(Handle module, uint32_t function, const LaunchConfig& config,
                        std::span<const uint8_t> params, Handle stream) = 0;
  virtual Status FuncSetAttribute(Handle module, uint32_t function, int32_t attribute, int32_t value) = 0;

  // Where this context's kernels write printf and assert text; null when the backend
  // delivers none (the real driver prints on the GPU host itself).
  virtual std::shared_ptr<DeviceOutput> device_output() { return nullptr; }

  // ---- cuBLAS ----
  // Handles are created lazily by the backend, one per client handle id.
  virtual Status BlasDestroy(uint64_t /*handle*/) { return Status(); }
  virtual Status BlasGemm(uint64_t /*handle*/, const backend::BlasGemm& /*gemm*/, Handle /*stream*/) {
    return Status(Code::kNotSupported, "this backend has no cuBLAS");
  }
  // Runs `call` in `stream`'s order. A level-1 result with call.result == 0
  // goes to *host_result (resized to its size) by the time the stream's
  // synchronize Wait returns.
  virtual Status BlasRun(uint64_t /*handle*/, const backend::BlasCall& /*call*/, Handle /*stream*/,
                         std::string* /*host_result*/) {
    return Status(Code::kNotSupported, "this backend has no cuBLAS");
  }
};

// Everything one client owns. Destroying it frees all of it.
class BackendSession {
 public:
  virtual ~BackendSession() = default;
  virtual Result<std::unique_ptr<Context>> CreateContext(int device, uint32_t flags) = 0;
};

// What a backend session is told when it opens.
struct SessionOptions {
  // True once the session's work should stop: its client is gone or the
  // server is stopping. Cheap to call; long-running work (a launch on the
  // software GPU) polls it, and teardown skips waiting for pending work.
  std::function<bool()> cancelled;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual int32_t driver_version() const = 0;
  // The host display-driver version string, e.g. "580.95.05" (what NVML's
  // nvmlSystemGetDriverVersion says on the GPU host).
  virtual std::string host_driver_version() const = 0;
  virtual const std::vector<DeviceInfo>& devices() const = 0;
  virtual Result<std::unique_ptr<BackendSession>> OpenSession(const SessionOptions& options) = 0;
  Result<std::unique_ptr<BackendSession>> OpenSession() { return OpenSession(SessionOptions{}); }
};

}  // namespace vgpu::backend
