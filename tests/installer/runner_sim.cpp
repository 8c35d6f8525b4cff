// Child process of the runner simulation: started with Ollama's
// LD_LIBRARY_PATH and no LD_PRELOAD, it loads the library that plays
// libggml-cuda.so the way ggml does (RTLD_NOW | RTLD_LOCAL) and prints
// "count=N" (0 when the runtime reports an error), or "load-error=..." when
// the load fails.
#include <dlfcn.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <libggml-cuda.so>\n", argv[0]);
    return 2;
  }
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    std::printf("load-error=%s\n", dlerror());
    return 0;
  }
  auto count = reinterpret_cast<int (*)()>(dlsym(lib, "fake_ggml_cuda_device_count"));
  if (count == nullptr) {
    std::printf("load-error=no fake_ggml_cuda_device_count\n");
    return 0;
  }
  // ggml treats a runtime error as "no CUDA device".
  int n = count();
  if (n < 0) {
    std::printf("count=0\ncuda-error=%d\n", -1 - n);
  } else {
    std::printf("count=%d\n", n);
  }
  return 0;
}
