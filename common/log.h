// One-line logging: `vgpu[pid] <component> <level> <area>: message`.
// Client libraries are silent unless VGPU_LOG asks (VGPU_LOG=debug or
// VGPU_LOG=debug:/tmp/vgpu.log); the server sets its level from --log-level.
// Logging never fails a call: an unusable file sink falls back to stderr.
#pragma once

#include <cstdarg>

namespace vgpu::log {

enum class Level : int { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3, kTrace = 4, kOff = -1 };

// Name printed after the pid, e.g. "libcuda" or "server". Call once, early.
void SetComponent(const char* component);
// Parses "level" or "level:path" (as in VGPU_LOG). Returns false on a bad level.
bool Configure(const char* spec);
void SetLevel(Level level);
bool Enabled(Level level);
bool ParseLevel(const char* text, Level* out);

void Write(Level level, const char* area, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

}  // namespace vgpu::log

#define VGPU_LOG(level, area, ...)                                            \
  do {                                                                        \
    if (::vgpu::log::Enabled(::vgpu::log::Level::k##level))                   \
      ::vgpu::log::Write(::vgpu::log::Level::k##level, area, __VA_ARGS__);    \
  } while (0)
