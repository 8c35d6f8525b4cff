// One real CUcontext per session and device: sessions cannot see each
// other's memory, and destroying the context frees everything it held.
//
// Threads: the executor calls every method; the waiter thread only runs the
// Waits handed out. The driver's current context is per thread, so every
// entry point (and every Wait) makes this context current first.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/hex.h"
#include "server/backends/backend.h"
#include "server/backends/cuda/driver.h"
#include "server/backends/cuda/event_pool.h"
#include "server/backends/cuda/staging.h"

namespace vgpu::backend::cuda {

// What the executor and the Waits share. The CUcontext is destroyed when the
// Context and every Wait it handed out are gone, so a Wait never touches a
// destroyed context.
struct ContextState {
  ContextState(std::shared_ptr<const Driver> d, CUcontext c, std::function<bool()> abandoned = {});
  ~ContextState();
  ContextState(const ContextState&) = delete;
  ContextState& operator=(const ContextState&) = delete;

  Status MakeCurrent() const;

  std::shared_ptr<const Driver> driver;  // first: outlives the pools
  CUcontext ctx;
  EventPool events;
  StagingPool staging;
  // True once the client is gone: teardown then destroys the context at
  // once, pending work and all, instead of waiting for it.
  std::function<bool()> abandoned;
};

class CudaContext final : public Context {
 public:
  static Result<std::unique_ptr<Context>> Create(std::shared_ptr<const Driver> driver, CUdevice device,
                                                 int ordinal, uint32_t flags, std::function<bool()> abandoned = {});
  explicit CudaContext(std::shared_ptr<ContextState> state);
  ~CudaContext() override;  // blas.cpp: destroys the cuBLAS handles first

  // ---- memory (memory.cpp, context.cpp) ----
  Result<DevicePtr> MemAlloc(uint64_t bytesize) override;
  Status MemFree(DevicePtr dptr) override;
  Result<MemInfo> MemGetInfo() override;
  Status MemcpyHtoD(DevicePtr dst, std::string&& data, Handle stream) override;
  Result<Wait> MemcpyDtoH(std::string* dst, DevicePtr src, uint64_t bytesize, Handle stream) override;
  Status MemcpyDtoD(DevicePtr dst, DevicePtr src, uint64_t bytesize, Handle stream) override;
  Status Memset(DevicePtr dst, uint32_t value, uint32_t element_size, uint64_t count, Handle stream) override;

  // ---- stream (stream.cpp) ----
  Result<Handle> StreamCreate(uint32_t flags, int32_t priority) override;
  Status StreamDestroy(Handle stream) override;
  Result<Wait> StreamSynchronize(Handle stream) override;
  Status StreamQuery(Handle stream) override;
  Status StreamWaitEvent(Handle stream, Handle event, uint32_t flags) override;

  // ---- event (event.cpp) ----
  Result<Handle> EventCreate(uint32_t flags) override;
  Status EventDestroy(Handle event) override;
  Status EventRecord(Handle event, Handle stream) override;
  Result<Wait> EventSynchronize(Handle event) override;
  Status EventQuery(Handle event) override;
  Result<float> EventElapsedTime(Handle start, Handle end) override;

  // ---- context (context.cpp) ----
  Result<Wait> Synchronize() override;

  // ---- module / function (module.cpp) ----
  Result<Handle> ModuleLoad(std::span<const uint8_t> image, ModuleInfo* info) override;
  Status ModuleUnload(Handle module) override;
  Result<GlobalInfo> ModuleGetGlobal(Handle module, const std::string& name) override;
  Status Launch(Handle module, uint32_t function, const LaunchConfig& config, std::span<const uint8_t> params,
                Handle stream) override;
  Status FuncSetAttribute(Handle module, uint32_t function, int32_t attribute, int32_t value) override;

  // ---- cuBLAS (blas.cpp): the host's libcublas, one real handle per client handle ----
  Status BlasDestroy(uint64_t handle) override;
  Status BlasGemm(uint64_t handle, const backend::BlasGemm& gemm, Handle stream) override;
  // blas_routines.cpp
  Status BlasRun(uint64_t handle, const backend::BlasCall& call, Handle stream, std::string* host_result) override;
  // The real handle of client handle `handle` (created on first use), bound
  // to `stream` and to host or device pointer mode.
  Result<void*> BlasHandle(uint64_t handle, Handle stream, bool device_pointers);

 private:
  struct Kernel {
    CUfunction function = nullptr;
    std::vector<ParamSlot> params;
    uint32_t param_bytes = 0;  // end of the last parameter
  };
  struct Module {
    CUmodule module = nullptr;
    std::vector<Kernel> kernels;  // in ModuleInfo::functions order
  };

  const Driver& d() const { return *state_->driver; }
  // Makes the context current on the calling thread; every entry point starts here.
  Status Enter() const { return state_->MakeCurrent(); }
  // Records a private event on `stream` and returns a Wait that sleeps
  // until all of them completed, with the first error the driver reports.
  Result<Wait> WaitForStreams(const std::vector<CUstream>& streams);
  Result<const Kernel*> FindKernel(Handle module, uint32_t function, const char* call) const;

  std::shared_ptr<ContextState> state_;
  std::set<CUstream> streams_;      // created here and not destroyed: Synchronize covers them
  CUstream event_stream_ = nullptr;  // private, non-blocking: EventSynchronize snapshots an event on it
  std::map<Handle, Module> modules_;
  std::map<uint64_t, void*> blas_handles_;  // client handle id -> cublasHandle_t
};

inline CUstream ToStream(Handle h) { return reinterpret_cast<CUstream>(static_cast<uintptr_t>(h)); }
inline CUevent ToEvent(Handle h) { return reinterpret_cast<CUevent>(static_cast<uintptr_t>(h)); }
template <typename T>
Handle ToHandle(T* p) {
  return static_cast<Handle>(reinterpret_cast<uintptr_t>(p));
}

}  // namespace vgpu::backend::cuda
