// The one crossing from the C ABI into vgpu code. Every exported function in
// exports.cpp is either Enter(name, body) or NotSupportedOnce(name).
#pragma once

#include <exception>
#include <utility>

#include "common/status.h"
#include "libcuda/cuda_internal.h"

namespace vgpu::cu {

// Configures logging from $VGPU_LOG (component "libcuda") the first time it
// runs; later calls are one atomic load.
void ConfigureLoggingOnce();

// Failure logging for Enter, at debug level: "<name>: <message>".
void LogFailure(const char* name, const Status& status);
void LogException(const char* name, const char* what);

// True on the thread while it runs a host function (cuLaunchHostFunc),
// which CUDA forbids to call CUDA: Enter answers CUDA_ERROR_NOT_PERMITTED.
bool InHostFunc() noexcept;
void SetInHostFunc(bool running) noexcept;

// Runs body (returns vgpu::Status) and converts its result to a CUresult.
// Never lets an exception cross the C boundary: any exception becomes
// CUDA_ERROR_UNKNOWN.
template <class F>
CUresult Enter(const char* name, F&& body) noexcept {
  ConfigureLoggingOnce();
  if (InHostFunc()) return CUDA_ERROR_NOT_PERMITTED;
  try {
    Status status = std::forward<F>(body)();
    if (status.ok()) return CUDA_SUCCESS;
    LogFailure(name, status);
    return static_cast<CUresult>(status.raw_code());
  } catch (const std::exception& e) {
    LogException(name, e.what());
  } catch (...) {
    LogException(name, "unknown exception");
  }
  return CUDA_ERROR_UNKNOWN;
}

// The body of every TODO row: logs "<name> is not supported by vgpu yet" at
// warn level the first time each name is called, and returns
// CUDA_ERROR_NOT_SUPPORTED.
CUresult NotSupportedOnce(const char* name) noexcept;

// The api.def area of an exported name ("memory", ...), "driver" if unknown.
const char* AreaOf(const char* name);

}  // namespace vgpu::cu
