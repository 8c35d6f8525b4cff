// The client-side objects behind CUDA's opaque handles. Ids of contexts,
// streams, events and modules are minted here, so creating them costs no
// round trip; the server learns them from the create call. Every handle an
// application passes in is checked against the live set before use.
#pragma once

#include "libcuda/cuda_internal.h"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "libcuda/session.h"

struct CUctx_st {
  uint64_t id;
  int device;
  unsigned int flags;
  bool primary;
};

struct CUstream_st {
  uint64_t id;
  CUctx_st* ctx;
  unsigned int flags;
  int priority;
};

struct CUevent_st {
  uint64_t id;
  CUctx_st* ctx;
  unsigned int flags;
};

struct CUfunc_st;

struct CUmod_st {
  uint64_t id;
  CUctx_st* ctx;
  std::vector<std::unique_ptr<CUfunc_st>> functions;
  struct Global {
    std::string name;
    CUdeviceptr dptr;
    size_t size;
  };
  std::vector<Global> globals;
};

struct CUfunc_st {
  CUmod_st* module;
  uint32_t index;
  std::string name;
  std::vector<std::pair<uint32_t, uint32_t>> params;  // offset, size
  uint32_t param_bytes;
  std::vector<int32_t> attributes;  // CUfunction_attribute -> value
};

namespace vgpu::cu {

// Process-wide registry of live handles and device allocations.
class Objects {
 public:
  static Objects& Get();

  uint64_t MintId() { return next_id_.fetch_add(1); }

  // Live-handle checks: each returns the object or the error a driver gives.
  Result<CUctx_st*> Context(CUcontext ctx);
  Result<CUstream_st*> Stream(CUstream stream);
  Result<CUevent_st*> Event(CUevent event);
  Result<CUmod_st*> Module(CUmodule module);
  Result<CUfunc_st*> Function(CUfunction function);

  void AddContext(CUctx_st* ctx);
  void RemoveContext(CUctx_st* ctx);  // also forgets its allocations
  void AddStream(CUstream_st* stream);
  void RemoveStream(CUstream_st* stream);
  void AddEvent(CUevent_st* event);
  void RemoveEvent(CUevent_st* event);
  void AddModule(CUmod_st* module);
  void RemoveModule(CUmod_st* module);

  // Device allocations, for pointer queries and local range checks.
  struct Allocation {
    CUdeviceptr base;
    size_t size;
    CUctx_st* ctx;
  };
  void AddAllocation(CUdeviceptr base, size_t size, CUctx_st* ctx);
  bool RemoveAllocation(CUdeviceptr base);
  // The allocation containing [ptr, ptr+size), if any.
  bool FindAllocation(CUdeviceptr ptr, size_t size, Allocation* out);

  // Host allocations made by cuMemAllocHost / cuMemHostAlloc / registered.
  void AddHost(void* ptr, size_t size, unsigned int flags, bool owned);
  // Removes the entry at `ptr` if its ownership matches `owned`.
  bool RemoveHost(void* ptr, bool owned);
  bool FindHost(const void* ptr, void** base, size_t* size, unsigned int* flags);

 private:
  std::atomic<uint64_t> next_id_{1};
  std::mutex mutex_;
  std::unordered_set<const void*> contexts_, streams_, events_, modules_, functions_;
  std::map<CUdeviceptr, Allocation> allocations_;
  struct Host {
    size_t size;
    unsigned int flags;
    bool owned;
  };
  std::map<uintptr_t, Host> host_;
};

// ---- helpers the area bodies share ----

// The session (CUDA_ERROR_NOT_INITIALIZED before cuInit).
Result<Session*> Connected();
// The calling thread's current context (CUDA_ERROR_INVALID_CONTEXT if none).
Result<CUctx_st*> CurrentContext();
// Resolves a stream argument to (context, wire stream id). `per_thread`
// is true for _ptsz/_ptds entry points: there a null stream means the
// calling thread's default stream rather than the legacy one.
struct StreamTarget {
  CUctx_st* ctx;
  uint64_t stream;
};
Result<StreamTarget> ResolveStream(CUstream stream, bool per_thread);
// Thread-local context stack, for push/pop/set/get current.
std::vector<CUctx_st*>& ContextStack();
// Forgets a destroyed context in every thread-local structure of this thread.
void ForgetPerThreadStream(CUctx_st* ctx);

// The inventory entry of a device, or CUDA_ERROR_INVALID_DEVICE.
Result<const wire::Device*> DeviceInfo(CUdevice device);

}  // namespace vgpu::cu
