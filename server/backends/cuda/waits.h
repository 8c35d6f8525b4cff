// The Waits this backend hands to the session's waiter thread. Each one
// sleeps on private events (blocking sync), never on the client's handles,
// so later calls on the executor cannot change what it waits for. A Wait may
// be copied, run more than once (later runs repeat the first outcome) or
// dropped unrun: its events and buffers go back to their pools either way.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "server/backends/backend.h"
#include "server/backends/cuda/context.h"

namespace vgpu::backend::cuda {

// Done when every marker completed; the first driver error wins.
Wait MakeMarkerWait(std::shared_ptr<ContextState> state, std::vector<CUevent> markers);

// Done when `done` (recorded on `stream` after a copy into `block`)
// completed; then copies `bytes` from the block into *dst.
Wait MakeCopyOutWait(std::shared_ptr<ContextState> state, CUevent done, CUstream stream, PinnedBlock block,
                     std::string* dst, size_t bytes);

}  // namespace vgpu::backend::cuda
