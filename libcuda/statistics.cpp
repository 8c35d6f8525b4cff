#include "libcuda/statistics.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vgpu::cu {

SessionStatistics& Statistics() {
  static SessionStatistics statistics;
  return statistics;
}

void ReportStatistics() {
  const char* path = std::getenv("VGPU_STATS");
  if (path == nullptr || *path == '\0') return;
  const SessionStatistics& s = Statistics();
  FILE* out = std::strcmp(path, "-") == 0 ? stderr : std::fopen(path, "a");
  if (out == nullptr) return;
  std::fprintf(out, "vgpu-stats pid=%d posted=%llu landings=%llu round_trips=%llu batches=%llu bytes=%llu\n",
               static_cast<int>(getpid()), static_cast<unsigned long long>(s.posted.load()),
               static_cast<unsigned long long>(s.landings.load()),
               static_cast<unsigned long long>(s.round_trips.load()),
               static_cast<unsigned long long>(s.batches.load()), static_cast<unsigned long long>(s.bytes.load()));
  if (out != stderr) std::fclose(out);
}

}  // namespace vgpu::cu
