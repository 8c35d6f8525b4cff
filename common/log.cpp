#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace vgpu::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kOff)};
const char* g_component = "vgpu";
std::mutex g_mutex;
FILE* g_sink = nullptr;  // nullptr means stderr

const char* LevelName(Level level) {
  switch (level) {
    case Level::kError: return "error";
    case Level::kWarn: return "warn";
    case Level::kInfo: return "info";
    case Level::kDebug: return "debug";
    case Level::kTrace: return "trace";
    case Level::kOff: return "off";
  }
  return "?";
}

}  // namespace

void SetComponent(const char* component) { g_component = component; }

void SetLevel(Level level) { g_level.store(static_cast<int>(level)); }

bool Enabled(Level level) { return static_cast<int>(level) <= g_level.load(std::memory_order_relaxed); }

bool ParseLevel(const char* text, Level* out) {
  static const struct { const char* name; Level level; } kLevels[] = {
      {"error", Level::kError}, {"warn", Level::kWarn},   {"info", Level::kInfo},
      {"debug", Level::kDebug}, {"trace", Level::kTrace}, {"off", Level::kOff},
  };
  for (const auto& entry : kLevels) {
    if (std::strcmp(text, entry.name) == 0) {
      *out = entry.level;
      return true;
    }
  }
  return false;
}

bool Configure(const char* spec) {
  if (spec == nullptr || *spec == '\0') return true;
  std::string text(spec);
  std::string path;
  if (auto colon = text.find(':'); colon != std::string::npos) {
    path = text.substr(colon + 1);
    text.resize(colon);
  }
  Level level;
  if (!ParseLevel(text.c_str(), &level)) return false;
  if (!path.empty()) {
    std::lock_guard lock(g_mutex);
    if (FILE* f = std::fopen(path.c_str(), "a")) {
      g_sink = f;
      setvbuf(f, nullptr, _IOLBF, 0);
    }
  }
  SetLevel(level);
  return true;
}

void Write(Level level, const char* area, const char* fmt, ...) {
  char message[1024];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(message, sizeof(message), fmt, args);
  va_end(args);
  std::lock_guard lock(g_mutex);
  FILE* out = g_sink ? g_sink : stderr;
  if (std::fprintf(out, "vgpu[%d] %s %s %s: %s\n", static_cast<int>(getpid()), g_component, LevelName(level),
                   area, message) < 0 &&
      out != stderr) {
    g_sink = nullptr;
    std::fprintf(stderr, "vgpu[%d] %s %s %s: %s\n", static_cast<int>(getpid()), g_component, LevelName(level),
                 area, message);
  }
}

}  // namespace vgpu::log
