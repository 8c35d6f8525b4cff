// Graph area: explicit construction. Each cuGraphAdd*Node records its
// operation exactly as a stream capture would: the ordinary entry point
// (cuLaunchKernel, cuMemcpy3DAsync, cuMemsetD2D*Async, cuLaunchHostFunc,
// cuEventRecord, cuStreamWaitEvent) runs against a private stream whose
// capture points at the graph, so a node replays like captured work (see
// graph.cpp). Dependencies must name existing nodes of the same graph, so
// the order of the graph's operations is a topological order.
#include <algorithm>

#include "libcuda/areas.h"
#include "libcuda/objects.h"

namespace vgpu::cu {

CUgraphNodeType NodeTypeOf(const GraphOp& op) {
  switch (op.call.op_case()) {
    case wire::Call::kLaunchKernel: return CU_GRAPH_NODE_TYPE_KERNEL;
    case wire::Call::kMemset:
    case wire::Call::kMemset2D: return CU_GRAPH_NODE_TYPE_MEMSET;
    case wire::Call::kEventRecord: return CU_GRAPH_NODE_TYPE_EVENT_RECORD;
    case wire::Call::kStreamWaitEvent: return CU_GRAPH_NODE_TYPE_WAIT_EVENT;
    case wire::Call::kHostFuncReach: return CU_GRAPH_NODE_TYPE_HOST;
    case wire::Call::kMemcpyHtod:
    case wire::Call::kMemcpyDtoh:
    case wire::Call::kMemcpyDtod:
    case wire::Call::kMemcpy3D: return CU_GRAPH_NODE_TYPE_MEMCPY;
    default: return CU_GRAPH_NODE_TYPE_EMPTY;  // e.g. a cuBLAS call: no CUDA node type fits
  }
}

void CoverOpsLocked(CUgraph_st* graph) {
  size_t covered = graph->nodes.empty() ? 0 : graph->nodes.back()->first + graph->nodes.back()->count;
  for (size_t i = covered; i < graph->ops.size(); ++i) {
    CUgraphNode_st* previous = graph->nodes.empty() ? nullptr : graph->nodes.back().get();
    auto node = std::make_unique<CUgraphNode_st>(CUgraphNode_st{graph, NodeTypeOf(graph->ops[i]), i, 1, {}});
    if (previous != nullptr) node->dependencies.push_back(previous);  // captured work is one chain
    graph->nodes.push_back(std::move(node));
  }
}

namespace graph {
namespace {

// The node `node` of `graph`, or an error.
Result<CUgraphNode_st*> NodeOf(CUgraph_st* graph, CUgraphNode node) {
  for (const auto& owned : graph->nodes) {
    if (owned.get() == node) return owned.get();
  }
  return InvalidValue("the node does not belong to this graph");
}

Result<CUgraphNode_st*> AnyNode(CUgraphNode node) {
  if (node == nullptr) return InvalidValue("node is null");
  // Nodes live in their graph; a live graph vouches for its nodes.
  CUgraph_st* graph = node->graph;
  VGPU_RETURN_IF_ERROR(Objects::Get().Graph(graph).status());
  std::lock_guard lock(CaptureMutex());
  return NodeOf(graph, node);
}

// Runs `record` against a private stream that captures into `graph`, and
// makes what it recorded one node depending on `dependencies`.
template <class F>
Status AddNode(CUgraphNode* phGraphNode, CUgraph hGraph, const CUgraphNode* dependencies, size_t numDependencies,
               CUgraphNodeType type, CUcontext node_ctx, F&& record) {
  if (phGraphNode == nullptr) return InvalidValue("phGraphNode is null");
  if (numDependencies > 0 && dependencies == nullptr) return InvalidValue("dependencies is null");
  VGPU_RETURN_IF_ERROR(Connected().status());
  VGPU_ASSIGN_OR_RETURN(CUgraph_st * graph, Objects::Get().Graph(hGraph));
  CUctx_st* ctx = nullptr;
  if (node_ctx != nullptr) {
    VGPU_ASSIGN_OR_RETURN(ctx, Objects::Get().Context(node_ctx));
  } else {
    VGPU_ASSIGN_OR_RETURN(ctx, CurrentContext());
  }
  std::vector<CUgraphNode_st*> deps;
  CUstream_st stream{Objects::Get().MintId(), ctx, CU_STREAM_NON_BLOCKING, 0, nullptr};
  size_t before = 0;
  {
    std::lock_guard lock(CaptureMutex());
    if (graph->capturing) return InvalidValue("a stream is capturing into this graph");
    if (graph->ctx != nullptr && graph->ctx != ctx) return InvalidValue("the graph belongs to another context");
    for (size_t i = 0; i < numDependencies; ++i) {
      VGPU_ASSIGN_OR_RETURN(CUgraphNode_st * dep, NodeOf(graph, dependencies[i]));
      deps.push_back(dep);
    }
    CoverOpsLocked(graph);
    before = graph->ops.size();
    graph->capturing = true;
    stream.capture = std::make_shared<StreamCapture>(StreamCapture{Objects::Get().MintId(), graph, false});
  }
  Objects::Get().AddStream(&stream);
  Status status = record(static_cast<CUstream>(&stream));
  Objects::Get().RemoveStream(&stream);
  std::lock_guard lock(CaptureMutex());
  graph->capturing = false;
  if (status.ok() && stream.capture->invalidated) {
    status = InvalidValue("the node's operation cannot be recorded in a graph");
  }
  if (!status.ok()) {
    graph->ops.resize(before);
    return status;
  }
  if (graph->ctx == nullptr && graph->ops.size() > before) graph->ctx = ctx;
  graph->nodes.push_back(std::make_unique<CUgraphNode_st>(
      CUgraphNode_st{graph, type, before, graph->ops.size() - before, std::move(deps)}));
  *phGraphNode = graph->nodes.back().get();
  return Status();
}

Status LaunchParams(CUstream stream, CUfunction func, CUkernel kern, const CUDA_KERNEL_NODE_PARAMS_v2& p) {
  if (func == nullptr) {
    if (kern != nullptr) return NotSupported("kernel nodes with a CUkernel (cuLibrary*) are not supported by vgpu");
    return InvalidValue("kernel node has no function");
  }
  return function::cuLaunchKernel(func, p.gridDimX, p.gridDimY, p.gridDimZ, p.blockDimX, p.blockDimY, p.blockDimZ,
                                  p.sharedMemBytes, stream, p.kernelParams, p.extra);
}

CUDA_KERNEL_NODE_PARAMS_v2 Widen(const CUDA_KERNEL_NODE_PARAMS_v1& p) {
  CUDA_KERNEL_NODE_PARAMS_v2 wide{};
  wide.func = p.func;
  wide.gridDimX = p.gridDimX, wide.gridDimY = p.gridDimY, wide.gridDimZ = p.gridDimZ;
  wide.blockDimX = p.blockDimX, wide.blockDimY = p.blockDimY, wide.blockDimZ = p.blockDimZ;
  wide.sharedMemBytes = p.sharedMemBytes;
  wide.kernelParams = p.kernelParams;
  wide.extra = p.extra;
  return wide;
}

Status AddKernel(CUgraphNode* phGraphNode, CUgraph hGraph, const CUgraphNode* dependencies, size_t numDependencies,
                 const CUDA_KERNEL_NODE_PARAMS_v2* p) {
  if (p == nullptr) return InvalidValue("nodeParams is null");
  CUcontext ctx = p->func == nullptr ? p->ctx : nullptr;
  return AddNode(phGraphNode, hGraph, dependencies, numDependencies, CU_GRAPH_NODE_TYPE_KERNEL, ctx,
                 [&](CUstream stream) { return LaunchParams(stream, p->func, p->kern, *p); });
}

// Records the kernel launch of `p` alone and returns its operation.
Result<GraphOp> RecordLaunch(CUctx_st* ctx, const CUDA_KERNEL_NODE_PARAMS_v2& p) {
  CUgraph_st scratch{ctx, {}, false};
  Objects::Get().AddGraph(&scratch);
  CUgraphNode node = nullptr;
  Status status = AddNode(&node, &scratch, nullptr, 0, CU_GRAPH_NODE_TYPE_KERNEL, ctx,
                          [&](CUstream stream) { return LaunchParams(stream, p.func, p.kern, p); });
  Objects::Get().RemoveGraph(&scratch);
  VGPU_RETURN_IF_ERROR(status);
  if (scratch.ops.size() != 1) return InvalidValue("a kernel node is one launch");
  return std::move(scratch.ops.front());
}

Status ExecKernelSetParams(CUgraphExec hGraphExec, CUgraphNode hNode, const CUDA_KERNEL_NODE_PARAMS_v2* p) {
  if (p == nullptr) return InvalidValue("nodeParams is null");
  VGPU_ASSIGN_OR_RETURN(CUgraphExec_st * exec, Objects::Get().GraphExec(hGraphExec));
  std::pair<size_t, size_t> range;
  {
    std::lock_guard lock(CaptureMutex());
    auto it = exec->node_ops.find(hNode);
    if (it == exec->node_ops.end()) return InvalidValue("the node is not part of this executable graph");
    range = it->second;
    if (range.second != 1 || (*exec->ops)[range.first].call.op_case() != wire::Call::kLaunchKernel) {
      return InvalidValue("the node is not a kernel node");
    }
  }
  VGPU_ASSIGN_OR_RETURN(CUctx_st * ctx, CurrentContext());
  if (exec->ctx != nullptr && exec->ctx != ctx) return InvalidValue("the executable graph belongs to another context");
  VGPU_ASSIGN_OR_RETURN(GraphOp op, RecordLaunch(ctx, *p));
  std::lock_guard lock(CaptureMutex());
  // Copy on write: a launch in progress keeps the operations it started with.
  auto ops = std::make_shared<std::vector<GraphOp>>(*exec->ops);
  (*ops)[range.first] = std::move(op);
  exec->ops = std::move(ops);
  return Status();
}

}  // namespace

Status cuGraphAddKernelNode_v2(CUgraphNode* phGraphNode, CUgraph hGraph, const CUgraphNode* dependencies,
                               size_t numDependencies, const CUDA_KERNEL_NODE_PARAMS_v2* nodeParams) {
  return AddKernel(phGraphNode, hGraph, dependencies, numDependencies, nodeParams);
}

Status cuGraphAddKernelNode(CUgraphNode* phGraphNode, CUgraph hGraph, const CUgraphNode* dependencies,
                            size_t numDependencies, const CUDA_KERNEL_NODE_PARAMS_v1* nodeParams) {
  if (nodeParams == nullptr) return InvalidValue("nodeParams is null");
  CUDA_KERNEL_NODE_PARAMS_v2 wide = Widen(*nodeParams);
  return AddKernel(phGraphNode, hGraph, dependencies, numDependencies, &wide);
}

Status cuGraphAddMemcpyNode(CUgraphNode* phGraphNode, CUgraph hGraph, const CUgraphNode* dependencies,
                            size_t numDependencies, const CUDA_MEMCPY3D_v2* copyParams, CUcontext ctx) {
  if (copyParams == nullptr) return InvalidValue("copyParams is null");
  return AddNode(phGraphNode, hGraph, dependencies, numDependencies, CU_GRAPH_NODE_TYPE_MEMCPY, ctx,
                 [&](CUstream stream) { return memory::cuMemcpy3DAsync_v2(copyParams, stream); });
}

Status cuGraphAddMemsetNode(CUgraphNode* phGraphNode, CUgraph hGraph, const CUgraphNode* dependencies,
                            size_t numDependencies, const CUDA_MEMSET_NODE_PARAMS_v1* p, CUcontext ctx) {
  if (p == nullptr) return InvalidValue("memsetParams is null");
  if (p->elementSize != 1 && p->elementSize != 2 && p->elementSize != 4) {
    return InvalidValue("memset node element size must be 1, 2 or 4");
  }
  return AddNode(phGraphNode, hGraph, dependencies, numDependencies, CU_GRAPH_NODE_TYPE_MEMSET, ctx,
                 [&](CUstream stream) -> Status {
                   size_t height = std::max<size_t>(p->height, 1);
                   switch (p->elementSize) {
                     case 1:
                       return memory::cuMemsetD2D8Async(p->dst, p->pitch, static_cast<unsigned char>(p->value),
                                                        p->width, height, stream);
                     case 2:
                       return memory::cuMemsetD2D16Async(p->dst, p->pitch, static_cast<unsigned short>(p->value),
                                                         p->width, height, stream);
                     default:
                       return memory::cuMemsetD2D32Async(p->dst, p->pitch, p->value, p->width, height, stream);
                   }
                 });
}

Status cuGraphAddHostNode(CUgraphNode* phGraphNode, CUgraph hGraph, const CUgraphNode* dependencies,
                          size_t numDependencies, const CUDA_HOST_NODE_PARAMS_v1* nodeParams) {
  if (nodeParams == nullptr || nodeParams->fn == nullptr) return InvalidValue("host node function is null");
  return AddNode(phGraphNode, hGraph, dependencies, numDependencies, CU_GRAPH_NODE_TYPE_HOST, nullptr,
                 [&](CUstream stream) { return stream::cuLaunchHostFunc(stream, nodeParams->fn, nodeParams->userData); });
}

Status cuGraphAddEventRecordNode(CUgraphNode* phGraphNode, CUgraph hGraph, const CUgraphNode* dependencies,
                                 size_t numDependencies, CUevent event) {
  return AddNode(phGraphNode, hGraph, dependencies, numDependencies, CU_GRAPH_NODE_TYPE_EVENT_RECORD, nullptr,
                 [&](CUstream stream) { return event::cuEventRecord(event, stream); });
}

Status cuGraphAddEventWaitNode(CUgraphNode* phGraphNode, CUgraph hGraph, const CUgraphNode* dependencies,
                               size_t numDependencies, CUevent event) {
  return AddNode(phGraphNode, hGraph, dependencies, numDependencies, CU_GRAPH_NODE_TYPE_WAIT_EVENT, nullptr,
                 [&](CUstream stream) { return stream::cuStreamWaitEvent(stream, event, 0); });
}

Status cuGraphAddEmptyNode(CUgraphNode* phGraphNode, CUgraph hGraph, const CUgraphNode* dependencies,
                           size_t numDependencies) {
  return AddNode(phGraphNode, hGraph, dependencies, numDependencies, CU_GRAPH_NODE_TYPE_EMPTY, nullptr,
                 [](CUstream) { return Status(); });
}

Status cuGraphAddChildGraphNode(CUgraphNode* phGraphNode, CUgraph hGraph, const CUgraphNode* dependencies,
                                size_t numDependencies, CUgraph childGraph) {
  VGPU_ASSIGN_OR_RETURN(CUgraph_st * child, Objects::Get().Graph(childGraph));
  if (child == hGraph) return InvalidValue("a graph cannot be its own child");
  return AddNode(phGraphNode, hGraph, dependencies, numDependencies, CU_GRAPH_NODE_TYPE_GRAPH, nullptr,
                 [&](CUstream stream) -> Status {
                   std::lock_guard lock(CaptureMutex());
                   if (child->capturing) return InvalidValue("the child graph is still being captured");
                   if (child->ctx != nullptr && child->ctx != stream->ctx) {
                     return InvalidValue("the child graph belongs to another context");
                   }
                   // The child's operations are copied in: later changes to it do not show.
                   CUgraph_st* graph = stream->capture->graph;
                   graph->ops.insert(graph->ops.end(), child->ops.begin(), child->ops.end());
                   return Status();
                 });
}

Status cuGraphClone(CUgraph* phGraphClone, CUgraph originalGraph) {
  if (phGraphClone == nullptr) return InvalidValue("phGraphClone is null");
  VGPU_ASSIGN_OR_RETURN(CUgraph_st * original, Objects::Get().Graph(originalGraph));
  auto* clone = new CUgraph_st{nullptr, {}, false};
  {
    std::lock_guard lock(CaptureMutex());
    if (original->capturing) {
      delete clone;
      return InvalidValue("the graph is still being captured");
    }
    CoverOpsLocked(original);
    clone->ctx = original->ctx;
    clone->ops = original->ops;
    std::map<const CUgraphNode_st*, CUgraphNode_st*> mapped;
    for (const auto& node : original->nodes) {
      auto copy = std::make_unique<CUgraphNode_st>(*node);
      copy->graph = clone;
      for (auto& dep : copy->dependencies) dep = mapped.at(dep);
      mapped[node.get()] = copy.get();
      clone->nodes.push_back(std::move(copy));
    }
  }
  Objects::Get().AddGraph(clone);
  *phGraphClone = clone;
  return Status();
}

Status cuGraphNodeGetType(CUgraphNode hNode, CUgraphNodeType* type) {
  if (type == nullptr) return InvalidValue("type is null");
  VGPU_ASSIGN_OR_RETURN(CUgraphNode_st * node, AnyNode(hNode));
  *type = node->type;
  return Status();
}

Status cuGraphExecKernelNodeSetParams_v2(CUgraphExec hGraphExec, CUgraphNode hNode,
                                         const CUDA_KERNEL_NODE_PARAMS_v2* nodeParams) {
  return ExecKernelSetParams(hGraphExec, hNode, nodeParams);
}

Status cuGraphExecKernelNodeSetParams(CUgraphExec hGraphExec, CUgraphNode hNode,
                                      const CUDA_KERNEL_NODE_PARAMS_v1* nodeParams) {
  if (nodeParams == nullptr) return InvalidValue("nodeParams is null");
  CUDA_KERNEL_NODE_PARAMS_v2 wide = Widen(*nodeParams);
  return ExecKernelSetParams(hGraphExec, hNode, &wide);
}

}  // namespace graph
}  // namespace vgpu::cu
