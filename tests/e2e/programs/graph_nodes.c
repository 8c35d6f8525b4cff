/* Explicitly built CUDA graphs through vgpu's libcuda.so.1: memset, memcpy,
 * kernel, host, event-record, event-wait, empty and child-graph nodes, node
 * queries, clone, and cuGraphExecKernelNodeSetParams, replayed with the host
 * bytes of each launch. argv[1]: the vector_add PTX fixture. */
#include <cuda.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define EXPECT(cond)                                                  \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                        \
    }                                                                 \
  } while (0)

enum { N = 1000 };
static float a[N], b[N], c[N];
static int g_expect_n = N;  /* elements the kernel computes; the rest stay 0 */
static int g_host_calls = 0;
static int g_failures = 0;

/* The host node: runs after the download, so it sees this launch's result. */
static void CheckResult(void* data) {
  (void)data;
  ++g_host_calls;
  for (int i = 0; i < N; ++i) {
    float want = i < g_expect_n ? a[i] + b[i] : 0.0f;
    if (c[i] != want) {
      fprintf(stderr, "launch %d: c[%d] = %f, expected %f\n", g_host_calls, i, c[i], want);
      ++g_failures;
      return;
    }
  }
}

static char* ReadFile(const char* path) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* data = malloc(size + 1);
  if (fread(data, 1, size, f) != (size_t)size) size = 0;
  data[size] = '\0';
  fclose(f);
  return data;
}

static CUDA_MEMCPY3D Linear(int to_device, CUdeviceptr dev, void* host, size_t bytes) {
  CUDA_MEMCPY3D m;
  memset(&m, 0, sizeof(m));
  if (to_device) {
    m.srcMemoryType = CU_MEMORYTYPE_HOST, m.srcHost = host;
    m.dstMemoryType = CU_MEMORYTYPE_DEVICE, m.dstDevice = dev;
  } else {
    m.srcMemoryType = CU_MEMORYTYPE_DEVICE, m.srcDevice = dev;
    m.dstMemoryType = CU_MEMORYTYPE_HOST, m.dstHost = host;
  }
  m.srcPitch = m.dstPitch = bytes;
  m.WidthInBytes = bytes, m.Height = 1, m.Depth = 1;
  return m;
}

static void Fill(float scale) {
  for (int i = 0; i < N; ++i) a[i] = scale * i, b[i] = 1000.0f - i, c[i] = -1.0f;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  CUcontext ctx;
  CHECK(cuInit(0));
  CHECK(cuCtxCreate(&ctx, NULL, 0, 0));
  char* image = ReadFile(argv[1]);
  EXPECT(image != NULL);
  CUmodule module;
  CUfunction add;
  CHECK(cuModuleLoadData(&module, image));
  CHECK(cuModuleGetFunction(&add, module, "vectorAdd"));
  CUdeviceptr da, db, dc;
  CHECK(cuMemAlloc(&da, sizeof(a)));
  CHECK(cuMemAlloc(&db, sizeof(b)));
  CHECK(cuMemAlloc(&dc, sizeof(c)));
  CUstream stream;
  CHECK(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
  CUevent done;
  CHECK(cuEventCreate(&done, CU_EVENT_DISABLE_TIMING));

  CUgraph graph;
  CHECK(cuGraphCreate(&graph, 0));
  CUgraphNode memset_node, up_a, up_b, kernel, down, host, record, empty;
  CUDA_MEMSET_NODE_PARAMS ms;
  memset(&ms, 0, sizeof(ms));
  ms.dst = dc, ms.value = 0, ms.elementSize = 4, ms.width = N, ms.height = 1;
  CHECK(cuGraphAddMemsetNode(&memset_node, graph, NULL, 0, &ms, ctx));
  CUDA_MEMCPY3D copy_a = Linear(1, da, a, sizeof(a)), copy_b = Linear(1, db, b, sizeof(b));
  CUDA_MEMCPY3D copy_c = Linear(0, dc, c, sizeof(c));
  CHECK(cuGraphAddMemcpyNode(&up_a, graph, NULL, 0, &copy_a, ctx));
  CHECK(cuGraphAddMemcpyNode(&up_b, graph, NULL, 0, &copy_b, ctx));
  int n = N;
  void* args[] = {&da, &db, &dc, &n};
  CUDA_KERNEL_NODE_PARAMS kp;
  memset(&kp, 0, sizeof(kp));
  kp.func = add, kp.gridDimX = (N + 127) / 128, kp.gridDimY = 1, kp.gridDimZ = 1;
  kp.blockDimX = 128, kp.blockDimY = 1, kp.blockDimZ = 1, kp.kernelParams = args;
  CUgraphNode kernel_deps[] = {memset_node, up_a, up_b};
  CHECK(cuGraphAddKernelNode(&kernel, graph, kernel_deps, 3, &kp));
  CHECK(cuGraphAddMemcpyNode(&down, graph, &kernel, 1, &copy_c, ctx));
  CUDA_HOST_NODE_PARAMS hp = {CheckResult, NULL};
  CHECK(cuGraphAddHostNode(&host, graph, &down, 1, &hp));
  CHECK(cuGraphAddEventRecordNode(&record, graph, &host, 1, done));
  CHECK(cuGraphAddEmptyNode(&empty, graph, &record, 1));

  size_t count = 0;
  CHECK(cuGraphGetNodes(graph, NULL, &count));
  EXPECT(count == 8);
  CUgraphNode nodes[10];
  count = 10;
  CHECK(cuGraphGetNodes(graph, nodes, &count));
  EXPECT(count == 8 && nodes[3] == kernel && nodes[8] == NULL);
  CUgraphNodeType type;
  CHECK(cuGraphNodeGetType(kernel, &type));
  EXPECT(type == CU_GRAPH_NODE_TYPE_KERNEL);
  CHECK(cuGraphNodeGetType(host, &type));
  EXPECT(type == CU_GRAPH_NODE_TYPE_HOST);
  CHECK(cuGraphNodeGetType(memset_node, &type));
  EXPECT(type == CU_GRAPH_NODE_TYPE_MEMSET);
  CHECK(cuGraphNodeGetType(empty, &type));
  EXPECT(type == CU_GRAPH_NODE_TYPE_EMPTY);

  /* Two launches with fresh host bytes each. */
  CUgraphExec exec;
  CHECK(cuGraphInstantiate(&exec, graph, 0));
  for (int round = 1; round <= 2; ++round) {
    Fill((float)round);
    CHECK(cuGraphLaunch(exec, stream));
    CHECK(cuEventSynchronize(done));
    EXPECT(g_host_calls == round);
  }
  CHECK(cuStreamSynchronize(stream));
  EXPECT(g_failures == 0);

  /* A clone replays the same. */
  CUgraph clone;
  CUgraphExec clone_exec;
  CHECK(cuGraphClone(&clone, graph));
  CHECK(cuGraphGetNodes(clone, NULL, &count));
  EXPECT(count == 8);
  CHECK(cuGraphInstantiate(&clone_exec, clone, 0));
  Fill(3.0f);
  CHECK(cuGraphLaunch(clone_exec, stream));
  CHECK(cuStreamSynchronize(stream));
  EXPECT(g_host_calls == 3 && g_failures == 0);

  /* New kernel parameters for the exec: only the first half is computed. */
  int half = N / 2;
  void* half_args[] = {&da, &db, &dc, &half};
  kp.kernelParams = half_args;
  CHECK(cuGraphExecKernelNodeSetParams(exec, kernel, &kp));
  g_expect_n = half;
  Fill(4.0f);
  CHECK(cuGraphLaunch(exec, stream));
  CHECK(cuStreamSynchronize(stream));
  EXPECT(g_host_calls == 4 && g_failures == 0);
  EXPECT(cuGraphExecKernelNodeSetParams(exec, host, &kp) == CUDA_ERROR_INVALID_VALUE);

  /* A parent graph: the child, then a wait on the event the child records. */
  CUgraph parent;
  CUgraphNode child, wait;
  CHECK(cuGraphCreate(&parent, 0));
  CHECK(cuGraphAddChildGraphNode(&child, parent, NULL, 0, graph));
  CHECK(cuGraphAddEventWaitNode(&wait, parent, &child, 1, done));
  CHECK(cuGraphNodeGetType(child, &type));
  EXPECT(type == CU_GRAPH_NODE_TYPE_GRAPH);
  CUgraphExec parent_exec;
  CHECK(cuGraphInstantiate(&parent_exec, parent, 0));
  g_expect_n = N;
  Fill(5.0f);
  CHECK(cuGraphLaunch(parent_exec, stream));
  CHECK(cuStreamSynchronize(stream));
  EXPECT(g_host_calls == 5 && g_failures == 0);

  /* A dependency from another graph, and bad parameters. */
  CUgraphNode bad;
  EXPECT(cuGraphAddEmptyNode(&bad, parent, &kernel, 1) == CUDA_ERROR_INVALID_VALUE);
  ms.elementSize = 3;
  EXPECT(cuGraphAddMemsetNode(&bad, parent, NULL, 0, &ms, ctx) == CUDA_ERROR_INVALID_VALUE);
  kp.func = NULL;
  EXPECT(cuGraphAddKernelNode(&bad, parent, NULL, 0, &kp) == CUDA_ERROR_INVALID_VALUE);
  CHECK(cuGraphGetNodes(parent, NULL, &count));
  EXPECT(count == 2);

  CHECK(cuGraphExecDestroy(parent_exec));
  CHECK(cuGraphExecDestroy(clone_exec));
  CHECK(cuGraphExecDestroy(exec));
  CHECK(cuGraphDestroy(parent));
  CHECK(cuGraphDestroy(clone));
  CHECK(cuGraphDestroy(graph));
  printf("explicit graphs: %d launches checked by their host node\n", g_host_calls);
  return 0;
}
