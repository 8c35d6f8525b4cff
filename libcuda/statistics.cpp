#include "libcuda/statistics.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "proto/vgpu.pb.h"

namespace vgpu::cu {

SessionStatistics& Statistics() {
  static auto* statistics = new SessionStatistics;  // never destroyed, as below
  return *statistics;
}

namespace {
std::atomic<uint64_t> g_posted_outside_streams{0};

bool IsStreamWork(int op) {
  switch (op) {
    case wire::Call::kMemcpyHtod:
    case wire::Call::kMemcpyDtoh:
    case wire::Call::kMemcpyDtod:
    case wire::Call::kMemset:
    case wire::Call::kLaunchKernel:
    case wire::Call::kEventRecord:
    case wire::Call::kStreamWaitEvent:
    case wire::Call::kBlasGemm:
    case wire::Call::kBlasLevel1:
    case wire::Call::kBlasLevel2:
    case wire::Call::kBlasLevel3:
    case wire::Call::kBlasSetMatrix: return true;
    default: return false;
  }
}

std::mutex g_by_op_mutex;
// Never destroyed: the report runs from an atexit handler registered before
// the first count, after function-local statics would already be gone.
std::map<int, uint64_t>& RoundTripsByOp() {
  static auto* by_op = new std::map<int, uint64_t>;
  return *by_op;
}
}  // namespace

void CountPosted(int op) {
  Statistics().posted.fetch_add(1, std::memory_order_relaxed);
  if (!IsStreamWork(op)) g_posted_outside_streams.fetch_add(1, std::memory_order_acq_rel);
}

uint64_t PostedOutsideStreams() { return g_posted_outside_streams.load(std::memory_order_acquire); }

void CountRoundTrip(int op) {
  Statistics().round_trips.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(g_by_op_mutex);
  ++RoundTripsByOp()[op];
}

void ReportStatistics() {
  const char* path = std::getenv("VGPU_STATS");
  if (path == nullptr || *path == '\0') return;
  const SessionStatistics& s = Statistics();
  FILE* out = std::strcmp(path, "-") == 0 ? stderr : std::fopen(path, "a");
  if (out == nullptr) return;
  std::string by_op;
  {
    std::lock_guard lock(g_by_op_mutex);
    for (auto [op, n] : RoundTripsByOp()) by_op += (by_op.empty() ? "" : ",") + std::to_string(op) + ":" + std::to_string(n);
  }
  std::fprintf(out, "vgpu-stats pid=%d posted=%llu landings=%llu round_trips=%llu batches=%llu bytes=%llu "
               "answered_locally=%llu fence_calls=%llu round_trips_by_op=%s\n",
               static_cast<int>(getpid()), static_cast<unsigned long long>(s.posted.load()),
               static_cast<unsigned long long>(s.landings.load()),
               static_cast<unsigned long long>(s.round_trips.load()),
               static_cast<unsigned long long>(s.batches.load()), static_cast<unsigned long long>(s.bytes.load()),
               static_cast<unsigned long long>(s.answered_locally.load()),
               static_cast<unsigned long long>(s.fence_calls.load()),
               by_op.empty() ? "-" : by_op.c_str());
  if (out != stderr) std::fclose(out);
}

}  // namespace vgpu::cu
