// cudaError_t handling: names and strings for every code, the CUresult ->
// cudaError_t mapping, and the per-thread last error.
#pragma once

#include <cuda.h>
#include <driver_types.h>

#include <string>

#include "common/status.h"

namespace vgpu::rt {

// "cudaErrorInvalidValue"; "unrecognized error code" for unknown codes.
const char* ErrorName(cudaError_t err);
// Human-readable text; "unrecognized error code" for unknown codes.
const char* ErrorString(cudaError_t err);
// True if `err` is a value of enum cudaError.
bool IsKnownError(int err);

// Maps a driver result to the runtime error a real cudart reports for it.
cudaError_t ToCudaError(CUresult res);
cudaError_t ToCudaError(const Status& status);

// A Status carrying a runtime-only error (no CUresult has that meaning).
// Works because ToCudaError passes known cudaError values through.
inline Status RtError(cudaError_t err, std::string message) {
  return Status(static_cast<Code>(err), std::move(message));
}

// Per-thread last error (cudaGetLastError/cudaPeekAtLastError): the most
// recent failing call's error, until cudaGetLastError reads and resets it.
// RecordError also logs it at debug.
void RecordError(const char* api, cudaError_t err);
cudaError_t PeekLastError();
cudaError_t TakeLastError();

}  // namespace vgpu::rt
