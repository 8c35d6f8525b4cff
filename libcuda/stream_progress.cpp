#include "libcuda/stream_progress.h"

#include <algorithm>

namespace vgpu::cu {
namespace {
constexpr unsigned int kEventDisableTiming = 0x2;  // CU_EVENT_DISABLE_TIMING
}  // namespace

bool StreamProgress::IsQuiet(const wire::Call& call) {
  switch (call.op_case()) {
    case wire::Call::kMemcpyHtod:
    case wire::Call::kMemcpyDtod:
    case wire::Call::kMemset:
    case wire::Call::kBlasSetMatrix: return true;  // a strided copy to the device
    default: return false;  // kernels, records, waits, landings, anything new
  }
}

StreamProgress::Stream& StreamProgress::State(const StreamRef& s) {
  auto [it, inserted] = streams_.try_emplace(s.key());
  if (inserted) {
    it->second.ref = s;
    contexts_[s.ctx].streams.insert(s.key());
  }
  return it->second;
}

StreamProgress::Stream* StreamProgress::Find(uint64_t key) {
  auto it = streams_.find(key);
  return it == streams_.end() ? nullptr : &it->second;
}

const StreamProgress::Stream* StreamProgress::Find(uint64_t key) const {
  auto it = streams_.find(key);
  return it == streams_.end() ? nullptr : &it->second;
}

void StreamProgress::RecordFence(Stream& st, std::vector<wire::Call>& calls) {
  if (st.fence_generation >= st.generation) return;
  if (st.fence == 0) {
    st.fence = mint_();
    auto* create = calls.emplace_back().mutable_event_create();
    create->set_ctx(st.ref.ctx);
    create->set_event(st.fence);
    create->set_flags(kEventDisableTiming);
  }
  auto* record = calls.emplace_back().mutable_event_record();
  record->set_ctx(st.ref.ctx);
  record->set_event(st.fence);
  record->set_stream(st.ref.stream);
  st.fence_generation = st.generation;
}

std::vector<wire::Call> StreamProgress::OwedBefore(const StreamRef& s, bool quiet) {
  std::vector<wire::Call> calls;
  auto ctx_it = contexts_.find(s.ctx);
  if (ctx_it == contexts_.end() || ctx_it->second.fenced.empty()) return calls;
  Stream& target = State(s);
  if (!quiet && ctx_it->second.fenced.count(s.key()) != 0) RecordFence(target, calls);
  for (uint64_t key : ctx_it->second.fenced) {
    if (key == s.key()) continue;  // its own later work is in order anyway
    Stream* fenced = Find(key);
    if (fenced == nullptr) continue;
    uint64_t& waited = target.waited[key];
    if (waited >= fenced->generation) continue;
    // Not recorded yet: its stream has posted only quiet copies since.
    RecordFence(*fenced, calls);
    auto* wait = calls.emplace_back().mutable_stream_wait_event();
    wait->set_ctx(s.ctx);
    wait->set_stream(s.stream);
    wait->set_event(fenced->fence);
    waited = fenced->generation;
  }
  return calls;
}

void StreamProgress::Posted(const StreamRef& s, bool quiet, uint64_t recorded_event) {
  Stream& st = State(s);
  ++st.posted;
  if (!quiet) st.loud = st.posted;
  if (recorded_event != 0) events_[recorded_event] = StreamPoint{s.ctx, s.key(), st.posted};
}

void StreamProgress::Assume(Stream& st, Context& ctx) {
  if (st.posted <= st.assumed) return;
  st.assumed = st.posted;
  ++st.generation;
  ctx.fenced.insert(st.ref.key());
}

bool StreamProgress::AnswerStream(const StreamRef& s) {
  if (s.stream == 0) return AnswerContext(s.ctx);
  Stream& st = State(s);
  Context& ctx = contexts_[s.ctx];
  if (ctx.failed || ctx.poisoned || st.loud > st.proven) return false;
  if (s.blocking) {
    if (const Stream* legacy = Find(s.ctx); legacy != nullptr && legacy->loud > legacy->proven) return false;
  }
  Assume(st, ctx);
  return true;
}

bool StreamProgress::AnswerContext(uint64_t ctx_id) {
  Context& ctx = contexts_[ctx_id];
  if (ctx.failed || ctx.poisoned) return false;
  for (uint64_t key : ctx.streams) {
    const Stream* st = Find(key);
    if (st != nullptr && st->loud > st->proven) return false;
  }
  for (uint64_t key : ctx.streams) {
    if (Stream* st = Find(key)) Assume(*st, ctx);
  }
  return true;
}

std::vector<StreamPoint> StreamProgress::StreamSnapshot(const StreamRef& s) {
  return {StreamPoint{s.ctx, s.key(), State(s).posted}};
}

std::vector<StreamPoint> StreamProgress::ContextSnapshot(uint64_t ctx_id) {
  std::vector<StreamPoint> points;
  points.push_back(StreamPoint{ctx_id, 0, 0});  // marks the context even if it has no streams yet
  auto it = contexts_.find(ctx_id);
  if (it == contexts_.end()) return points;
  for (uint64_t key : it->second.streams) {
    if (const Stream* st = Find(key)) points.push_back(StreamPoint{ctx_id, key, st->posted});
  }
  return points;
}

void StreamProgress::Proved(const std::vector<StreamPoint>& points) {
  for (const StreamPoint& point : points) {
    auto ctx_it = contexts_.find(point.ctx);
    if (ctx_it != contexts_.end()) ctx_it->second.failed = false;  // the server had no error to report
    Stream* st = point.key != 0 ? Find(point.key) : nullptr;
    if (st == nullptr) continue;
    st->proven = std::max(st->proven, point.index);
    st->assumed = std::max(st->assumed, st->proven);
    if (st->proven >= st->assumed && ctx_it != contexts_.end()) ctx_it->second.fenced.erase(point.key);
  }
}

void StreamProgress::Failed(uint64_t ctx, int error) {
  Context& state = contexts_[ctx];
  state.failed = true;
  switch (error) {
    case 214:  // CUDA_ERROR_ECC_UNCORRECTABLE
    case 700:  // CUDA_ERROR_ILLEGAL_ADDRESS
    case 702:  // CUDA_ERROR_LAUNCH_TIMEOUT
    case 710:  // CUDA_ERROR_ASSERT
    case 714:  // CUDA_ERROR_HARDWARE_STACK_ERROR
    case 715:  // CUDA_ERROR_ILLEGAL_INSTRUCTION
    case 716:  // CUDA_ERROR_MISALIGNED_ADDRESS
    case 717:  // CUDA_ERROR_INVALID_ADDRESS_SPACE
    case 718:  // CUDA_ERROR_INVALID_PC
    case 719:  // CUDA_ERROR_LAUNCH_FAILED
      state.poisoned = true;
      break;
    default: break;
  }
}

std::optional<StreamPoint> StreamProgress::EventPoint(uint64_t event) const {
  auto it = events_.find(event);
  if (it == events_.end()) return std::nullopt;
  return it->second;
}

bool StreamProgress::AnswerEvent(uint64_t event) const {
  auto it = events_.find(event);
  if (it == events_.end()) return false;  // never recorded: the server knows its context's state
  const StreamPoint& point = it->second;
  auto ctx_it = contexts_.find(point.ctx);
  if (ctx_it != contexts_.end() && (ctx_it->second.failed || ctx_it->second.poisoned)) return false;
  const Stream* st = Find(point.key);
  return st != nullptr && st->proven >= point.index;
}

bool StreamProgress::Assumed(const StreamRef& s) const {
  const Stream* st = Find(s.key());
  return st != nullptr && st->assumed > st->proven;
}

uint64_t StreamProgress::ForgetStream(const StreamRef& s) {
  auto it = streams_.find(s.key());
  if (it == streams_.end()) return 0;
  uint64_t fence = it->second.fence;
  streams_.erase(it);
  if (auto ctx_it = contexts_.find(s.ctx); ctx_it != contexts_.end()) {
    ctx_it->second.streams.erase(s.key());
    ctx_it->second.fenced.erase(s.key());
  }
  return fence;
}

void StreamProgress::ForgetEvent(uint64_t event) { events_.erase(event); }

void StreamProgress::ForgetContext(uint64_t ctx) {
  auto it = contexts_.find(ctx);
  if (it == contexts_.end()) return;
  for (uint64_t key : it->second.streams) streams_.erase(key);
  contexts_.erase(it);
  std::erase_if(events_, [ctx](const auto& entry) { return entry.second.ctx == ctx; });
}

}  // namespace vgpu::cu
