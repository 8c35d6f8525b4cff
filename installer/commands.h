// The five commands of vgpu-install. Each returns the process exit code:
// 0 done, 1 failed (the reason is one line on stderr) or drift (verify).
#pragma once

#include <string>

#include "installer/settings.h"

namespace vgpu::installer {

int RunInstall(const Settings& settings);
int RunRollback(const Settings& settings);
int RunStatus(const Settings& settings, bool verify);
int RunDoctor(const Settings& settings);
// Hidden: the child doctor starts with Ollama's LD_LIBRARY_PATH (see doctor.cpp).
int RunProbe(int cuda_major, const std::string& ggml_path);

}  // namespace vgpu::installer
