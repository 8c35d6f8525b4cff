#include "installer/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "installer/fs_util.h"

namespace vgpu::installer {

Result<std::unique_ptr<InstallLock>> InstallLock::Acquire(const std::string& path) {
  // The state folder is vgpu's own, not a change to undo: keep it out of fault injection.
  NoFaultScope not_counted;
  VGPU_RETURN_IF_ERROR(MakeDirs(Dirname(path), 0755, nullptr));
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("open lock file", path, errno);
  int timeout_s = 60;
  if (const char* env = std::getenv("VGPU_INSTALL_LOCK_TIMEOUT")) timeout_s = std::atoi(env);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus("lock", path, err);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      return Status(Code::kNotPermitted, "another vgpu-install is running (lock " + path + " is held)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return std::unique_ptr<InstallLock>(new InstallLock(fd));
}

InstallLock::~InstallLock() {
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

}  // namespace vgpu::installer
