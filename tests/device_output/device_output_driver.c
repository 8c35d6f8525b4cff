/* Device printf and assert through vgpu's libcuda.so.1, on device_output.ptx (the kernels
 * of device_output.cu). Usage: device_output_driver printf|assert <ptx>. Prints what it
 * saw and exits 0 when everything matched. */
#include <cuda.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(call)                                                                            \
  do {                                                                                         \
    CUresult r_ = (call);                                                                      \
    if (r_ != CUDA_SUCCESS) {                                                                  \
      fprintf(stderr, "%s:%d: %s -> %d\n", __FILE__, __LINE__, #call, (int)r_);               \
      exit(1);                                                                                 \
    }                                                                                          \
  } while (0)
#define EXPECT(cond)                                                                           \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);                     \
      exit(1);                                                                                 \
    }                                                                                          \
  } while (0)

/* What the process writes to `fd` between Begin and End (into `text`, NUL-terminated). */
typedef struct {
  int fd, saved;
  FILE* file;
} Capture;

static Capture Begin(int fd) {
  Capture c = {fd, -1, NULL};
  fflush(NULL);
  c.file = tmpfile();
  c.saved = dup(fd);
  dup2(fileno(c.file), fd);
  return c;
}

static size_t Peek(Capture* c) {
  fflush(NULL);
  return (size_t)lseek(fileno(c->file), 0, SEEK_END);
}

static char* End(Capture* c) {
  fflush(NULL);
  dup2(c->saved, c->fd);
  close(c->saved);
  long n = ftell(c->file) >= 0 ? (long)Peek(c) : 0;
  char* text = calloc((size_t)n + 1, 1);
  rewind(c->file);
  if (n > 0 && fread(text, 1, (size_t)n, c->file) != (size_t)n) text[0] = 0;
  fclose(c->file);
  return text;
}

static CUmodule Load(const char* path) {
  FILE* f = fopen(path, "rb");
  EXPECT(f != NULL);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char* ptx = calloc((size_t)n + 1, 1);
  EXPECT(fread(ptx, 1, (size_t)n, f) == (size_t)n);
  fclose(f);
  CUmodule module;
  CHECK(cuModuleLoadData(&module, ptx));
  free(ptx);
  return module;
}

static int Printf(CUmodule module) {
  CUfunction fn;
  CHECK(cuModuleGetFunction(&fn, module, "print_threads"));
  int tag = 7;
  float scale = 0.5f;
  void* args[] = {&tag, &scale};
  Capture out = Begin(1);
  CHECK(cuLaunchKernel(fn, 2, 1, 1, 4, 1, 1, 0, NULL, args, NULL));
  /* Nothing arrives before the synchronizing call, as on CUDA. */
  size_t before = Peek(&out);
  CHECK(cuCtxSynchronize());
  char* printed = End(&out);
  fputs(printed, stdout);
  EXPECT(before == 0);
  int lines = 0;
  for (const char* p = printed; *p; ++p) lines += *p == '\n';
  EXPECT(lines == 8);
  for (int b = 0; b < 2; ++b) {
    const char* last = printed;
    for (int t = 0; t < 4; ++t) {
      char line[128];
      snprintf(line, sizeof line, "block %d thread %d: tag=7 value=%.2f %s\n", b, t, 0.5 * t, t % 2 ? "odd" : "even");
      const char* at = strstr(printed, line);
      EXPECT(at != NULL);
      EXPECT(at >= last); /* a block's threads print in order */
      last = at;
    }
  }
  /* A second synchronization has nothing left to print. */
  Capture again = Begin(1);
  CHECK(cuCtxSynchronize());
  char* second = End(&again);
  EXPECT(second[0] == 0);
  free(printed);
  free(second);
  return 0;
}

static int Assert(CUmodule module) {
  CUfunction fn;
  CHECK(cuModuleGetFunction(&fn, module, "assert_below"));
  int limit = 2;
  void* args[] = {&limit};
  Capture err = Begin(2);
  CHECK(cuLaunchKernel(fn, 1, 1, 1, 4, 1, 1, 0, NULL, args, NULL));
  CUresult sync = cuCtxSynchronize();
  char* message = End(&err);
  fputs(message, stderr);
  EXPECT(sync == CUDA_ERROR_ASSERT);
  EXPECT(strstr(message, "device_output.cu:") == message);
  EXPECT(strstr(message, ": Assertion `threadIdx.x < limit` failed.\n") != NULL);
  free(message);
  /* Sticky: every later call in the context fails the same way. */
  CUdeviceptr p;
  EXPECT(cuMemAlloc(&p, 16) == CUDA_ERROR_ASSERT);
  EXPECT(cuCtxSynchronize() == CUDA_ERROR_ASSERT);
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s printf|assert <ptx>\n", argv[0]);
    return 2;
  }
  CUcontext ctx;
  CHECK(cuInit(0));
  CHECK(cuCtxCreate(&ctx, NULL, 0, 0));
  CUmodule module = Load(argv[2]);
  int rc = strcmp(argv[1], "printf") == 0 ? Printf(module) : strcmp(argv[1], "assert") == 0 ? Assert(module) : 2;
  if (rc == 0) printf("device_output %s: ok\n", argv[1]);
  return rc;
}
