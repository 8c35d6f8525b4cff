#include "installer/output.h"

#include <cstdio>

namespace vgpu::installer {

void Output::Say(const std::string& line) const {
  if (quiet_) return;
  std::fprintf(stdout, "%s\n", line.c_str());
  std::fflush(stdout);
}

void Output::Warn(const std::string& line) const { std::fprintf(stderr, "vgpu-install: warning: %s\n", line.c_str()); }

void Output::Error(const std::string& line) const { std::fprintf(stderr, "vgpu-install: error: %s\n", line.c_str()); }

}  // namespace vgpu::installer
