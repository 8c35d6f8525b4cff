// An exclusive flock on <state>/vgpu-install.lock, so two runs (a manual one
// and systemd's ExecStartPre) never interleave their changes.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace vgpu::installer {

class InstallLock {
 public:
  // Waits up to VGPU_INSTALL_LOCK_TIMEOUT seconds (default 60) for the lock.
  static Result<std::unique_ptr<InstallLock>> Acquire(const std::string& path);
  ~InstallLock();
  InstallLock(const InstallLock&) = delete;
  InstallLock& operator=(const InstallLock&) = delete;

 private:
  explicit InstallLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace vgpu::installer
