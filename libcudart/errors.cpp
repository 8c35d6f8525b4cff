#include "libcudart/errors.h"

#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/log.h"
#include "libcudart/exports.h"

namespace vgpu::rt {
namespace {

struct ErrorEntry {
  int value;
  const char* name;
};

constexpr ErrorEntry kErrors[] = {
#define VGPU_RT_ERROR(name, value) {value, #name},
#include "libcudart/errors.def"
#undef VGPU_RT_ERROR
};

// Short texts in cudart's style for the codes programs print most often; the
// rest are derived from the name ("cudaErrorLaunchTimeout" -> "launch timeout").
constexpr ErrorEntry kStrings[] = {
    {cudaSuccess, "no error"},
    {cudaErrorInvalidValue, "invalid argument"},
    {cudaErrorMemoryAllocation, "out of memory"},
    {cudaErrorInitializationError, "initialization error"},
    {cudaErrorCudartUnloading, "driver shutting down"},
    {cudaErrorInvalidConfiguration, "invalid configuration argument"},
    {cudaErrorInvalidPitchValue, "invalid pitch argument"},
    {cudaErrorInvalidSymbol, "invalid device symbol"},
    {cudaErrorInvalidHostPointer, "invalid host pointer"},
    {cudaErrorInvalidDevicePointer, "invalid device pointer"},
    {cudaErrorInvalidMemcpyDirection, "invalid copy direction for memcpy"},
    {cudaErrorMissingConfiguration, "__global__ function call is not configured"},
    {cudaErrorInsufficientDriver, "CUDA driver version is insufficient for CUDA runtime version"},
    {cudaErrorNoDevice, "no CUDA-capable device is detected"},
    {cudaErrorInvalidDevice, "invalid device ordinal"},
    {cudaErrorStartupFailure, "startup failure in cuda runtime"},
    {cudaErrorInvalidKernelImage, "device kernel image is invalid"},
    {cudaErrorDeviceUninitialized, "invalid device context"},
    {cudaErrorNoKernelImageForDevice, "no kernel image is available for execution on the device"},
    {cudaErrorInvalidSource, "device kernel image is invalid source"},
    {cudaErrorFileNotFound, "file not found"},
    {cudaErrorInvalidResourceHandle, "invalid resource handle"},
    {cudaErrorSymbolNotFound, "named symbol not found"},
    {cudaErrorNotReady, "device not ready"},
    {cudaErrorIllegalAddress, "an illegal memory access was encountered"},
    {cudaErrorLaunchOutOfResources, "too many resources requested for launch"},
    {cudaErrorLaunchTimeout, "the launch timed out and was terminated"},
    {cudaErrorPeerAccessAlreadyEnabled, "peer access is already enabled"},
    {cudaErrorPeerAccessNotEnabled, "peer access has not been enabled"},
    {cudaErrorSetOnActiveProcess, "cannot set while device is active in this process"},
    {cudaErrorHostMemoryAlreadyRegistered, "part or all of the requested memory range is already mapped"},
    {cudaErrorHostMemoryNotRegistered, "pointer does not correspond to a registered memory region"},
    {cudaErrorLaunchFailure, "unspecified launch failure"},
    {cudaErrorCooperativeLaunchTooLarge, "too many blocks in cooperative launch"},
    {cudaErrorNotPermitted, "operation not permitted"},
    {cudaErrorNotSupported, "operation not supported"},
    {cudaErrorInvalidDeviceFunction, "invalid device function"},
    {cudaErrorStreamCaptureUnsupported, "operation not permitted when stream is capturing"},
    {cudaErrorUnknown, "unknown error"},
};

const ErrorEntry* Find(const ErrorEntry* begin, const ErrorEntry* end, int value) {
  for (const ErrorEntry* e = begin; e != end; ++e) {
    if (e->value == value) return e;
  }
  return nullptr;
}

std::string Derive(const char* name) {
  const char* rest = std::strncmp(name, "cudaError", 9) == 0 ? name + 9 : name;
  std::string out;
  for (const char* p = rest; *p != '\0'; ++p) {
    bool upper = *p >= 'A' && *p <= 'Z';
    if (upper && !out.empty()) {
      bool prev_lower = p[-1] >= 'a' && p[-1] <= 'z';
      bool next_lower = p[1] >= 'a' && p[1] <= 'z';
      if (prev_lower || next_lower) out += ' ';
    }
    bool acronym = upper && ((p[1] >= 'A' && p[1] <= 'Z') || (p != rest && p[-1] >= 'A' && p[-1] <= 'Z'));
    out += (upper && !acronym) ? static_cast<char>(*p - 'A' + 'a') : *p;
  }
  return out;
}

constexpr const char* kUnknownCode = "unrecognized error code";

struct ThreadError {
  cudaError_t last = cudaSuccess;
};
thread_local ThreadError t_error;

}  // namespace

bool IsKnownError(int err) { return Find(std::begin(kErrors), std::end(kErrors), err) != nullptr; }

const char* ErrorName(cudaError_t err) {
  const ErrorEntry* e = Find(std::begin(kErrors), std::end(kErrors), err);
  return e ? e->name : kUnknownCode;
}

const char* ErrorString(cudaError_t err) {
  // Built once; the strings live for the life of the process.
  static const std::unordered_map<int, std::string>* derived = [] {
    auto* map = new std::unordered_map<int, std::string>();
    for (const ErrorEntry& e : kErrors) (*map)[e.value] = Derive(e.name);
    return map;
  }();
  if (const ErrorEntry* s = Find(std::begin(kStrings), std::end(kStrings), err)) return s->name;
  auto it = derived->find(err);
  return it == derived->end() ? kUnknownCode : it->second.c_str();
}

cudaError_t ToCudaError(CUresult res) {
  // Since CUDA 10 every CUresult that cudart passes through has a cudaError
  // of the same value and meaning; the rest become cudaErrorUnknown.
  if (res == CUDA_SUCCESS) return cudaSuccess;
  if (IsKnownError(static_cast<int>(res))) return static_cast<cudaError_t>(res);
  return cudaErrorUnknown;
}

cudaError_t ToCudaError(const Status& status) {
  if (!status.ok()) VGPU_LOG(Debug, "errors", "%s", status.message().c_str());
  return ToCudaError(static_cast<CUresult>(status.raw_code()));
}

void RecordError(const char* api, cudaError_t err) {
  // cudaErrorNotReady is a status, not an error: queries do not record it.
  if (err == cudaSuccess || err == cudaErrorNotReady) return;
  VGPU_LOG(Debug, "errors", "%s: %s (%d)", api, ErrorName(err), static_cast<int>(err));
  t_error.last = err;
}

cudaError_t PeekLastError() { return t_error.last; }

cudaError_t TakeLastError() {
  cudaError_t err = t_error.last;
  t_error.last = cudaSuccess;
  return err;
}

cudaError_t NotSupportedOnce(const char* name) {
  static std::mutex mu;
  static auto* seen = new std::unordered_map<std::string, bool>();
  std::lock_guard lock(mu);
  if (!(*seen)[name]) {
    (*seen)[name] = true;
    VGPU_LOG(Warn, "api", "%s not supported", name);
  }
  return cudaErrorNotSupported;
}

}  // namespace vgpu::rt

// Hand-written exports: these must not touch the last error themselves.
extern "C" VGPU_RT_EXPORT cudaError_t cudaGetLastError(void) { return vgpu::rt::TakeLastError(); }
extern "C" VGPU_RT_EXPORT cudaError_t cudaPeekAtLastError(void) { return vgpu::rt::PeekLastError(); }
extern "C" VGPU_RT_EXPORT const char* cudaGetErrorName(cudaError_t error) { return vgpu::rt::ErrorName(error); }
extern "C" VGPU_RT_EXPORT const char* cudaGetErrorString(cudaError_t error) { return vgpu::rt::ErrorString(error); }
