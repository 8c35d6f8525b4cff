// Graph area: record and replay. A graph is the list of wire calls a stream
// capture or explicit node construction (graph_nodes.cpp) recorded; an
// executable graph is a snapshot of that list, and cuGraphLaunch posts it
// again with the launch stream filled in: no round trip, no server support.
#include <algorithm>

#include "libcuda/areas.h"
#include "libcuda/objects.h"

namespace vgpu::cu::graph {
namespace {

// Flags an instantiation may carry: auto-free and node priority change
// nothing for a sequence of calls; upload is a no-op here.
constexpr unsigned long long kKnownInstantiateFlags = CUDA_GRAPH_INSTANTIATE_FLAG_AUTO_FREE_ON_LAUNCH |
                                                       CUDA_GRAPH_INSTANTIATE_FLAG_UPLOAD |
                                                       CUDA_GRAPH_INSTANTIATE_FLAG_USE_NODE_PRIORITY;

// A snapshot of a finished graph's operations.
Result<std::shared_ptr<const std::vector<GraphOp>>> Snapshot(CUgraph_st* graph) {
  std::lock_guard lock(CaptureMutex());
  if (graph->capturing) return InvalidValue("the graph is still being captured");
  return std::make_shared<const std::vector<GraphOp>>(graph->ops);
}

Status Instantiate(CUgraphExec* phGraphExec, CUgraph hGraph, unsigned long long flags) {
  if (phGraphExec == nullptr) return InvalidValue("phGraphExec is null");
  VGPU_RETURN_IF_ERROR(Connected().status());
  VGPU_ASSIGN_OR_RETURN(CUgraph_st * graph, Objects::Get().Graph(hGraph));
  if (flags & CUDA_GRAPH_INSTANTIATE_FLAG_DEVICE_LAUNCH) {
    return NotSupported("device-launched graphs are not supported by vgpu");
  }
  if (flags & ~kKnownInstantiateFlags) return InvalidValue("unknown instantiate flags");
  VGPU_ASSIGN_OR_RETURN(auto ops, Snapshot(graph));
  auto* exec = new CUgraphExec_st{graph->ctx, std::move(ops)};
  {
    std::lock_guard lock(CaptureMutex());
    CoverOpsLocked(graph);
    for (const auto& node : graph->nodes) {
      if (node->first + node->count <= exec->ops->size()) exec->node_ops[node.get()] = {node->first, node->count};
    }
  }
  Objects::Get().AddGraphExec(exec);
  *phGraphExec = exec;
  return Status();
}

Status Launch(CUgraphExec hGraphExec, CUstream hStream, bool per_thread) {
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(CUgraphExec_st * exec, Objects::Get().GraphExec(hGraphExec));
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(hStream, per_thread));
  if (exec->ctx != nullptr && exec->ctx != target.ctx) {
    return InvalidValue("the graph and the stream belong to different contexts");
  }
  std::shared_ptr<const std::vector<GraphOp>> ops;
  {
    std::lock_guard lock(CaptureMutex());
    ops = exec->ops;
  }
  // Posted back to back, so they travel in one batch; a capturing launch
  // stream records them instead.
  for (const GraphOp& op : *ops) VGPU_RETURN_IF_ERROR(Submit(session, target, op));
  return Status();
}

// Replaces the exec's operations with the graph's. Any captured graph of the
// same context is a valid update: there is no topology to keep.
Status Update(CUgraphExec hGraphExec, CUgraph hGraph, CUgraphExecUpdateResult* result) {
  *result = CU_GRAPH_EXEC_UPDATE_ERROR;
  VGPU_RETURN_IF_ERROR(Connected().status());
  VGPU_ASSIGN_OR_RETURN(CUgraphExec_st * exec, Objects::Get().GraphExec(hGraphExec));
  VGPU_ASSIGN_OR_RETURN(CUgraph_st * graph, Objects::Get().Graph(hGraph));
  if (exec->ctx != nullptr && graph->ctx != nullptr && exec->ctx != graph->ctx) {
    *result = CU_GRAPH_EXEC_UPDATE_ERROR_NOT_SUPPORTED;
    return Status(static_cast<Code>(CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE), "the graph belongs to another context");
  }
  VGPU_ASSIGN_OR_RETURN(auto ops, Snapshot(graph));
  {
    std::lock_guard lock(CaptureMutex());
    exec->ops = std::move(ops);
    if (graph->ctx != nullptr) exec->ctx = graph->ctx;
  }
  *result = CU_GRAPH_EXEC_UPDATE_SUCCESS;
  return Status();
}

}  // namespace

Status cuGraphCreate(CUgraph* phGraph, unsigned int flags) {
  if (phGraph == nullptr) return InvalidValue("phGraph is null");
  if (flags != 0) return InvalidValue("flags must be 0");
  VGPU_RETURN_IF_ERROR(Connected().status());
  auto* graph = new CUgraph_st{nullptr, {}, false};
  Objects::Get().AddGraph(graph);
  *phGraph = graph;
  return Status();
}

Status cuGraphDestroy(CUgraph hGraph) {
  VGPU_ASSIGN_OR_RETURN(CUgraph_st * graph, Objects::Get().Graph(hGraph));
  {
    std::lock_guard lock(CaptureMutex());
    if (graph->capturing) {
      return Status(static_cast<Code>(CUDA_ERROR_ILLEGAL_STATE), "a stream is still capturing into the graph");
    }
  }
  Objects::Get().RemoveGraph(graph);
  delete graph;
  return Status();
}

Status cuGraphGetNodes(CUgraph hGraph, CUgraphNode* nodes, size_t* numNodes) {
  if (numNodes == nullptr) return InvalidValue("numNodes is null");
  VGPU_ASSIGN_OR_RETURN(CUgraph_st * graph, Objects::Get().Graph(hGraph));
  std::lock_guard lock(CaptureMutex());
  CoverOpsLocked(graph);
  if (nodes != nullptr) {
    // As CUDA does: fill at most *numNodes, pad the rest with NULL, report how many were filled.
    for (size_t i = 0; i < *numNodes; ++i) nodes[i] = i < graph->nodes.size() ? graph->nodes[i].get() : nullptr;
    *numNodes = std::min(*numNodes, graph->nodes.size());
    return Status();
  }
  *numNodes = graph->nodes.size();
  return Status();
}

Status cuGraphInstantiate(CUgraphExec* phGraphExec, CUgraph hGraph, CUgraphNode* phErrorNode, char* logBuffer,
                          size_t bufferSize) {
  if (phErrorNode) *phErrorNode = nullptr;
  if (logBuffer && bufferSize > 0) logBuffer[0] = '\0';
  return Instantiate(phGraphExec, hGraph, 0);
}

Status cuGraphInstantiate_v2(CUgraphExec* phGraphExec, CUgraph hGraph, CUgraphNode* phErrorNode, char* logBuffer,
                             size_t bufferSize) {
  return graph::cuGraphInstantiate(phGraphExec, hGraph, phErrorNode, logBuffer, bufferSize);
}

Status cuGraphInstantiateWithFlags(CUgraphExec* phGraphExec, CUgraph hGraph, unsigned long long flags) {
  return Instantiate(phGraphExec, hGraph, flags);
}

Status cuGraphInstantiateWithParams(CUgraphExec* phGraphExec, CUgraph hGraph,
                                    CUDA_GRAPH_INSTANTIATE_PARAMS* instantiateParams) {
  if (instantiateParams == nullptr) return InvalidValue("instantiateParams is null");
  Status status = Instantiate(phGraphExec, hGraph, instantiateParams->flags);
  instantiateParams->hErrNode_out = nullptr;
  instantiateParams->result_out =
      status.ok() ? CUDA_GRAPH_INSTANTIATE_SUCCESS : CUDA_GRAPH_INSTANTIATE_ERROR;
  return status;
}

Status cuGraphInstantiateWithParams_ptsz(CUgraphExec* phGraphExec, CUgraph hGraph,
                                         CUDA_GRAPH_INSTANTIATE_PARAMS* instantiateParams) {
  return graph::cuGraphInstantiateWithParams(phGraphExec, hGraph, instantiateParams);
}

Status cuGraphLaunch(CUgraphExec hGraph, CUstream hStream) { return Launch(hGraph, hStream, false); }
Status cuGraphLaunch_ptsz(CUgraphExec hGraphExec, CUstream hStream) { return Launch(hGraphExec, hStream, true); }

Status cuGraphExecUpdate(CUgraphExec hGraphExec, CUgraph hGraph, CUgraphNode* hErrorNode_out,
                         CUgraphExecUpdateResult* updateResult_out) {
  if (updateResult_out == nullptr) return InvalidValue("updateResult_out is null");
  if (hErrorNode_out) *hErrorNode_out = nullptr;
  return Update(hGraphExec, hGraph, updateResult_out);
}

Status cuGraphExecUpdate_v2(CUgraphExec hGraphExec, CUgraph hGraph, CUgraphExecUpdateResultInfo* resultInfo) {
  if (resultInfo == nullptr) return InvalidValue("resultInfo is null");
  resultInfo->errorNode = nullptr;
  resultInfo->errorFromNode = nullptr;
  return Update(hGraphExec, hGraph, &resultInfo->result);
}

Status cuGraphExecDestroy(CUgraphExec hGraphExec) {
  VGPU_ASSIGN_OR_RETURN(CUgraphExec_st * exec, Objects::Get().GraphExec(hGraphExec));
  Objects::Get().RemoveGraphExec(exec);
  delete exec;
  return Status();
}

}  // namespace vgpu::cu::graph
