// cuGetErrorName / cuGetErrorString: every CUresult that cuda.h (13.0)
// defines, with a short description. Answered locally; no server needed.
#include <string>

#include "common/status.h"
#include "libcuda/areas.h"

namespace vgpu::cu {
namespace {

struct ErrorText {
  CUresult code;
  const char* name;
  const char* description;
};

#define VGPU_CU_ERROR(code, text) {code, #code, text}
constexpr ErrorText kErrors[] = {
    VGPU_CU_ERROR(CUDA_SUCCESS, "no error"),
    VGPU_CU_ERROR(CUDA_ERROR_INVALID_VALUE, "invalid argument"),
    VGPU_CU_ERROR(CUDA_ERROR_OUT_OF_MEMORY, "out of memory"),
    VGPU_CU_ERROR(CUDA_ERROR_NOT_INITIALIZED, "initialization error"),
    VGPU_CU_ERROR(CUDA_ERROR_DEINITIALIZED, "driver shutting down"),
    VGPU_CU_ERROR(CUDA_ERROR_PROFILER_DISABLED, "profiler disabled while using external profiling tool"),
    VGPU_CU_ERROR(CUDA_ERROR_PROFILER_NOT_INITIALIZED, "profiler not initialized: call cudaProfilerInitialize()"),
    VGPU_CU_ERROR(CUDA_ERROR_PROFILER_ALREADY_STARTED, "profiler already started"),
    VGPU_CU_ERROR(CUDA_ERROR_PROFILER_ALREADY_STOPPED, "profiler already stopped"),
    VGPU_CU_ERROR(CUDA_ERROR_STUB_LIBRARY, "CUDA driver is a stub library"),
    VGPU_CU_ERROR(CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER, "operation not supported by the installed driver version"),
    VGPU_CU_ERROR(CUDA_ERROR_DEVICE_UNAVAILABLE, "CUDA-capable device(s) is/are busy or unavailable"),
    VGPU_CU_ERROR(CUDA_ERROR_NO_DEVICE, "no CUDA-capable device is detected"),
    VGPU_CU_ERROR(CUDA_ERROR_INVALID_DEVICE, "invalid device ordinal"),
    VGPU_CU_ERROR(CUDA_ERROR_DEVICE_NOT_LICENSED, "device doesn't have valid Grid license"),
    VGPU_CU_ERROR(CUDA_ERROR_INVALID_IMAGE, "device kernel image is invalid"),
    VGPU_CU_ERROR(CUDA_ERROR_INVALID_CONTEXT, "invalid device context"),
    VGPU_CU_ERROR(CUDA_ERROR_CONTEXT_ALREADY_CURRENT, "context already current"),
    VGPU_CU_ERROR(CUDA_ERROR_MAP_FAILED, "mapping of buffer object failed"),
    VGPU_CU_ERROR(CUDA_ERROR_UNMAP_FAILED, "unmapping of buffer object failed"),
    VGPU_CU_ERROR(CUDA_ERROR_ARRAY_IS_MAPPED, "array is mapped"),
    VGPU_CU_ERROR(CUDA_ERROR_ALREADY_MAPPED, "resource already mapped"),
    VGPU_CU_ERROR(CUDA_ERROR_NO_BINARY_FOR_GPU, "no kernel image is available for execution on the device"),
    VGPU_CU_ERROR(CUDA_ERROR_ALREADY_ACQUIRED, "resource already acquired"),
    VGPU_CU_ERROR(CUDA_ERROR_NOT_MAPPED, "resource not mapped"),
    VGPU_CU_ERROR(CUDA_ERROR_NOT_MAPPED_AS_ARRAY, "resource not mapped as array"),
    VGPU_CU_ERROR(CUDA_ERROR_NOT_MAPPED_AS_POINTER, "resource not mapped as pointer"),
    VGPU_CU_ERROR(CUDA_ERROR_ECC_UNCORRECTABLE, "uncorrectable ECC error encountered"),
    VGPU_CU_ERROR(CUDA_ERROR_UNSUPPORTED_LIMIT, "limit is not supported on this architecture"),
    VGPU_CU_ERROR(CUDA_ERROR_CONTEXT_ALREADY_IN_USE, "exclusive-thread device already in use by a different thread"),
    VGPU_CU_ERROR(CUDA_ERROR_PEER_ACCESS_UNSUPPORTED, "peer access is not supported between these two devices"),
    VGPU_CU_ERROR(CUDA_ERROR_INVALID_PTX, "a PTX JIT compilation failed"),
    VGPU_CU_ERROR(CUDA_ERROR_INVALID_GRAPHICS_CONTEXT, "invalid OpenGL or DirectX context"),
    VGPU_CU_ERROR(CUDA_ERROR_NVLINK_UNCORRECTABLE, "uncorrectable NVLink error detected during the execution"),
    VGPU_CU_ERROR(CUDA_ERROR_JIT_COMPILER_NOT_FOUND, "PTX JIT compiler library not found"),
    VGPU_CU_ERROR(CUDA_ERROR_UNSUPPORTED_PTX_VERSION, "the provided PTX was compiled with an unsupported toolchain"),
    VGPU_CU_ERROR(CUDA_ERROR_JIT_COMPILATION_DISABLED, "PTX JIT compilation was disabled"),
    VGPU_CU_ERROR(CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY, "the provided execution affinity is not supported"),
    VGPU_CU_ERROR(CUDA_ERROR_UNSUPPORTED_DEVSIDE_SYNC, "the provided PTX contains unsupported call to cudaDeviceSynchronize"),
    VGPU_CU_ERROR(CUDA_ERROR_CONTAINED, "an exception occurred on the device that is now contained by the GPU's error containment capability"),
    VGPU_CU_ERROR(CUDA_ERROR_INVALID_SOURCE, "invalid source"),
    VGPU_CU_ERROR(CUDA_ERROR_FILE_NOT_FOUND, "file not found"),
    VGPU_CU_ERROR(CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND, "shared object symbol not found"),
    VGPU_CU_ERROR(CUDA_ERROR_SHARED_OBJECT_INIT_FAILED, "shared object initialization failed"),
    VGPU_CU_ERROR(CUDA_ERROR_OPERATING_SYSTEM, "OS call failed or operation not supported on this OS"),
    VGPU_CU_ERROR(CUDA_ERROR_INVALID_HANDLE, "invalid resource handle"),
    VGPU_CU_ERROR(CUDA_ERROR_ILLEGAL_STATE, "the operation cannot be performed in the present state"),
    VGPU_CU_ERROR(CUDA_ERROR_LOSSY_QUERY, "attempted introspection would be semantically lossy"),
    VGPU_CU_ERROR(CUDA_ERROR_NOT_FOUND, "named symbol not found"),
    VGPU_CU_ERROR(CUDA_ERROR_NOT_READY, "device not ready"),
    VGPU_CU_ERROR(CUDA_ERROR_ILLEGAL_ADDRESS, "an illegal memory access was encountered"),
    VGPU_CU_ERROR(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, "too many resources requested for launch"),
    VGPU_CU_ERROR(CUDA_ERROR_LAUNCH_TIMEOUT, "the launch timed out and was terminated"),
    VGPU_CU_ERROR(CUDA_ERROR_LAUNCH_INCOMPATIBLE_TEXTURING, "launch uses incompatible texturing mode"),
    VGPU_CU_ERROR(CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED, "peer access is already enabled"),
    VGPU_CU_ERROR(CUDA_ERROR_PEER_ACCESS_NOT_ENABLED, "peer access has not been enabled"),
    VGPU_CU_ERROR(CUDA_ERROR_PRIMARY_CONTEXT_ACTIVE, "cannot set while device is active in this process"),
    VGPU_CU_ERROR(CUDA_ERROR_CONTEXT_IS_DESTROYED, "context is destroyed"),
    VGPU_CU_ERROR(CUDA_ERROR_ASSERT, "device-side assert triggered"),
    VGPU_CU_ERROR(CUDA_ERROR_TOO_MANY_PEERS, "peer mapping resources exhausted"),
    VGPU_CU_ERROR(CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED, "part or all of the requested memory range is already mapped"),
    VGPU_CU_ERROR(CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED, "pointer does not correspond to a registered memory region"),
    VGPU_CU_ERROR(CUDA_ERROR_HARDWARE_STACK_ERROR, "hardware stack error"),
    VGPU_CU_ERROR(CUDA_ERROR_ILLEGAL_INSTRUCTION, "an illegal instruction was encountered"),
    VGPU_CU_ERROR(CUDA_ERROR_MISALIGNED_ADDRESS, "misaligned address"),
    VGPU_CU_ERROR(CUDA_ERROR_INVALID_ADDRESS_SPACE, "operation not supported on global/shared address space"),
    VGPU_CU_ERROR(CUDA_ERROR_INVALID_PC, "invalid program counter"),
    VGPU_CU_ERROR(CUDA_ERROR_LAUNCH_FAILED, "unspecified launch failure"),
    VGPU_CU_ERROR(CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE, "too many blocks in cooperative launch"),
    VGPU_CU_ERROR(CUDA_ERROR_TENSOR_MEMORY_LEAK, "tensor memory not completely freed"),
    VGPU_CU_ERROR(CUDA_ERROR_NOT_PERMITTED, "operation not permitted"),
    VGPU_CU_ERROR(CUDA_ERROR_NOT_SUPPORTED, "operation not supported"),
    VGPU_CU_ERROR(CUDA_ERROR_SYSTEM_NOT_READY, "system not yet initialized"),
    VGPU_CU_ERROR(CUDA_ERROR_SYSTEM_DRIVER_MISMATCH, "system has unsupported display driver / cuda driver combination"),
    VGPU_CU_ERROR(CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE, "forward compatibility was attempted on non supported HW"),
    VGPU_CU_ERROR(CUDA_ERROR_MPS_CONNECTION_FAILED, "MPS client failed to connect to the MPS control daemon or the MPS server"),
    VGPU_CU_ERROR(CUDA_ERROR_MPS_RPC_FAILURE, "the remote procedural call between the MPS server and the MPS client failed"),
    VGPU_CU_ERROR(CUDA_ERROR_MPS_SERVER_NOT_READY, "MPS server is not ready to accept new MPS client requests"),
    VGPU_CU_ERROR(CUDA_ERROR_MPS_MAX_CLIENTS_REACHED, "the hardware resources required to create MPS client have been exhausted"),
    VGPU_CU_ERROR(CUDA_ERROR_MPS_MAX_CONNECTIONS_REACHED, "the hardware resources required to support device connections have been exhausted"),
    VGPU_CU_ERROR(CUDA_ERROR_MPS_CLIENT_TERMINATED, "the MPS client has been terminated by the server"),
    VGPU_CU_ERROR(CUDA_ERROR_CDP_NOT_SUPPORTED, "module is using CUDA Dynamic Parallelism but the driver does not support it"),
    VGPU_CU_ERROR(CUDA_ERROR_CDP_VERSION_MISMATCH, "CUDA Dynamic Parallelism version mismatch between module and driver"),
    VGPU_CU_ERROR(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "operation not permitted when stream is capturing"),
    VGPU_CU_ERROR(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "operation failed due to a previous error during capture"),
    VGPU_CU_ERROR(CUDA_ERROR_STREAM_CAPTURE_MERGE, "operation would result in a merge of separate capture sequences"),
    VGPU_CU_ERROR(CUDA_ERROR_STREAM_CAPTURE_UNMATCHED, "capture was not ended in the same stream as it began"),
    VGPU_CU_ERROR(CUDA_ERROR_STREAM_CAPTURE_UNJOINED, "capturing stream has unjoined work"),
    VGPU_CU_ERROR(CUDA_ERROR_STREAM_CAPTURE_ISOLATION, "dependency created on uncaptured work in another stream"),
    VGPU_CU_ERROR(CUDA_ERROR_STREAM_CAPTURE_IMPLICIT, "operation would make the legacy stream depend on a capturing blocking stream"),
    VGPU_CU_ERROR(CUDA_ERROR_CAPTURED_EVENT, "operation not permitted on an event last recorded in a capturing stream"),
    VGPU_CU_ERROR(CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD, "attempt to terminate a thread-local capture sequence from another thread"),
    VGPU_CU_ERROR(CUDA_ERROR_TIMEOUT, "wait operation timed out"),
    VGPU_CU_ERROR(CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE, "the graph update was not performed because it included changes which violated constraints specific to instantiated graph update"),
    VGPU_CU_ERROR(CUDA_ERROR_EXTERNAL_DEVICE, "an async error has occurred in external entity outside of CUDA"),
    VGPU_CU_ERROR(CUDA_ERROR_INVALID_CLUSTER_SIZE, "a kernel launch error has occurred due to cluster misconfiguration"),
    VGPU_CU_ERROR(CUDA_ERROR_FUNCTION_NOT_LOADED, "the function handle is not loaded when calling an API that requires a loaded function"),
    VGPU_CU_ERROR(CUDA_ERROR_INVALID_RESOURCE_TYPE, "one or more resources passed in are not valid resource types for the operation"),
    VGPU_CU_ERROR(CUDA_ERROR_INVALID_RESOURCE_CONFIGURATION, "one or more resources are insufficient or non-applicable for the operation"),
    VGPU_CU_ERROR(CUDA_ERROR_KEY_ROTATION, "an error occurred during the key rotation sequence"),
    VGPU_CU_ERROR(CUDA_ERROR_UNKNOWN, "unknown error"),
};
#undef VGPU_CU_ERROR

const ErrorText* Find(CUresult error) {
  for (const ErrorText& entry : kErrors) {
    if (entry.code == error) return &entry;
  }
  return nullptr;
}

Status Lookup(CUresult error, const char** pStr, bool name) {
  if (pStr == nullptr) return InvalidValue("pStr must not be NULL");
  const ErrorText* entry = Find(error);
  if (entry == nullptr) {
    *pStr = nullptr;
    return InvalidValue(std::to_string(static_cast<int>(error)) + " is not a CUresult");
  }
  *pStr = name ? entry->name : entry->description;
  return Status::Ok();
}

}  // namespace

namespace driver {

Status cuGetErrorName(CUresult error, const char** pStr) { return Lookup(error, pStr, true); }

Status cuGetErrorString(CUresult error, const char** pStr) { return Lookup(error, pStr, false); }

}  // namespace driver
}  // namespace vgpu::cu
