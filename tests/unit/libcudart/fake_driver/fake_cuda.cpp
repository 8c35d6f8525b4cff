#include "fake_cuda.h"

#include <cstdlib>
#include <cstring>
#include <map>

#define FAKE extern "C" __attribute__((visibility("default")))

namespace {

FakeCudaState g_state;
thread_local CUcontext t_ctx = nullptr;
std::map<uintptr_t, size_t> g_allocs;  // "device" memory lives in host memory
std::map<std::string, std::pair<CUdeviceptr, size_t>> g_globals;
std::vector<std::string> g_functions;

CUcontext Primary(CUdevice d) { return reinterpret_cast<CUcontext>(uintptr_t{0x1000} + d); }

bool IsDevice(CUdeviceptr p) {
  auto it = g_allocs.upper_bound(p);
  if (it == g_allocs.begin()) return false;
  --it;
  return p < it->first + it->second;
}

void Record(const char* op) {
  std::lock_guard lock(g_state.mu);
  g_state.copies.push_back(op);
}

CUdeviceptr AllocDevice(size_t n) {
  void* p = std::calloc(1, n);
  g_allocs[reinterpret_cast<uintptr_t>(p)] = n;
  return reinterpret_cast<CUdeviceptr>(p);
}

}  // namespace

FAKE FakeCudaState* fake_cuda_state() { return &g_state; }

FAKE CUresult cuInit(unsigned) { ++g_state.init_calls; return CUDA_SUCCESS; }
FAKE CUresult cuDriverGetVersion(int* v) { *v = 13000; return CUDA_SUCCESS; }
FAKE CUresult cuDeviceGetCount(int* n) { *n = kFakeDevices; return CUDA_SUCCESS; }
FAKE CUresult cuDeviceGet(CUdevice* d, int ordinal) {
  if (ordinal < 0 || ordinal >= kFakeDevices) return CUDA_ERROR_INVALID_DEVICE;
  *d = ordinal;
  return CUDA_SUCCESS;
}
FAKE CUresult cuDeviceGetName(char* name, int len, CUdevice d) {
  std::snprintf(name, len, "Fake GPU %d", d);
  return CUDA_SUCCESS;
}
FAKE CUresult cuDeviceGetUuid_v2(CUuuid* uuid, CUdevice d) {
  std::memset(uuid->bytes, d + 1, sizeof(uuid->bytes));
  return CUDA_SUCCESS;
}
FAKE CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice) { *bytes = size_t{16} << 30; return CUDA_SUCCESS; }
FAKE CUresult cuDeviceGetAttribute(int* v, CUdevice_attribute a, CUdevice d) {
  switch (a) {
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *v = 9; break;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *v = 0; break;
    case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *v = 132; break;
    case CU_DEVICE_ATTRIBUTE_PCI_BUS_ID: *v = 0x10 + d; break;
    case CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID: *v = 0; break;
    case CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID: *v = 0; break;
    case CU_DEVICE_ATTRIBUTE_CLOCK_RATE: *v = 1755000; break;
    case CU_DEVICE_ATTRIBUTE_WARP_SIZE: *v = 32; break;
    case CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH: *v = 1; break;
    default: *v = 0; return CUDA_ERROR_INVALID_VALUE;
  }
  return CUDA_SUCCESS;
}
FAKE CUresult cuDeviceCanAccessPeer(int* can, CUdevice, CUdevice) { *can = 1; return CUDA_SUCCESS; }
FAKE CUresult cuDevicePrimaryCtxRetain(CUcontext* ctx, CUdevice d) { *ctx = Primary(d); return CUDA_SUCCESS; }
FAKE CUresult cuDevicePrimaryCtxRelease_v2(CUdevice) { return CUDA_SUCCESS; }
FAKE CUresult cuDevicePrimaryCtxReset_v2(CUdevice) { return CUDA_SUCCESS; }
FAKE CUresult cuCtxGetCurrent(CUcontext* ctx) { *ctx = t_ctx; return CUDA_SUCCESS; }
FAKE CUresult cuCtxSetCurrent(CUcontext ctx) { t_ctx = ctx; return CUDA_SUCCESS; }
FAKE CUresult cuCtxSynchronize() { return CUDA_SUCCESS; }
FAKE CUresult cuCtxGetLimit(size_t* v, CUlimit) { *v = 1024; return CUDA_SUCCESS; }
FAKE CUresult cuCtxSetLimit(CUlimit, size_t) { return CUDA_SUCCESS; }
FAKE CUresult cuCtxGetStreamPriorityRange(int* least, int* greatest) { *least = 0; *greatest = -5; return CUDA_SUCCESS; }

FAKE CUresult cuMemAlloc_v2(CUdeviceptr* p, size_t n) {
  std::lock_guard lock(g_state.mu);
  *p = AllocDevice(n);
  return CUDA_SUCCESS;
}
FAKE CUresult cuMemFree_v2(CUdeviceptr p) {
  std::lock_guard lock(g_state.mu);
  if (!g_allocs.erase(p)) return CUDA_ERROR_INVALID_VALUE;
  std::free(reinterpret_cast<void*>(p));
  return CUDA_SUCCESS;
}
FAKE CUresult cuMemGetInfo_v2(size_t* free, size_t* total) {
  *free = size_t{15} << 30;
  *total = size_t{16} << 30;
  return CUDA_SUCCESS;
}
FAKE CUresult cuPointerGetAttribute(void* data, CUpointer_attribute a, CUdeviceptr p) {
  std::lock_guard lock(g_state.mu);
  ++g_state.pointer_queries;
  if (!IsDevice(p)) return CUDA_ERROR_INVALID_VALUE;
  if (a == CU_POINTER_ATTRIBUTE_MEMORY_TYPE) *static_cast<unsigned*>(data) = CU_MEMORYTYPE_DEVICE;
  else if (a == CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL) *static_cast<int*>(data) = 0;
  else return CUDA_ERROR_INVALID_VALUE;
  return CUDA_SUCCESS;
}

#define FAKE_COPY(name, dst_t, src_t)                                        \
  FAKE CUresult name(dst_t dst, src_t src, size_t n) {                       \
    std::memmove((void*)dst, (const void*)src, n);                           \
    Record(#name);                                                           \
    return CUDA_SUCCESS;                                                     \
  }
#define FAKE_COPY_ASYNC(name, dst_t, src_t)                                  \
  FAKE CUresult name(dst_t dst, src_t src, size_t n, CUstream) {             \
    std::memmove((void*)dst, (const void*)src, n);                           \
    Record(#name);                                                           \
    return CUDA_SUCCESS;                                                     \
  }
FAKE_COPY(cuMemcpyHtoD_v2, CUdeviceptr, const void*)
FAKE_COPY(cuMemcpyDtoH_v2, void*, CUdeviceptr)
FAKE_COPY(cuMemcpyDtoD_v2, CUdeviceptr, CUdeviceptr)
FAKE_COPY_ASYNC(cuMemcpyHtoDAsync_v2, CUdeviceptr, const void*)
FAKE_COPY_ASYNC(cuMemcpyDtoHAsync_v2, void*, CUdeviceptr)
FAKE_COPY_ASYNC(cuMemcpyDtoDAsync_v2, CUdeviceptr, CUdeviceptr)

FAKE CUresult cuMemcpy2DAsync_v2(const CUDA_MEMCPY2D* m, CUstream) {
  auto* dst = reinterpret_cast<unsigned char*>(m->dstMemoryType == CU_MEMORYTYPE_DEVICE ? m->dstDevice
                                                                                      : (CUdeviceptr)m->dstHost);
  auto* src = reinterpret_cast<const unsigned char*>(m->srcMemoryType == CU_MEMORYTYPE_DEVICE
                                                         ? m->srcDevice : (CUdeviceptr)m->srcHost);
  for (size_t r = 0; r < m->Height; ++r) std::memmove(dst + r * m->dstPitch, src + r * m->srcPitch, m->WidthInBytes);
  Record("cuMemcpy2DAsync_v2");
  return CUDA_SUCCESS;
}
// The runtime sends 2D and 3D copies as driver 3D copies.
FAKE CUresult cuMemcpy3DAsync_v2(const CUDA_MEMCPY3D* m, CUstream) {
  auto* dst = reinterpret_cast<unsigned char*>(m->dstMemoryType == CU_MEMORYTYPE_DEVICE ? m->dstDevice
                                                                                      : (CUdeviceptr)m->dstHost);
  auto* src = reinterpret_cast<const unsigned char*>(m->srcMemoryType == CU_MEMORYTYPE_DEVICE
                                                         ? m->srcDevice : (CUdeviceptr)m->srcHost);
  for (size_t z = 0; z < m->Depth; ++z) {
    for (size_t y = 0; y < m->Height; ++y) {
      std::memmove(dst + ((m->dstZ + z) * m->dstHeight + m->dstY + y) * m->dstPitch + m->dstXInBytes,
                   src + ((m->srcZ + z) * m->srcHeight + m->srcY + y) * m->srcPitch + m->srcXInBytes,
                   m->WidthInBytes);
    }
  }
  Record("cuMemcpy3DAsync_v2");
  return CUDA_SUCCESS;
}
FAKE CUresult cuMemcpy3D_v2(const CUDA_MEMCPY3D* m) { return cuMemcpy3DAsync_v2(m, nullptr); }
FAKE CUresult cuMemsetD8Async(CUdeviceptr p, unsigned char v, size_t n, CUstream) {
  std::memset(reinterpret_cast<void*>(p), v, n);
  Record("cuMemsetD8Async");
  return CUDA_SUCCESS;
}
FAKE CUresult cuMemsetD2D8Async(CUdeviceptr p, size_t pitch, unsigned char v, size_t w, size_t h, CUstream) {
  for (size_t r = 0; r < h; ++r) std::memset(reinterpret_cast<void*>(p + r * pitch), v, w);
  Record("cuMemsetD2D8Async");
  return CUDA_SUCCESS;
}

FAKE CUresult cuModuleLoadData(CUmodule* m, const void* image) {
  std::lock_guard lock(g_state.mu);
  ++g_state.module_loads;
  g_state.last_image = image;
  *m = reinterpret_cast<CUmodule>(uintptr_t{0x5000} + g_state.module_loads);
  return CUDA_SUCCESS;
}
FAKE CUresult cuModuleGetFunction(CUfunction* f, CUmodule, const char* name) {
  std::lock_guard lock(g_state.mu);
  g_functions.push_back(name);
  *f = reinterpret_cast<CUfunction>(g_functions.size());  // 1-based index
  return CUDA_SUCCESS;
}
FAKE CUresult cuModuleGetGlobal_v2(CUdeviceptr* p, size_t* size, CUmodule, const char* name) {
  std::lock_guard lock(g_state.mu);
  auto it = g_globals.find(name);
  // The fake cannot know a variable's size: every global gets 4 KiB.
  if (it == g_globals.end()) it = g_globals.emplace(name, std::make_pair(AllocDevice(4096), size_t{4096})).first;
  if (p) *p = it->second.first;
  if (size) *size = it->second.second;
  return CUDA_SUCCESS;
}

namespace {
std::string FunctionName(CUfunction f) { return g_functions.at(reinterpret_cast<uintptr_t>(f) - 1); }
}  // namespace

// kern(int, float*, struct{char; double; int}, char, double): cuda-abi.md section 4.
FAKE CUresult cuFuncGetParamInfo(CUfunction f, size_t index, size_t* offset, size_t* size) {
  static const size_t kOffsets[] = {0, 8, 16, 40, 48}, kSizes[] = {4, 8, 24, 1, 8};
  std::lock_guard lock(g_state.mu);
  size_t count = FunctionName(f) == "kern" ? 5 : 0;
  if (index >= count) return CUDA_ERROR_INVALID_VALUE;
  *offset = kOffsets[index];
  *size = kSizes[index];
  return CUDA_SUCCESS;
}
FAKE CUresult cuFuncGetAttribute(int* v, CUfunction_attribute a, CUfunction) {
  switch (a) {
    case CU_FUNC_ATTRIBUTE_PTX_VERSION: *v = 90; break;
    case CU_FUNC_ATTRIBUTE_BINARY_VERSION: *v = 90; break;
    case CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *v = 1024; break;
    case CU_FUNC_ATTRIBUTE_NUM_REGS: *v = 32; break;
    default: *v = 0; break;
  }
  return CUDA_SUCCESS;
}
FAKE CUresult cuFuncSetAttribute(CUfunction, CUfunction_attribute, int) { return CUDA_SUCCESS; }
FAKE CUresult cuFuncSetCacheConfig(CUfunction, CUfunc_cache) { return CUDA_SUCCESS; }
FAKE CUresult cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(int* n, CUfunction, int, size_t, unsigned) {
  *n = 4;
  return CUDA_SUCCESS;
}
FAKE CUresult cuOccupancyAvailableDynamicSMemPerBlock(size_t* n, CUfunction, int, int) { *n = 48 << 10; return CUDA_SUCCESS; }

namespace {
CUresult RecordLaunch(CUfunction f, const unsigned grid[3], const unsigned block[3], unsigned shmem, CUstream s,
                      void** params, void** extra, unsigned num_attrs) {
  std::lock_guard lock(g_state.mu);
  FakeLaunch l{FunctionName(f), {grid[0], grid[1], grid[2]}, {block[0], block[1], block[2]}, shmem, s, t_ctx,
               {}, params != nullptr, num_attrs};
  if (extra != nullptr) {
    void* buffer = nullptr;
    size_t size = 0;
    for (void** e = extra; *e != CU_LAUNCH_PARAM_END; e += 2) {
      if (e[0] == CU_LAUNCH_PARAM_BUFFER_POINTER) buffer = e[1];
      if (e[0] == CU_LAUNCH_PARAM_BUFFER_SIZE) size = *static_cast<size_t*>(e[1]);
    }
    auto* b = static_cast<unsigned char*>(buffer);
    l.args.assign(b, b + size);
  }
  g_state.launches.push_back(std::move(l));
  return CUDA_SUCCESS;
}
}  // namespace

FAKE CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                             unsigned bz, unsigned shmem, CUstream s, void** params, void** extra) {
  const unsigned grid[3] = {gx, gy, gz}, block[3] = {bx, by, bz};
  return RecordLaunch(f, grid, block, shmem, s, params, extra, 0);
}
FAKE CUresult cuLaunchKernelEx(const CUlaunchConfig* c, CUfunction f, void** params, void** extra) {
  if (!g_state.launch_ex_supported) return CUDA_ERROR_NOT_SUPPORTED;
  const unsigned grid[3] = {c->gridDimX, c->gridDimY, c->gridDimZ};
  const unsigned block[3] = {c->blockDimX, c->blockDimY, c->blockDimZ};
  return RecordLaunch(f, grid, block, c->sharedMemBytes, c->hStream, params, extra, c->numAttrs);
}
// Recorded with num_attrs = kCooperativeMarker.
FAKE CUresult cuLaunchCooperativeKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                                        unsigned by, unsigned bz, unsigned shmem, CUstream s, void** params) {
  const unsigned grid[3] = {gx, gy, gz}, block[3] = {bx, by, bz};
  return RecordLaunch(f, grid, block, shmem, s, params, nullptr, kCooperativeMarker);
}
FAKE CUresult cuLaunchHostFunc(CUstream, CUhostFn fn, void* data) { fn(data); return CUDA_SUCCESS; }

FAKE CUresult cuStreamCreate(CUstream* s, unsigned) { *s = reinterpret_cast<CUstream>(new int(0)); return CUDA_SUCCESS; }
FAKE CUresult cuStreamCreateWithPriority(CUstream* s, unsigned, int p) {
  *s = reinterpret_cast<CUstream>(new int(p));
  return CUDA_SUCCESS;
}
FAKE CUresult cuStreamDestroy_v2(CUstream s) { delete reinterpret_cast<int*>(s); return CUDA_SUCCESS; }
FAKE CUresult cuStreamSynchronize(CUstream s) {
  std::lock_guard lock(g_state.mu);
  g_state.synchronized.push_back(s);
  return CUDA_SUCCESS;
}
FAKE CUresult cuStreamQuery(CUstream) { return CUDA_SUCCESS; }
FAKE CUresult cuStreamWaitEvent(CUstream, CUevent, unsigned) { return CUDA_SUCCESS; }
FAKE CUresult cuStreamGetFlags(CUstream, unsigned* f) { *f = 0; return CUDA_SUCCESS; }
FAKE CUresult cuStreamGetPriority(CUstream s, int* p) {
  *p = (s == nullptr || s == CU_STREAM_LEGACY || s == CU_STREAM_PER_THREAD) ? 0 : *reinterpret_cast<int*>(s);
  return CUDA_SUCCESS;
}
FAKE CUresult cuStreamGetId(CUstream s, unsigned long long* id) { *id = reinterpret_cast<uintptr_t>(s); return CUDA_SUCCESS; }

FAKE CUresult cuEventCreate(CUevent* e, unsigned flags) { *e = reinterpret_cast<CUevent>(new unsigned(flags)); return CUDA_SUCCESS; }
FAKE CUresult cuEventDestroy_v2(CUevent e) { delete reinterpret_cast<unsigned*>(e); return CUDA_SUCCESS; }
FAKE CUresult cuEventRecord(CUevent, CUstream) { return CUDA_SUCCESS; }
FAKE CUresult cuEventRecordWithFlags(CUevent, CUstream, unsigned) { return CUDA_SUCCESS; }
// Events carry their flags; bit 31 marks "waited for", so a query answers
// NOT_READY until someone synchronized on the event.
FAKE CUresult cuEventSynchronize(CUevent e) { *reinterpret_cast<unsigned*>(e) |= 1u << 31; return CUDA_SUCCESS; }
FAKE CUresult cuEventQuery(CUevent e) {
  return (*reinterpret_cast<unsigned*>(e) & (1u << 31)) ? CUDA_SUCCESS : CUDA_ERROR_NOT_READY;
}
FAKE CUresult cuEventElapsedTime_v2(float* ms, CUevent start, CUevent) {
  if (*reinterpret_cast<unsigned*>(start) & CU_EVENT_DISABLE_TIMING) return CUDA_ERROR_INVALID_HANDLE;
  *ms = 1.5f;
  return CUDA_SUCCESS;
}

FAKE CUresult cuGetProcAddress_v2(const char* symbol, void** pfn, int, cuuint64_t,
                                  CUdriverProcAddressQueryResult* status) {
  if (std::strcmp(symbol, "cuInit") == 0) {
    *pfn = reinterpret_cast<void*>(&cuInit);
    if (status) *status = CU_GET_PROC_ADDRESS_SUCCESS;
    return CUDA_SUCCESS;
  }
  *pfn = nullptr;
  if (status) *status = CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;
  return CUDA_ERROR_NOT_FOUND;
}
