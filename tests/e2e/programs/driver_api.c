/* A real CUDA driver-API program, built against cuda.h and linked to vgpu's
 * libcuda.so.1. Each subcommand is one end-to-end scenario; it prints what
 * it saw and exits 0 when everything matched. */
#include <cuda.h>
#include <dlfcn.h>
#include <pthread.h>
#include <sys/wait.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static double Now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static CUcontext Setup(void) {
  CUcontext ctx;
  CHECK(cuInit(0));
  CHECK(cuCtxCreate(&ctx, NULL, 0, 0));
  return ctx;
}

static int Devices(void) {
  int count = 0, version = 0;
  CHECK(cuInit(0));
  CHECK(cuDriverGetVersion(&version));
  CHECK(cuDeviceGetCount(&count));
  printf("driver %d, %d device(s)\n", version, count);
  for (int i = 0; i < count; ++i) {
    CUdevice dev;
    char name[256], bus[32];
    int major, minor, sms, warp, integrated;
    size_t total;
    CUuuid uuid;
    CHECK(cuDeviceGet(&dev, i));
    CHECK(cuDeviceGetName(name, sizeof(name), dev));
    CHECK(cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev));
    CHECK(cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev));
    CHECK(cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev));
    CHECK(cuDeviceGetAttribute(&warp, CU_DEVICE_ATTRIBUTE_WARP_SIZE, dev));
    CHECK(cuDeviceGetAttribute(&integrated, CU_DEVICE_ATTRIBUTE_INTEGRATED, dev));
    CHECK(cuDeviceTotalMem(&total, dev));
    CHECK(cuDeviceGetUuid(&uuid, dev));
    CHECK(cuDeviceGetPCIBusId(bus, sizeof(bus), dev));
    printf("device %d: %s, compute %d.%d, %d SMs, warp %d, %zu MiB, bus %s, uuid %02x%02x...\n", i, name, major,
           minor, sms, warp, total >> 20, bus, (unsigned char)uuid.bytes[0], (unsigned char)uuid.bytes[1]);
    if (major < 7 || warp != 32 || integrated != 0 || total == 0) return 1;
    int bad;
    if (cuDeviceGetAttribute(&bad, (CUdevice_attribute)100000, dev) != CUDA_ERROR_INVALID_VALUE) return 1;
  }
  CUdevice none;
  if (cuDeviceGet(&none, count) != CUDA_ERROR_INVALID_DEVICE) return 1;
  return count >= 1 ? 0 : 1;
}

static int Copies(void) {
  Setup();
  size_t sizes[] = {1, 7, 4096, 65537, 1 << 20, (4 << 20) + 3, 64 << 20, 256 << 20};
  for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); ++s) {
    size_t n = sizes[s];
    unsigned char* in = malloc(n);
    unsigned char* out = malloc(n);
    unsigned char* out2 = malloc(n);
    for (size_t i = 0; i < n; ++i) in[i] = (unsigned char)(i * 131 + s);
    CUdeviceptr a, b;
    double start = Now();
    CHECK(cuMemAlloc(&a, n));
    CHECK(cuMemAlloc(&b, n));
    CHECK(cuMemcpyHtoD(a, in, n));
    CHECK(cuMemcpyDtoD(b, a, n));
    CHECK(cuMemcpyDtoH(out, b, n));
    CUstream stream;
    CHECK(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
    memset(out2, 0, n);
    CHECK(cuMemcpyDtoHAsync(out2, a, n, stream));
    CHECK(cuStreamSynchronize(stream));
    CHECK(cuStreamDestroy(stream));
    double seconds = Now() - start;
    if (memcmp(in, out, n) != 0 || memcmp(in, out2, n) != 0) {
      printf("copy of %zu bytes differs\n", n);
      return 1;
    }
    printf("round trip %zu bytes ok (%.1f MB/s)\n", n, 4.0 * n / seconds / 1e6);
    CHECK(cuMemFree(a));
    CHECK(cuMemFree(b));
    free(in);
    free(out);
    free(out2);
  }
  return 0;
}

static int Memsets(void) {
  Setup();
  const size_t n = 1000;
  CUdeviceptr d;
  CHECK(cuMemAlloc(&d, n * 4));
  unsigned char bytes[4000];
  CHECK(cuMemsetD8(d, 0xab, n * 4));
  CHECK(cuMemcpyDtoH(bytes, d, sizeof(bytes)));
  for (size_t i = 0; i < sizeof(bytes); ++i) if (bytes[i] != 0xab) return 1;
  unsigned short halves[2000];
  CHECK(cuMemsetD16(d, 0x1234, n * 2));
  CHECK(cuMemcpyDtoH(halves, d, sizeof(halves)));
  for (size_t i = 0; i < 2000; ++i) if (halves[i] != 0x1234) return 1;
  unsigned int words[1000];
  CUstream stream;
  CHECK(cuStreamCreate(&stream, 0));
  CHECK(cuMemsetD32Async(d + 400, 0xdeadbeef, n - 100, stream));
  CHECK(cuStreamSynchronize(stream));
  CHECK(cuMemcpyDtoH(words, d, sizeof(words)));
  for (size_t i = 0; i < 1000; ++i) {
    unsigned int expect = i < 100 ? 0x12341234u : 0xdeadbeefu;
    if (words[i] != expect) {
      printf("word %zu is %x\n", i, words[i]);
      return 1;
    }
  }
  printf("memsets ok\n");
  return 0;
}

struct Worker {
  CUcontext ctx;
  int index;
  int ok;
};

static void* StreamWorker(void* arg) {
  struct Worker* w = arg;
  CHECK(cuCtxSetCurrent(w->ctx));
  const size_t n = 1 << 20;
  unsigned int* host = malloc(n * 4);
  unsigned int* back = malloc(n * 4);
  for (size_t i = 0; i < n; ++i) host[i] = (unsigned int)(i ^ w->index);
  CUstream stream;
  CUevent start, stop;
  CUdeviceptr d;
  CHECK(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
  CHECK(cuEventCreate(&start, 0));
  CHECK(cuEventCreate(&stop, 0));
  CHECK(cuMemAlloc(&d, n * 4));
  for (int round = 0; round < 20; ++round) {
    CHECK(cuEventRecord(start, stream));
    CHECK(cuMemcpyHtoDAsync(d, host, n * 4, stream));
    CHECK(cuMemsetD32Async(d, (unsigned)round, 16, stream));
    CHECK(cuMemcpyDtoHAsync(back, d, n * 4, stream));
    CHECK(cuEventRecord(stop, stream));
    CHECK(cuEventSynchronize(stop));
    for (size_t i = 0; i < n; ++i) {
      unsigned int expect = i < 16 ? (unsigned)round : host[i];
      if (back[i] != expect) {
        printf("thread %d round %d: word %zu is %u, expected %u\n", w->index, round, i, back[i], expect);
        return NULL;
      }
    }
    float ms = -1;
    CHECK(cuEventElapsedTime(&ms, start, stop));
    if (ms < 0) return NULL;
    if (cuEventQuery(stop) != CUDA_SUCCESS || cuStreamQuery(stream) != CUDA_SUCCESS) return NULL;
  }
  CHECK(cuStreamWaitEvent(stream, stop, 0));
  CHECK(cuMemFree(d));
  CHECK(cuEventDestroy(start));
  CHECK(cuEventDestroy(stop));
  CHECK(cuStreamDestroy(stream));
  free(host);
  free(back);
  w->ok = 1;
  return NULL;
}

static int Streams(void) {
  CUcontext ctx = Setup();
  pthread_t threads[2];
  struct Worker workers[2] = {{ctx, 1, 0}, {ctx, 2, 0}};
  for (int i = 0; i < 2; ++i) pthread_create(&threads[i], NULL, StreamWorker, &workers[i]);
  for (int i = 0; i < 2; ++i) pthread_join(threads[i], NULL);
  CUevent untimed, timed;
  CHECK(cuEventCreate(&untimed, CU_EVENT_DISABLE_TIMING));
  CHECK(cuEventCreate(&timed, 0));
  CHECK(cuEventRecord(untimed, 0));
  CHECK(cuEventRecord(timed, 0));
  float ms;
  if (cuEventElapsedTime(&ms, untimed, timed) != CUDA_ERROR_INVALID_HANDLE) return 1;
  printf("streams and events ok: %d %d\n", workers[0].ok, workers[1].ok);
  return workers[0].ok && workers[1].ok ? 0 : 1;
}

static char* ReadFile(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* data = malloc((size_t)n + 1);
  if (fread(data, 1, (size_t)n, f) != (size_t)n) return NULL;
  data[n] = 0;
  fclose(f);
  if (size) *size = (size_t)n;
  return data;
}

/* Loads an image (PTX or fatbin) and checks kern(int, float*, S, char, double). */
static int ModuleLayout(const char* path) {
  Setup();
  char* image = ReadFile(path, NULL);
  if (!image) return 2;
  CUmodule module;
  CUfunction kern;
  CHECK(cuModuleLoadData(&module, image));
  CHECK(cuModuleGetFunction(&kern, module, "kern"));
  size_t expect[5][2] = {{0, 4}, {8, 8}, {16, 24}, {40, 1}, {48, 8}};
  for (size_t i = 0; i < 5; ++i) {
    size_t offset, size;
    CHECK(cuFuncGetParamInfo(kern, i, &offset, &size));
    printf("param %zu: offset %zu size %zu\n", i, offset, size);
    if (offset != expect[i][0] || size != expect[i][1]) return 1;
  }
  size_t offset, size;
  if (cuFuncGetParamInfo(kern, 5, &offset, &size) != CUDA_ERROR_INVALID_VALUE) return 1;
  CUfunction missing;
  if (cuModuleGetFunction(&missing, module, "no_such_kernel") != CUDA_ERROR_NOT_FOUND) return 1;
  CHECK(cuModuleUnload(module));
  /* A second load of the same image is served from the server's cache. */
  CHECK(cuModuleLoadData(&module, image));
  CHECK(cuModuleUnload(module));
  free(image);
  printf("module layout ok\n");
  return 0;
}

/* vectorAdd from a PTX or fatbin image, through cuLaunchKernel. */
static int Launch(const char* path) {
  Setup();
  char* image = ReadFile(path, NULL);
  if (!image) return 2;
  CUmodule module;
  CUfunction add;
  CHECK(cuModuleLoadData(&module, image));
  CHECK(cuModuleGetFunction(&add, module, "vectorAdd"));
  const int n = 100000;
  float* a = malloc(n * sizeof(float));
  float* b = malloc(n * sizeof(float));
  float* c = malloc(n * sizeof(float));
  for (int i = 0; i < n; ++i) {
    a[i] = (float)i;
    b[i] = 2.0f * i;
  }
  CUdeviceptr da, db, dc;
  CHECK(cuMemAlloc(&da, n * sizeof(float)));
  CHECK(cuMemAlloc(&db, n * sizeof(float)));
  CHECK(cuMemAlloc(&dc, n * sizeof(float)));
  CHECK(cuMemcpyHtoD(da, a, n * sizeof(float)));
  CHECK(cuMemcpyHtoD(db, b, n * sizeof(float)));
  int count = n;
  void* args[] = {&da, &db, &dc, &count};
  CHECK(cuLaunchKernel(add, (n + 255) / 256, 1, 1, 256, 1, 1, 0, 0, args, NULL));
  CHECK(cuMemcpyDtoH(c, dc, n * sizeof(float)));
  for (int i = 0; i < n; ++i) {
    if (c[i] != 3.0f * i) {
      printf("c[%d] = %f\n", i, c[i]);
      return 1;
    }
  }
  printf("vectorAdd ok: c[%d] = %.0f\n", n - 1, c[n - 1]);
  return 0;
}


/* Stream capture and CUDA graphs: a captured memset, copies and launches
 * replay with the host bytes of each launch, an exec takes a second graph,
 * and the illegal cases give CUDA's capture errors. */
static int Graphs(const char* path) {
  Setup();
  char* image = ReadFile(path, NULL);
  if (!image) return 2;
  CUmodule module;
  CUfunction add;
  CHECK(cuModuleLoadData(&module, image));
  free(image);
  CHECK(cuModuleGetFunction(&add, module, "vectorAdd"));
  const int n = 5000;
  const size_t bytes = n * sizeof(float);
  float* in = malloc(bytes);
  float* out = malloc(bytes);
  float* out2 = malloc(bytes);
  for (int i = 0; i < n; ++i) in[i] = out[i] = out2[i] = -1.0f;
  CUdeviceptr da, db, dc;
  CHECK(cuMemAlloc(&da, bytes));
  CHECK(cuMemAlloc(&db, bytes));
  CHECK(cuMemAlloc(&dc, bytes));
  CUstream s;
  CHECK(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
  int count = n;
  unsigned grid = (n + 255) / 256;

  /* out = 2 * (in + 1), captured: nothing runs until the graph is launched */
  CHECK(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_RELAXED));
  CUstreamCaptureStatus status = CU_STREAM_CAPTURE_STATUS_NONE;
  CHECK(cuStreamIsCapturing(s, &status));
  if (status != CU_STREAM_CAPTURE_STATUS_ACTIVE) return 1;
  CHECK(cuMemsetD32Async(db, 0x3f800000u /* 1.0f */, n, s));
  CHECK(cuMemcpyHtoDAsync(da, in, bytes, s));
  void* args1[] = {&da, &db, &dc, &count};
  CHECK(cuLaunchKernel(add, grid, 1, 1, 256, 1, 1, 0, s, args1, NULL));
  void* args2[] = {&dc, &dc, &dc, &count};
  CHECK(cuLaunchKernel(add, grid, 1, 1, 256, 1, 1, 0, s, args2, NULL));
  CHECK(cuMemcpyDtoHAsync(out, dc, bytes, s));
  cuuint64_t capture_id = 0;
  CUgraph capturing = NULL;
  const CUgraphNode* deps = NULL;
  size_t num_deps = 99;
  CHECK(cuStreamGetCaptureInfo(s, &status, &capture_id, &capturing, &deps, NULL, &num_deps));
  if (status != CU_STREAM_CAPTURE_STATUS_ACTIVE || capture_id == 0 || capturing == NULL || num_deps != 0) {
    printf("capture info: status %d id %llu graph %p deps %zu\n", status, (unsigned long long)capture_id,
           (void*)capturing, num_deps);
    return 1;
  }
  CUgraph graph;
  CHECK(cuStreamEndCapture(s, &graph));
  CHECK(cuStreamIsCapturing(s, &status));
  if (status != CU_STREAM_CAPTURE_STATUS_NONE || graph != capturing) return 1;
  size_t nodes = 0;
  CHECK(cuGraphGetNodes(graph, NULL, &nodes));
  CHECK(cuCtxSynchronize());
  if (nodes != 5 || out[0] != -1.0f) {
    printf("after capture: %zu nodes, out[0] = %f\n", nodes, out[0]);
    return 1;
  }
  CUgraphExec exec;
  CHECK(cuGraphInstantiate(&exec, graph, 0));
  for (int launch = 0; launch < 3; ++launch) {
    for (int i = 0; i < n; ++i) {
      in[i] = (float)(i * (launch + 1) + launch);
      out[i] = -1.0f;
    }
    /* the first launch goes to the legacy stream: the stream is rewritten */
    CUstream target = launch == 0 ? NULL : s;
    CHECK(cuGraphLaunch(exec, target));
    CHECK(cuStreamSynchronize(target));
    for (int i = 0; i < n; ++i) {
      if (out[i] != 2.0f * (in[i] + 1.0f)) {
        printf("launch %d: out[%d] = %f, expected %f\n", launch, i, out[i], 2.0f * (in[i] + 1.0f));
        return 1;
      }
    }
    printf("graph launch %d ok: out[%d] = %.0f\n", launch, n - 1, out[n - 1]);
  }

  /* a second graph, out2 = in + in, replaces the exec's calls */
  CHECK(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL));
  CHECK(cuMemcpyHtoDAsync(da, in, bytes, s));
  void* args3[] = {&da, &da, &dc, &count};
  CHECK(cuLaunchKernel(add, grid, 1, 1, 256, 1, 1, 0, s, args3, NULL));
  CHECK(cuMemcpyDtoHAsync(out2, dc, bytes, s));
  CUgraph second;
  CHECK(cuStreamEndCapture(s, &second));
  CUgraphExecUpdateResultInfo info;
  memset(&info, 0xff, sizeof(info));
  CHECK(cuGraphExecUpdate(exec, second, &info));
  if (info.result != CU_GRAPH_EXEC_UPDATE_SUCCESS) return 1;
  for (int i = 0; i < n; ++i) {
    in[i] = (float)(3 * i);
    out[i] = -1.0f;
  }
  CHECK(cuGraphLaunch(exec, s));
  CHECK(cuStreamSynchronize(s));
  for (int i = 0; i < n; ++i) {
    if (out2[i] != 6.0f * i || out[i] != -1.0f) {
      printf("updated exec: out2[%d] = %f, out[%d] = %f\n", i, out2[i], i, out[i]);
      return 1;
    }
  }
  printf("updated exec ok: out2[%d] = %.0f\n", n - 1, out2[n - 1]);

  /* event records and waits are recorded too, and replay */
  CUevent ev;
  CHECK(cuEventCreate(&ev, CU_EVENT_DISABLE_TIMING));
  CHECK(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL));
  CHECK(cuMemsetD32Async(dc, 0x40000000u /* 2.0f */, n, s));
  CHECK(cuEventRecord(ev, s));
  CHECK(cuStreamWaitEvent(s, ev, 0));
  CHECK(cuMemcpyDtoHAsync(out, dc, bytes, s));
  CUgraph events;
  CUgraphExec events_exec;
  CHECK(cuStreamEndCapture(s, &events));
  CHECK(cuGraphInstantiateWithFlags(&events_exec, events, 0));
  CHECK(cuGraphLaunch(events_exec, s));
  CHECK(cuEventSynchronize(ev));
  CHECK(cuStreamSynchronize(s));
  if (out[0] != 2.0f || out[n - 1] != 2.0f) return 1;
  CHECK(cuGraphExecDestroy(events_exec));
  CHECK(cuGraphDestroy(events));
  CHECK(cuEventDestroy(ev));

  /* a stream destroyed mid-capture takes the capture with it */
  CUstream doomed;
  CHECK(cuStreamCreate(&doomed, 0));
  CHECK(cuStreamBeginCapture(doomed, CU_STREAM_CAPTURE_MODE_RELAXED));
  CHECK(cuLaunchKernel(add, grid, 1, 1, 256, 1, 1, 0, doomed, args1, NULL));
  CHECK(cuStreamDestroy(doomed));

  /* synchronizing a capturing stream invalidates the capture */
  CHECK(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_RELAXED));
  CHECK(cuLaunchKernel(add, grid, 1, 1, 256, 1, 1, 0, s, args1, NULL));
  CUresult sync = cuStreamSynchronize(s);
  CHECK(cuStreamIsCapturing(s, &status));
  CUresult more = cuLaunchKernel(add, grid, 1, 1, 256, 1, 1, 0, s, args1, NULL);
  CUgraph broken = (CUgraph)(uintptr_t)1;
  CUresult end = cuStreamEndCapture(s, &broken);
  printf("sync in capture: %d, status %d, next launch %d, end %d\n", sync, status, more, end);
  if (sync != CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED || status != CU_STREAM_CAPTURE_STATUS_INVALIDATED ||
      more != CUDA_ERROR_STREAM_CAPTURE_INVALIDATED || end != CUDA_ERROR_STREAM_CAPTURE_INVALIDATED ||
      broken != NULL) {
    return 1;
  }
  CHECK(cuStreamSynchronize(s)); /* no longer capturing */

  /* default streams cannot capture; ending a capture that never began fails */
  CUresult legacy = cuStreamBeginCapture(NULL, CU_STREAM_CAPTURE_MODE_RELAXED);
  CUresult per_thread = cuStreamBeginCapture(CU_STREAM_PER_THREAD, CU_STREAM_CAPTURE_MODE_RELAXED);
  CUresult not_capturing = cuStreamEndCapture(s, &broken);
  printf("null stream capture: %d %d; end without begin: %d\n", legacy, per_thread, not_capturing);
  if (legacy != CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED || per_thread != CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED ||
      not_capturing != CUDA_ERROR_ILLEGAL_STATE) {
    return 1;
  }

  /* an empty graph instantiates and launches as a no-op */
  CUgraph empty;
  CUgraphExec empty_exec;
  CHECK(cuGraphCreate(&empty, 0));
  CHECK(cuGraphGetNodes(empty, NULL, &nodes));
  if (nodes != 0) return 1;
  CHECK(cuGraphInstantiate(&empty_exec, empty, 0));
  CHECK(cuGraphLaunch(empty_exec, s));
  CHECK(cuStreamSynchronize(s));

  CHECK(cuGraphExecDestroy(empty_exec));
  CHECK(cuGraphDestroy(empty));
  CHECK(cuGraphExecDestroy(exec));
  CHECK(cuGraphDestroy(graph));
  CHECK(cuGraphDestroy(second));
  if (cuGraphExecDestroy(exec) == CUDA_SUCCESS || cuGraphDestroy(graph) == CUDA_SUCCESS) return 1;
  CHECK(cuStreamDestroy(s));
  CHECK(cuMemFree(da));
  CHECK(cuMemFree(db));
  CHECK(cuMemFree(dc));
  free(in);
  free(out);
  free(out2);
  return 0;
}

static CUmodule LoadFile(const char* dir, const char* name) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  char* image = ReadFile(path, NULL);
  if (!image) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  CUmodule module;
  CHECK(cuModuleLoadData(&module, image));
  free(image);
  return module;
}

/* The project's kernels through cuLaunchKernel: shared and global atomics,
 * warp shuffles, __constant__ tables set through cuModuleGetGlobal. */
static int Kernels(const char* dir) {
  Setup();
  /* histogram with shared and global atomics (fatbin, compressed PTX) */
  {
    CUmodule module = LoadFile(dir, "histogram.fatbin");
    CUfunction fn;
    CHECK(cuModuleGetFunction(&fn, module, "histogram256"));
    const unsigned n = 200000;
    unsigned char* data = malloc(n);
    unsigned expect[256] = {0}, bins[256];
    for (unsigned i = 0; i < n; ++i) {
      data[i] = (unsigned char)((i * 2654435761u) >> 13);
      expect[data[i]]++;
    }
    CUdeviceptr ddata, dbins;
    CHECK(cuMemAlloc(&ddata, n));
    CHECK(cuMemAlloc(&dbins, sizeof(bins)));
    CHECK(cuMemcpyHtoD(ddata, data, n));
    CHECK(cuMemsetD32(dbins, 0, 256));
    unsigned count = n;
    void* args[] = {&ddata, &count, &dbins};
    CHECK(cuLaunchKernel(fn, 32, 1, 1, 256, 1, 1, 0, NULL, args, NULL));
    CHECK(cuMemcpyDtoH(bins, dbins, sizeof(bins)));
    if (memcmp(bins, expect, sizeof(bins)) != 0) {
      printf("histogram differs\n");
      return 1;
    }
    printf("histogram256 ok\n");
    free(data);
  }
  /* warp-shuffle reduction */
  {
    CUmodule module = LoadFile(dir, "reduce_shuffle.ptx");
    CUfunction fn;
    CHECK(cuModuleGetFunction(&fn, module, "reduceShuffle"));
    const int n = 100003;
    int* in = malloc(n * sizeof(int));
    long long expect = 0;
    for (int i = 0; i < n; ++i) {
      in[i] = (i % 101) - 50;
      expect += in[i];
    }
    CUdeviceptr din, dout;
    CHECK(cuMemAlloc(&din, n * sizeof(int)));
    CHECK(cuMemAlloc(&dout, sizeof(int)));
    CHECK(cuMemcpyHtoD(din, in, n * sizeof(int)));
    CHECK(cuMemsetD32(dout, 0, 1));
    int count = n;
    void* args[] = {&din, &dout, &count};
    CHECK(cuLaunchKernel(fn, 40, 1, 1, 256, 1, 1, 0, NULL, args, NULL));
    int sum = 0;
    CHECK(cuMemcpyDtoH(&sum, dout, sizeof(sum)));
    if (sum != (int)expect) {
      printf("reduceShuffle: %d, expected %lld\n", sum, expect);
      return 1;
    }
    printf("reduceShuffle ok: %d\n", sum);
    free(in);
  }
  /* __constant__ tables, one of them written by the host */
  {
    CUmodule module = LoadFile(dir, "const_table.ptx");
    CUfunction fn;
    CHECK(cuModuleGetFunction(&fn, module, "constLookup"));
    CUdeviceptr offsets, calls;
    size_t offsets_size, calls_size;
    CHECK(cuModuleGetGlobal(&offsets, &offsets_size, module, "kOffsets"));
    CHECK(cuModuleGetGlobal(&calls, &calls_size, module, "gCalls"));
    if (offsets_size != 16 || calls_size != 4) return 1;
    int host_offsets[4] = {3, -2, 10, 0};
    CHECK(cuMemcpyHtoD(offsets, host_offsets, sizeof(host_offsets)));
    static const float coeffs[16] = {1.0f, 0.5f, 0.25f, 0.125f, 2.0f, 4.0f, 8.0f, 16.0f,
                                     -1.0f, -0.5f, 3.0f, 1.5f, 0.75f, 0.0f, 10.0f, 100.0f};
    const int n = 1000;
    int idx[1000];
    float out[1000];
    for (int i = 0; i < n; ++i) idx[i] = (i * 7) % 64;
    CUdeviceptr didx, dout;
    CHECK(cuMemAlloc(&didx, sizeof(idx)));
    CHECK(cuMemAlloc(&dout, sizeof(out)));
    CHECK(cuMemcpyHtoD(didx, idx, sizeof(idx)));
    int count = n;
    void* args[] = {&didx, &dout, &count};
    CHECK(cuLaunchKernel(fn, (n + 127) / 128, 1, 1, 128, 1, 1, 0, NULL, args, NULL));
    CHECK(cuMemcpyDtoH(out, dout, sizeof(out)));
    for (int i = 0; i < n; ++i) {
      int k = idx[i];
      float expect = coeffs[k & 15] * (float)(k + host_offsets[k & 3]);
      if (out[i] != expect) {
        printf("constLookup[%d] = %f, expected %f\n", i, out[i], expect);
        return 1;
      }
    }
    unsigned int calls_after = 0;
    CHECK(cuMemcpyDtoH(&calls_after, calls, sizeof(calls_after)));
    if (calls_after != 7u + n) {
      printf("gCalls = %u\n", calls_after);
      return 1;
    }
    printf("constLookup ok, gCalls = %u\n", calls_after);
  }
  /* an out-of-bounds kernel: a sticky illegal address at the next sync */
  {
    CUmodule module = LoadFile(dir, "out_of_bounds.ptx");
    CUfunction fn;
    CHECK(cuModuleGetFunction(&fn, module, "outOfBounds"));
    CUdeviceptr d;
    CHECK(cuMemAlloc(&d, 1024));
    int n = 256;
    void* args[] = {&d, &n};
    CHECK(cuLaunchKernel(fn, 1, 1, 1, 256, 1, 1, 0, NULL, args, NULL));
    CUresult sync = cuCtxSynchronize();
    CUresult after = cuMemsetD8(d, 0, 16) == CUDA_SUCCESS ? cuCtxSynchronize() : CUDA_ERROR_UNKNOWN;
    printf("out of bounds: sync -> %d, later call -> %d\n", sync, after);
    if (sync != CUDA_ERROR_ILLEGAL_ADDRESS || after != CUDA_ERROR_ILLEGAL_ADDRESS) return 1;
  }
  return 0;
}


/* A child forked after cuInit gets an error, never a hang, and its exit
 * leaves the parent's session intact. */
static int Fork(void) {
  Setup();
  CUdeviceptr d;
  CHECK(cuMemAlloc(&d, 64));
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    CUdeviceptr child_ptr;
    CUresult r = cuMemAlloc(&child_ptr, 64);
    CUresult init = cuInit(0);
    printf("child: cuMemAlloc -> %d, cuInit -> %d\n", r, init);
    exit(r == CUDA_ERROR_NOT_INITIALIZED && init == CUDA_ERROR_NOT_INITIALIZED ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  unsigned char in[64], out[64];
  for (int i = 0; i < 64; ++i) in[i] = (unsigned char)i;
  CHECK(cuMemcpyHtoD(d, in, sizeof(in)));
  CHECK(cuMemcpyDtoH(out, d, sizeof(out)));
  int parent_ok = memcmp(in, out, sizeof(in)) == 0;
  printf("parent after child exit: %s\n", parent_ok ? "ok" : "corrupt");
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 && parent_ok ? 0 : 1;
}

static int Dlopen(void) {
  void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  CUresult (*init)(unsigned int) = (CUresult(*)(unsigned int))dlsym(lib, "cuInit");
  CUresult (*count_fn)(int*) = (CUresult(*)(int*))dlsym(lib, "cuDeviceGetCount");
  CUresult (*get_proc)(const char*, void**, int, cuuint64_t, CUdriverProcAddressQueryResult*) =
      (CUresult(*)(const char*, void**, int, cuuint64_t, CUdriverProcAddressQueryResult*))dlsym(
          lib, "cuGetProcAddress_v2");
  if (!init || !count_fn || !get_proc) return 1;
  int count = 0;
  if (init(0) != CUDA_SUCCESS || count_fn(&count) != CUDA_SUCCESS || count < 1) return 1;
  void* alloc = NULL;
  CUdriverProcAddressQueryResult found;
  if (get_proc("cuMemAlloc", &alloc, 12000, 0, &found) != CUDA_SUCCESS || alloc != dlsym(lib, "cuMemAlloc_v2")) {
    return 1;
  }
  printf("dlopen ok: %d device(s)\n", count);
  return 0;
}

static int BadPointer(void) {
  Setup();
  unsigned char buffer[64];
  CUdeviceptr bogus = 0x1234000;
  CUresult r1 = cuMemcpyHtoD(bogus, buffer, sizeof(buffer));
  CUresult r2 = cuMemcpyDtoH(buffer, bogus, sizeof(buffer));
  CUresult r3 = cuMemFree(bogus);
  CUresult r4 = cuMemsetD8(bogus, 0, 64);
  CUdeviceptr d;
  CHECK(cuMemAlloc(&d, 64));
  CUresult r5 = cuMemcpyDtoH(buffer, d + 32, 64); /* runs past the end */
  CUresult r6 = cuStreamSynchronize((CUstream)(uintptr_t)0xdead0);
  printf("bad pointer results: %d %d %d %d %d %d\n", r1, r2, r3, r4, r5, r6);
  CHECK(cuCtxSynchronize()); /* the context is still usable */
  return r1 == CUDA_ERROR_INVALID_VALUE && r2 == CUDA_ERROR_INVALID_VALUE && r3 == CUDA_ERROR_INVALID_VALUE &&
                 r4 == CUDA_ERROR_INVALID_VALUE && r5 == CUDA_ERROR_INVALID_VALUE && r6 == CUDA_ERROR_INVALID_HANDLE
             ? 0
             : 1;
}

/* Prints "ready", then keeps synchronizing until the server is killed. */
static int ServerDies(void) {
  Setup();
  CUdeviceptr d;
  CHECK(cuMemAlloc(&d, 1024));
  printf("ready\n");
  fflush(stdout);
  double start = Now();
  CUresult result = CUDA_SUCCESS;
  while (result == CUDA_SUCCESS && Now() - start < 60) {
    result = cuCtxSynchronize();
    usleep(10000);
  }
  double failed_at = Now();
  CUresult later = cuMemAlloc(&d, 1024);
  double after = Now() - failed_at;
  const char* name = NULL;
  cuGetErrorName(result, &name);
  printf("error after the server died: %s; next call %d in %.3f s\n", name ? name : "?", later, after);
  // No wall-clock threshold: the test's timeout bounds these calls; the times are printed.
  return result != CUDA_SUCCESS && later != CUDA_SUCCESS ? 0 : 1;
}

static int NoServer(void) {
  double start = Now();
  CUresult result = cuInit(0);
  double seconds = Now() - start;
  int count = -1;
  CUresult count_result = cuDeviceGetCount(&count);
  printf("cuInit -> %d in %.2f s; cuDeviceGetCount -> %d\n", result, seconds, count_result);
  return result == CUDA_ERROR_NO_DEVICE && count_result != CUDA_SUCCESS ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s devices|copies|memsets|streams|layout IMAGE|launch IMAGE|graphs IMAGE|dlopen|bad-pointer|"
                    "server-dies|no-server\n", argv[0]);
    return 2;
  }
  const char* what = argv[1];
  if (!strcmp(what, "devices")) return Devices();
  if (!strcmp(what, "copies")) return Copies();
  if (!strcmp(what, "memsets")) return Memsets();
  if (!strcmp(what, "streams")) return Streams();
  if (!strcmp(what, "layout") && argc > 2) return ModuleLayout(argv[2]);
  if (!strcmp(what, "launch") && argc > 2) return Launch(argv[2]);
  if (!strcmp(what, "kernels") && argc > 2) return Kernels(argv[2]);
  if (!strcmp(what, "graphs") && argc > 2) return Graphs(argv[2]);
  if (!strcmp(what, "dlopen")) return Dlopen();
  if (!strcmp(what, "fork")) return Fork();
  if (!strcmp(what, "bad-pointer")) return BadPointer();
  if (!strcmp(what, "server-dies")) return ServerDies();
  if (!strcmp(what, "no-server")) return NoServer();
  fprintf(stderr, "unknown scenario %s\n", what);
  return 2;
}
