/* Plays libggml-cuda.so in the runner simulation: linked against
 * libcudart.so.NN and libcuda.so.1 like the real one, so loading it with
 * RTLD_NOW fails when libcuda.so.1 cannot be found. */
#include <cuda.h>
#include <cuda_runtime_api.h>

/* Returns the device count, or -1 - error when the runtime reports an error. */
int fake_ggml_cuda_device_count(void) {
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  return err == cudaSuccess ? count : -1 - (int)err;
}

/* A driver-API import, so libcuda.so.1 is a real dependency. */
int fake_ggml_cuda_driver_version(void) {
  int version = 0;
  return cuDriverGetVersion(&version) == CUDA_SUCCESS ? version : -1;
}
