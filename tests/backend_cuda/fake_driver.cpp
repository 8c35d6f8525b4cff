// A fake libcuda.so.1 for tests on machines without a GPU: it lets the cuda
// backend's own logic run (loading, inventory, contexts, staging, waits,
// modules, launches). "Device memory" is host memory, copies happen at
// enqueue time, and events complete when the test says so. Every function
// has the exact type of its driver_api.def row, so a row and this fake
// cannot disagree.
#include <cudaTypedefs.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#define VGPU_FAKE_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

struct FakeCtx {
  int device = 0;
};
struct FakeEvent {
  FakeCtx* ctx = nullptr;
  bool pending = false;
};
struct FakeFunction {
  std::string name;
  std::vector<std::pair<size_t, size_t>> params;  // offset, size
  bool loaded = false;                            // as with CUDA_MODULE_LOADING=LAZY
};
struct FakeModule {
  FakeCtx* ctx = nullptr;
  std::vector<FakeFunction*> functions;
  uint32_t global = 7;
};

std::recursive_mutex g_mutex;
int g_devices = 1;
CUresult g_init_result = CUDA_SUCCESS;
std::string g_missing;                       // a symbol cuGetProcAddress_v2 pretends not to have
bool g_hold = false;                         // events recorded now stay pending
CUresult g_sticky = CUDA_SUCCESS;            // what synchronizing calls report
std::map<std::string, std::pair<int, cuuint64_t>> g_requested;  // name -> version, flags
std::set<FakeCtx*> g_contexts;
std::map<CUdeviceptr, std::pair<FakeCtx*, size_t>> g_allocations;
std::set<void*> g_pinned;
int g_pinned_allocs = 0;
std::set<FakeEvent*> g_events;
std::map<int*, FakeCtx*> g_streams;
std::vector<uint8_t> g_last_params;          // what the last launch passed
int g_last_cooperative = -1;
std::string g_last_image;
thread_local FakeCtx* t_current = nullptr;

using Lock = std::lock_guard<std::recursive_mutex>;

template <typename F>
struct Unsupported;
template <typename... A>
struct Unsupported<CUresult (*)(A...)> {
  static CUresult Call(A...) { return CUDA_ERROR_NOT_SUPPORTED; }
};

CUresult NeedCtx() { return t_current ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT; }

// ---- device ----
CUresult DeviceGetCount(int* count) {
  *count = g_devices;
  return CUDA_SUCCESS;
}
CUresult DeviceGet(CUdevice* dev, int ordinal) {
  if (ordinal < 0 || ordinal >= g_devices) return CUDA_ERROR_INVALID_DEVICE;
  *dev = ordinal;
  return CUDA_SUCCESS;
}
CUresult DeviceGetName(char* name, int len, CUdevice dev) {
  std::snprintf(name, len, "vgpu fake device %d", dev);
  return CUDA_SUCCESS;
}
CUresult DeviceGetUuid(CUuuid* uuid, CUdevice dev) {
  for (int i = 0; i < 16; ++i) uuid->bytes[i] = static_cast<char>(i + dev);
  return CUDA_SUCCESS;
}
CUresult DeviceTotalMem(size_t* bytes, CUdevice dev) {
  *bytes = (size_t{16} << 30) + dev;
  return CUDA_SUCCESS;
}
// Attributes up to 100 exist (value attr*10 + device); newer ones do not.
CUresult DeviceGetAttribute(int* value, CUdevice_attribute attribute, CUdevice dev) {
  if (attribute < 1 || attribute > 100) return CUDA_ERROR_INVALID_VALUE;
  *value = attribute * 10 + dev;
  return CUDA_SUCCESS;
}

// ---- context ----
CUresult CtxCreate(CUcontext* ctx, unsigned int, CUdevice dev) {
  Lock lock(g_mutex);
  if (dev < 0 || dev >= g_devices) return CUDA_ERROR_INVALID_DEVICE;
  auto* c = new FakeCtx{dev};
  g_contexts.insert(c);
  t_current = c;
  *ctx = reinterpret_cast<CUcontext>(c);
  return CUDA_SUCCESS;
}
CUresult CtxPopCurrent(CUcontext* ctx) {
  *ctx = reinterpret_cast<CUcontext>(t_current);
  t_current = nullptr;
  return CUDA_SUCCESS;
}
CUresult CtxSetCurrent(CUcontext ctx) {
  Lock lock(g_mutex);
  auto* c = reinterpret_cast<FakeCtx*>(ctx);
  if (c && !g_contexts.count(c)) return CUDA_ERROR_INVALID_CONTEXT;
  t_current = c;
  return CUDA_SUCCESS;
}
CUresult CtxSynchronize() { return NeedCtx() ? NeedCtx() : g_sticky; }
CUresult CtxDestroy(CUcontext ctx) {
  Lock lock(g_mutex);
  auto* c = reinterpret_cast<FakeCtx*>(ctx);
  if (!g_contexts.erase(c)) return CUDA_ERROR_INVALID_CONTEXT;
  for (auto it = g_allocations.begin(); it != g_allocations.end();) {
    if (it->second.first == c) {
      std::free(reinterpret_cast<void*>(it->first));
      it = g_allocations.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = g_events.begin(); it != g_events.end();) {
    if ((*it)->ctx == c) {
      delete *it;
      it = g_events.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = g_streams.begin(); it != g_streams.end();) {
    if (it->second == c) {
      delete it->first;
      it = g_streams.erase(it);
    } else {
      ++it;
    }
  }
  if (t_current == c) t_current = nullptr;
  delete c;
  return CUDA_SUCCESS;
}

// ---- memory ----
CUresult MemAlloc(CUdeviceptr* dptr, size_t bytes) {
  Lock lock(g_mutex);
  if (CUresult r = NeedCtx()) return r;
  if (bytes == 0) return CUDA_ERROR_INVALID_VALUE;
  void* p = std::calloc(1, bytes);
  *dptr = reinterpret_cast<CUdeviceptr>(p);
  g_allocations[*dptr] = {t_current, bytes};
  return CUDA_SUCCESS;
}
// Like the real driver with unified addressing: frees whoever's pointer.
CUresult MemFree(CUdeviceptr dptr) {
  Lock lock(g_mutex);
  if (CUresult r = NeedCtx()) return r;
  auto it = g_allocations.find(dptr);
  if (it == g_allocations.end()) return CUDA_ERROR_INVALID_VALUE;
  std::free(reinterpret_cast<void*>(dptr));
  g_allocations.erase(it);
  return CUDA_SUCCESS;
}
CUresult MemGetInfo(size_t* free, size_t* total) {
  if (CUresult r = NeedCtx()) return r;
  *free = size_t{15} << 30;
  *total = size_t{16} << 30;
  return CUDA_SUCCESS;
}
CUresult MemHostAlloc(void** p, size_t bytes, unsigned int) {
  Lock lock(g_mutex);
  if (CUresult r = NeedCtx()) return r;
  *p = std::malloc(bytes);
  g_pinned.insert(*p);
  ++g_pinned_allocs;
  return CUDA_SUCCESS;
}
CUresult MemFreeHost(void* p) {
  Lock lock(g_mutex);
  if (!g_pinned.erase(p)) return CUDA_ERROR_INVALID_VALUE;
  std::free(p);
  return CUDA_SUCCESS;
}
CUresult PointerGetAttribute(void* data, CUpointer_attribute attribute, CUdeviceptr ptr) {
  Lock lock(g_mutex);
  if (attribute != CU_POINTER_ATTRIBUTE_CONTEXT) return CUDA_ERROR_NOT_SUPPORTED;
  auto it = g_allocations.find(ptr);
  if (it == g_allocations.end()) return CUDA_ERROR_INVALID_VALUE;
  *static_cast<CUcontext*>(data) = reinterpret_cast<CUcontext>(it->second.first);
  return CUDA_SUCCESS;
}
CUresult MemcpyHtoDAsync(CUdeviceptr dst, const void* src, size_t bytes, CUstream) {
  if (CUresult r = NeedCtx()) return r;
  if (!g_pinned.count(const_cast<void*>(src))) return CUDA_ERROR_INVALID_VALUE;  // backend stages in pinned memory
  std::memcpy(reinterpret_cast<void*>(dst), src, bytes);
  return CUDA_SUCCESS;
}
CUresult MemcpyDtoHAsync(void* dst, CUdeviceptr src, size_t bytes, CUstream) {
  if (CUresult r = NeedCtx()) return r;
  if (!g_pinned.count(dst)) return CUDA_ERROR_INVALID_VALUE;
  std::memcpy(dst, reinterpret_cast<const void*>(src), bytes);
  return CUDA_SUCCESS;
}
CUresult MemcpyDtoDAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream) {
  if (CUresult r = NeedCtx()) return r;
  std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), bytes);
  return CUDA_SUCCESS;
}
template <typename T>
CUresult Fill(CUdeviceptr dst, T value, size_t count) {
  if (CUresult r = NeedCtx()) return r;
  T* p = reinterpret_cast<T*>(dst);
  for (size_t i = 0; i < count; ++i) p[i] = value;
  return CUDA_SUCCESS;
}
CUresult MemsetD8Async(CUdeviceptr d, unsigned char v, size_t n, CUstream) { return Fill(d, v, n); }
CUresult MemsetD16Async(CUdeviceptr d, unsigned short v, size_t n, CUstream) { return Fill(d, v, n); }
CUresult MemsetD32Async(CUdeviceptr d, unsigned int v, size_t n, CUstream) { return Fill(d, v, n); }
// Device memory is host memory here: a 3D copy is a row loop over pointers.
CUresult Memcpy3DAsync(const CUDA_MEMCPY3D* m, CUstream) {
  if (CUresult r = NeedCtx()) return r;
  auto* src = static_cast<const char*>(m->srcMemoryType == CU_MEMORYTYPE_HOST ? m->srcHost
                                                                             : reinterpret_cast<void*>(m->srcDevice));
  auto* dst = static_cast<char*>(m->dstMemoryType == CU_MEMORYTYPE_HOST ? m->dstHost
                                                                       : reinterpret_cast<void*>(m->dstDevice));
  for (size_t z = 0; z < m->Depth; ++z) {
    for (size_t y = 0; y < m->Height; ++y) {
      std::memmove(dst + ((m->dstZ + z) * m->dstHeight + m->dstY + y) * m->dstPitch + m->dstXInBytes,
                   src + ((m->srcZ + z) * m->srcHeight + m->srcY + y) * m->srcPitch + m->srcXInBytes, m->WidthInBytes);
    }
  }
  return CUDA_SUCCESS;
}
template <typename T>
CUresult Fill2D(CUdeviceptr dst, size_t pitch, T value, size_t width, size_t height) {
  for (size_t y = 0; y < height; ++y) {
    if (CUresult r = Fill(dst + y * pitch, value, width)) return r;
  }
  return CUDA_SUCCESS;
}
CUresult MemsetD2D8Async(CUdeviceptr d, size_t p, unsigned char v, size_t w, size_t h, CUstream) {
  return Fill2D(d, p, v, w, h);
}
CUresult MemsetD2D16Async(CUdeviceptr d, size_t p, unsigned short v, size_t w, size_t h, CUstream) {
  return Fill2D(d, p, v, w, h);
}
CUresult MemsetD2D32Async(CUdeviceptr d, size_t p, unsigned int v, size_t w, size_t h, CUstream) {
  return Fill2D(d, p, v, w, h);
}

// ---- stream ----
CUresult StreamCreateWithPriority(CUstream* stream, unsigned int, int) {
  if (CUresult r = NeedCtx()) return r;
  Lock lock(g_mutex);
  int* s = new int(0);
  g_streams[s] = t_current;
  *stream = reinterpret_cast<CUstream>(s);
  return CUDA_SUCCESS;
}
CUresult StreamDestroy(CUstream stream) {
  Lock lock(g_mutex);
  int* s = reinterpret_cast<int*>(stream);
  if (!g_streams.erase(s)) return CUDA_ERROR_INVALID_HANDLE;
  delete s;
  return CUDA_SUCCESS;
}
CUresult StreamQuery(CUstream) { return g_hold ? CUDA_ERROR_NOT_READY : CUDA_SUCCESS; }
CUresult StreamWaitEvent(CUstream, CUevent, unsigned int) { return NeedCtx(); }

// ---- event ----
CUresult EventCreate(CUevent* event, unsigned int) {
  Lock lock(g_mutex);
  if (CUresult r = NeedCtx()) return r;
  auto* e = new FakeEvent{t_current};
  g_events.insert(e);
  *event = reinterpret_cast<CUevent>(e);
  return CUDA_SUCCESS;
}
CUresult EventDestroy(CUevent event) {
  Lock lock(g_mutex);
  auto* e = reinterpret_cast<FakeEvent*>(event);
  if (!g_events.erase(e)) return CUDA_ERROR_INVALID_HANDLE;
  delete e;
  return CUDA_SUCCESS;
}
CUresult EventRecord(CUevent event, CUstream) {
  Lock lock(g_mutex);
  if (CUresult r = NeedCtx()) return r;
  auto* e = reinterpret_cast<FakeEvent*>(event);
  if (!g_events.count(e)) return CUDA_ERROR_INVALID_HANDLE;
  e->pending = g_hold;
  return CUDA_SUCCESS;
}
CUresult EventQuery(CUevent event) {
  Lock lock(g_mutex);
  auto* e = reinterpret_cast<FakeEvent*>(event);
  if (!g_events.count(e)) return CUDA_ERROR_INVALID_HANDLE;
  if (e->pending) return CUDA_ERROR_NOT_READY;
  return g_sticky;
}
// Waiting completes the event; the waiting thread must have the event's context current.
CUresult EventSynchronize(CUevent event) {
  Lock lock(g_mutex);
  auto* e = reinterpret_cast<FakeEvent*>(event);
  if (!g_events.count(e)) return CUDA_ERROR_INVALID_HANDLE;
  if (t_current != e->ctx) return CUDA_ERROR_INVALID_CONTEXT;
  e->pending = false;
  return g_sticky;
}
CUresult EventElapsedTime(float* ms, CUevent, CUevent) {
  *ms = 1.5f;
  return CUDA_SUCCESS;
}

// ---- module / function ----
// Any image gives two kernels: k_params(u64 at 0, u32 at 8) and k_empty().
CUresult ModuleLoadData(CUmodule* module, const void* image) {
  Lock lock(g_mutex);
  if (CUresult r = NeedCtx()) return r;
  if (reinterpret_cast<uintptr_t>(image) % 8 != 0) return CUDA_ERROR_INVALID_IMAGE;
  g_last_image = static_cast<const char*>(image);  // PTX text must be NUL-terminated
  auto* m = new FakeModule{t_current, {}};
  m->functions.push_back(new FakeFunction{"k_params", {{0, 8}, {8, 4}}});
  m->functions.push_back(new FakeFunction{"k_empty", {}});
  *module = reinterpret_cast<CUmodule>(m);
  return CUDA_SUCCESS;
}
CUresult ModuleUnload(CUmodule module) {
  auto* m = reinterpret_cast<FakeModule*>(module);
  for (FakeFunction* f : m->functions) delete f;
  delete m;
  return CUDA_SUCCESS;
}
CUresult ModuleGetGlobal(CUdeviceptr* dptr, size_t* bytes, CUmodule module, const char* name) {
  auto* m = reinterpret_cast<FakeModule*>(module);
  if (std::string(name) != "g") return CUDA_ERROR_NOT_FOUND;
  *dptr = reinterpret_cast<CUdeviceptr>(&m->global);
  *bytes = sizeof(m->global);
  return CUDA_SUCCESS;
}
CUresult ModuleGetFunctionCount(unsigned int* count, CUmodule module) {
  *count = static_cast<unsigned int>(reinterpret_cast<FakeModule*>(module)->functions.size());
  return CUDA_SUCCESS;
}
CUresult ModuleEnumerateFunctions(CUfunction* functions, unsigned int count, CUmodule module) {
  auto* m = reinterpret_cast<FakeModule*>(module);
  if (count != m->functions.size()) return CUDA_ERROR_INVALID_VALUE;
  for (unsigned int i = 0; i < count; ++i) functions[i] = reinterpret_cast<CUfunction>(m->functions[i]);
  return CUDA_SUCCESS;
}
CUresult FuncGetName(const char** name, CUfunction function) {
  *name = reinterpret_cast<FakeFunction*>(function)->name.c_str();
  return CUDA_SUCCESS;
}
CUresult FuncGetParamInfo(CUfunction function, size_t index, size_t* offset, size_t* size) {
  auto* f = reinterpret_cast<FakeFunction*>(function);
  if (index >= f->params.size()) return CUDA_ERROR_INVALID_VALUE;
  *offset = f->params[index].first;
  *size = f->params[index].second;
  return CUDA_SUCCESS;
}
// Attributes 0..4 exist (value attr + 1); 3 needs the function loaded.
CUresult FuncGetAttribute(int* value, CUfunction_attribute attribute, CUfunction function) {
  if (attribute < 0 || attribute > 4) return CUDA_ERROR_INVALID_VALUE;
  if (attribute == 3 && !reinterpret_cast<FakeFunction*>(function)->loaded) return CUDA_ERROR_FUNCTION_NOT_LOADED;
  *value = attribute + 1;
  return CUDA_SUCCESS;
}
CUresult FuncLoad(CUfunction function) {
  reinterpret_cast<FakeFunction*>(function)->loaded = true;
  return CUDA_SUCCESS;
}
CUresult FuncSetAttribute(CUfunction, CUfunction_attribute attribute, int) {
  return attribute == CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}
CUresult LaunchKernel(CUfunction, unsigned int, unsigned int, unsigned int, unsigned int, unsigned int, unsigned int,
                      unsigned int, CUstream, void** params, void** extra) {
  Lock lock(g_mutex);
  if (CUresult r = NeedCtx()) return r;
  if (params) return CUDA_ERROR_INVALID_VALUE;  // the backend always packs
  g_last_params.clear();
  g_last_cooperative = 0;
  if (!extra) return CUDA_SUCCESS;
  if (extra[0] != CU_LAUNCH_PARAM_BUFFER_POINTER || extra[2] != CU_LAUNCH_PARAM_BUFFER_SIZE ||
      extra[4] != CU_LAUNCH_PARAM_END) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  const auto* buffer = static_cast<const uint8_t*>(extra[1]);
  g_last_params.assign(buffer, buffer + *static_cast<size_t*>(extra[3]));
  return CUDA_SUCCESS;
}
CUresult LaunchCooperativeKernel(CUfunction function, unsigned int, unsigned int, unsigned int, unsigned int,
                                 unsigned int, unsigned int, unsigned int, CUstream, void** params) {
  Lock lock(g_mutex);
  if (CUresult r = NeedCtx()) return r;
  auto* f = reinterpret_cast<FakeFunction*>(function);
  g_last_params.assign(64, 0);
  g_last_cooperative = 1;
  for (size_t i = 0; i < f->params.size(); ++i) {
    std::memcpy(g_last_params.data() + f->params[i].first, params[i], f->params[i].second);
  }
  return CUDA_SUCCESS;
}

CUresult GetErrorName(CUresult error, const char** name) {
  switch (error) {
    case CUDA_ERROR_ILLEGAL_ADDRESS: *name = "CUDA_ERROR_ILLEGAL_ADDRESS"; return CUDA_SUCCESS;
    case CUDA_ERROR_INVALID_VALUE: *name = "CUDA_ERROR_INVALID_VALUE"; return CUDA_SUCCESS;
    case CUDA_ERROR_NO_DEVICE: *name = "CUDA_ERROR_NO_DEVICE"; return CUDA_SUCCESS;
    default: return CUDA_ERROR_INVALID_VALUE;
  }
}

std::map<std::string, void*> BuildTable() {
  std::map<std::string, void*> table;
#define VGPU_CUDA_FN(name, version) \
  table[#name] = reinterpret_cast<void*>(&Unsupported<PFN_##name##_v##version>::Call);
#include "server/backends/cuda/driver_api.def"
#undef VGPU_CUDA_FN
  // The initializer checks each fake against its row's type.
#define VGPU_FAKE(name, version, fake)                   \
  {                                                      \
    PFN_##name##_v##version typed = &fake;               \
    table[#name] = reinterpret_cast<void*>(typed);       \
  }
  VGPU_FAKE(cuGetErrorName, 6000, GetErrorName)
  VGPU_FAKE(cuDeviceGetCount, 2000, DeviceGetCount)
  VGPU_FAKE(cuDeviceGet, 2000, DeviceGet)
  VGPU_FAKE(cuDeviceGetName, 2000, DeviceGetName)
  VGPU_FAKE(cuDeviceGetUuid, 11040, DeviceGetUuid)
  VGPU_FAKE(cuDeviceTotalMem, 3020, DeviceTotalMem)
  VGPU_FAKE(cuDeviceGetAttribute, 2000, DeviceGetAttribute)
  VGPU_FAKE(cuCtxCreate, 3020, CtxCreate)
  VGPU_FAKE(cuCtxDestroy, 4000, CtxDestroy)
  VGPU_FAKE(cuCtxSetCurrent, 4000, CtxSetCurrent)
  VGPU_FAKE(cuCtxPopCurrent, 4000, CtxPopCurrent)
  VGPU_FAKE(cuCtxSynchronize, 2000, CtxSynchronize)
  VGPU_FAKE(cuMemAlloc, 3020, MemAlloc)
  VGPU_FAKE(cuMemFree, 3020, MemFree)
  VGPU_FAKE(cuMemGetInfo, 3020, MemGetInfo)
  VGPU_FAKE(cuMemHostAlloc, 2020, MemHostAlloc)
  VGPU_FAKE(cuMemFreeHost, 2000, MemFreeHost)
  VGPU_FAKE(cuPointerGetAttribute, 4000, PointerGetAttribute)
  VGPU_FAKE(cuMemcpyHtoDAsync, 3020, MemcpyHtoDAsync)
  VGPU_FAKE(cuMemcpyDtoHAsync, 3020, MemcpyDtoHAsync)
  VGPU_FAKE(cuMemcpyDtoDAsync, 3020, MemcpyDtoDAsync)
  VGPU_FAKE(cuMemsetD8Async, 3020, MemsetD8Async)
  VGPU_FAKE(cuMemsetD16Async, 3020, MemsetD16Async)
  VGPU_FAKE(cuMemsetD32Async, 3020, MemsetD32Async)
  VGPU_FAKE(cuMemcpy3DAsync, 3020, Memcpy3DAsync)
  VGPU_FAKE(cuMemsetD2D8Async, 3020, MemsetD2D8Async)
  VGPU_FAKE(cuMemsetD2D16Async, 3020, MemsetD2D16Async)
  VGPU_FAKE(cuMemsetD2D32Async, 3020, MemsetD2D32Async)
  VGPU_FAKE(cuStreamCreateWithPriority, 5050, StreamCreateWithPriority)
  VGPU_FAKE(cuStreamDestroy, 4000, StreamDestroy)
  VGPU_FAKE(cuStreamQuery, 2000, StreamQuery)
  VGPU_FAKE(cuStreamWaitEvent, 3020, StreamWaitEvent)
  VGPU_FAKE(cuEventCreate, 2000, EventCreate)
  VGPU_FAKE(cuEventDestroy, 4000, EventDestroy)
  VGPU_FAKE(cuEventRecord, 2000, EventRecord)
  VGPU_FAKE(cuEventQuery, 2000, EventQuery)
  VGPU_FAKE(cuEventSynchronize, 2000, EventSynchronize)
  VGPU_FAKE(cuEventElapsedTime, 12080, EventElapsedTime)
  VGPU_FAKE(cuModuleLoadData, 2000, ModuleLoadData)
  VGPU_FAKE(cuModuleUnload, 2000, ModuleUnload)
  VGPU_FAKE(cuModuleGetGlobal, 3020, ModuleGetGlobal)
  VGPU_FAKE(cuModuleGetFunctionCount, 12040, ModuleGetFunctionCount)
  VGPU_FAKE(cuModuleEnumerateFunctions, 12040, ModuleEnumerateFunctions)
  VGPU_FAKE(cuFuncGetName, 12030, FuncGetName)
  VGPU_FAKE(cuFuncGetParamInfo, 12040, FuncGetParamInfo)
  VGPU_FAKE(cuFuncGetAttribute, 2020, FuncGetAttribute)
  VGPU_FAKE(cuFuncLoad, 12040, FuncLoad)
  VGPU_FAKE(cuFuncSetAttribute, 9000, FuncSetAttribute)
  VGPU_FAKE(cuLaunchKernel, 4000, LaunchKernel)
  VGPU_FAKE(cuLaunchCooperativeKernel, 9000, LaunchCooperativeKernel)
#undef VGPU_FAKE
  return table;
}

}  // namespace

// ---- the driver's unversioned entry points ----
VGPU_FAKE_EXPORT CUresult cuInit(unsigned int) { return g_init_result; }
VGPU_FAKE_EXPORT CUresult cuDriverGetVersion(int* version) {
  *version = 12080;
  return CUDA_SUCCESS;
}
VGPU_FAKE_EXPORT CUresult cuGetErrorName(CUresult error, const char** name) { return GetErrorName(error, name); }
VGPU_FAKE_EXPORT CUresult cuGetProcAddress_v2(const char* symbol, void** pfn, int version, cuuint64_t flags,
                                              CUdriverProcAddressQueryResult* found) {
  static const std::map<std::string, void*> table = BuildTable();
  Lock lock(g_mutex);
  g_requested[symbol] = {version, flags};
  auto it = table.find(symbol);
  if (it == table.end() || g_missing == symbol) {
    *pfn = nullptr;
    if (found) *found = CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;
    return CUDA_ERROR_NOT_FOUND;
  }
  *pfn = it->second;
  if (found) *found = CU_GET_PROC_ADDRESS_SUCCESS;
  return CUDA_SUCCESS;
}

// ---- test controls ----
VGPU_FAKE_EXPORT void vgpu_fake_reset(int devices, int init_result, const char* missing) {
  Lock lock(g_mutex);
  g_devices = devices;
  g_init_result = static_cast<CUresult>(init_result);
  g_missing = missing ? missing : "";
  g_hold = false;
  g_sticky = CUDA_SUCCESS;
  g_requested.clear();
}
VGPU_FAKE_EXPORT void vgpu_fake_hold(int hold) {
  Lock lock(g_mutex);
  g_hold = hold != 0;
}
VGPU_FAKE_EXPORT void vgpu_fake_complete_all() {
  Lock lock(g_mutex);
  for (FakeEvent* e : g_events) e->pending = false;
}
VGPU_FAKE_EXPORT void vgpu_fake_sticky(int error) {
  Lock lock(g_mutex);
  g_sticky = static_cast<CUresult>(error);
}
VGPU_FAKE_EXPORT int vgpu_fake_requested_version(const char* name, unsigned long long* flags) {
  Lock lock(g_mutex);
  auto it = g_requested.find(name);
  if (it == g_requested.end()) return -1;
  if (flags) *flags = it->second.second;
  return it->second.first;
}
VGPU_FAKE_EXPORT int vgpu_fake_live_contexts() {
  Lock lock(g_mutex);
  return static_cast<int>(g_contexts.size());
}
VGPU_FAKE_EXPORT int vgpu_fake_live_pinned() {
  Lock lock(g_mutex);
  return static_cast<int>(g_pinned.size());
}
VGPU_FAKE_EXPORT int vgpu_fake_pinned_allocs() {
  Lock lock(g_mutex);
  return g_pinned_allocs;
}
VGPU_FAKE_EXPORT int vgpu_fake_live_allocations() {
  Lock lock(g_mutex);
  return static_cast<int>(g_allocations.size());
}
// Copies the last launch's parameter bytes; returns how many there were.
VGPU_FAKE_EXPORT int vgpu_fake_last_launch(uint8_t* out, int capacity) {
  Lock lock(g_mutex);
  const int n = static_cast<int>(std::min<size_t>(g_last_params.size(), capacity));
  std::memcpy(out, g_last_params.data(), n);
  return static_cast<int>(g_last_params.size());
}
VGPU_FAKE_EXPORT int vgpu_fake_last_cooperative() {
  Lock lock(g_mutex);
  return g_last_cooperative;
}
VGPU_FAKE_EXPORT int vgpu_fake_last_image(char* out, int capacity) {
  Lock lock(g_mutex);
  std::snprintf(out, capacity, "%s", g_last_image.c_str());
  return static_cast<int>(g_last_image.size());
}
