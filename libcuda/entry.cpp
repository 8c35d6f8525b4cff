#include "libcuda/entry.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>
#include <unordered_set>

#include "common/log.h"

namespace vgpu::cu {
namespace {

std::once_flag g_log_once;
thread_local bool t_in_host_func = false;

struct NameArea {
  const char* name;
  const char* area;
};

constexpr NameArea kAreas[] = {
#define VGPU_CU(area, status, name, base, since, flavor, params, args) {#name, #area},
#include "libcuda/api.def"
#undef VGPU_CU
};

// Configure logging when the library is loaded, so bodies that log before
// any Enter (static initializers of other files excepted) see the level.
[[maybe_unused]] const bool g_log_configured_at_load = [] {
  ConfigureLoggingOnce();
  return true;
}();

}  // namespace

bool InHostFunc() noexcept { return t_in_host_func; }
void SetInHostFunc(bool running) noexcept { t_in_host_func = running; }

void ConfigureLoggingOnce() {
  std::call_once(g_log_once, [] {
    log::SetComponent("libcuda");
    const char* spec = std::getenv("VGPU_LOG");
    if (!log::Configure(spec)) {
      log::SetLevel(log::Level::kWarn);
      VGPU_LOG(Warn, "driver", "VGPU_LOG=%s is not a level (error|warn|info|debug|trace|off[:path])", spec);
    }
  });
}

const char* AreaOf(const char* name) {
  for (const NameArea& entry : kAreas) {
    if (std::strcmp(entry.name, name) == 0) return entry.area;
  }
  return "driver";
}

void LogFailure(const char* name, const Status& status) {
  VGPU_LOG(Debug, AreaOf(name), "%s: %s", name, status.message().c_str());
}

void LogException(const char* name, const char* what) {
  VGPU_LOG(Error, AreaOf(name), "%s: exception: %s", name, what);
}

CUresult NotSupportedOnce(const char* name) noexcept {
  ConfigureLoggingOnce();
  try {
    static std::mutex mutex;
    static std::unordered_set<std::string_view> logged;
    std::lock_guard lock(mutex);
    if (logged.insert(name).second) {
      VGPU_LOG(Warn, AreaOf(name), "%s is not supported by vgpu yet", name);
    }
  } catch (...) {
    // Logging never fails a call.
  }
  return CUDA_ERROR_NOT_SUPPORTED;
}

}  // namespace vgpu::cu
