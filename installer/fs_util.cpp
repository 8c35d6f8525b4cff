#include "installer/fs_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "common/sha256.h"

namespace vgpu::installer {
namespace {

std::atomic<int> g_change_count{0};
std::atomic<int> g_fail_at{-1};
std::atomic<int> g_crash_at{-1};
std::atomic<int> g_no_fault_depth{0};
std::atomic<bool> g_fault_loaded{false};

void LoadFaultSetting() {
  if (g_fault_loaded.exchange(true)) return;
  const char* env = std::getenv("VGPU_INSTALL_FAIL_AT");
  g_fail_at = (env != nullptr && *env != '\0') ? std::atoi(env) : -1;
  const char* crash = std::getenv("VGPU_INSTALL_CRASH_AT");
  g_crash_at = (crash != nullptr && *crash != '\0') ? std::atoi(crash) : -1;
}

// Counts one change; fails it when it is the one the test asked for.
Status CountChange(const char* op, const std::string& path) {
  LoadFaultSetting();
  if (g_no_fault_depth.load() > 0) return Status::Ok();
  int n = ++g_change_count;
  // A crash (no undo at all) stands for power loss or kill -9 part-way.
  if (n == g_crash_at.load()) ::_exit(137);
  if (n == g_fail_at.load()) {
    return Status(Code::kUnknown, std::string(op) + " " + path + ": injected failure (VGPU_INSTALL_FAIL_AT=" +
                                      std::to_string(n) + ")");
  }
  return Status::Ok();
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

const char* NodeKindName(NodeKind kind) {
  switch (kind) {
    case NodeKind::kAbsent: return "absent";
    case NodeKind::kFile: return "file";
    case NodeKind::kSymlink: return "link";
    case NodeKind::kDirectory: return "directory";
    case NodeKind::kOther: return "other";
  }
  return "?";
}

Status ErrnoStatus(const std::string& what, const std::string& path, int err) {
  if (err == EROFS) return Status(Code::kNotPermitted, "read-only filesystem: cannot " + what + " " + path);
  if (err == EACCES || err == EPERM) {
    return Status(Code::kNotPermitted, "permission denied: cannot " + what + " " + path);
  }
  return Status(Code::kUnknown, "cannot " + what + " " + path + ": " + std::strerror(err));
}

Result<NodeInfo> Lstat(const std::string& path) {
  NodeInfo info;
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return info;
    return ErrnoStatus("inspect", path, errno);
  }
  info.mode = st.st_mode & 07777;
  info.uid = st.st_uid;
  info.gid = st.st_gid;
  info.size = st.st_size;
  info.dev = st.st_dev;
  info.ino = st.st_ino;
  if (S_ISREG(st.st_mode)) {
    info.kind = NodeKind::kFile;
  } else if (S_ISDIR(st.st_mode)) {
    info.kind = NodeKind::kDirectory;
  } else if (S_ISLNK(st.st_mode)) {
    info.kind = NodeKind::kSymlink;
    char buf[PATH_MAX];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf));
    if (n < 0) return ErrnoStatus("read link", path, errno);
    info.link_target.assign(buf, static_cast<size_t>(n));
  } else {
    info.kind = NodeKind::kOther;
  }
  return info;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<std::string> Sha256OfFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open", path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("inspect", path, errno);
  if (!S_ISREG(st.st_mode)) return InvalidValue(path + " is not a regular file");
  if (st.st_size == 0) return Sha256Hex("", 0);
  // Mapping keeps memory flat for the 500 MB cuBLAS files.
  void* data = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (data == MAP_FAILED) return ErrnoStatus("read", path, errno);
  ::madvise(data, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
  std::string hex = Sha256Hex(data, static_cast<size_t>(st.st_size));
  ::munmap(data, static_cast<size_t>(st.st_size));
  return hex;
}

Result<std::string> ReadFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open", path, errno);
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read", path, errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

bool IsElfFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return false;
  char magic[4];
  return ::read(fd.get(), magic, 4) == 4 && std::memcmp(magic, "\x7f" "ELF", 4) == 0;
}

Result<std::string> Canonical(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return ErrnoStatus("resolve", path, errno);
  return std::string(buf);
}

std::string Dirname(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string Basename(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (!b.empty() && b[0] == '/') return b;
  return a.back() == '/' ? a + b : a + "/" + b;
}

Result<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus("list", dir, errno);
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool OnReadOnlyFilesystem(const std::string& path, std::string* where) {
  std::string probe = path;
  while (!Exists(probe) && probe != "/" && probe != ".") probe = Dirname(probe);
  struct statvfs vfs;
  if (::statvfs(probe.c_str(), &vfs) != 0) return false;
  if (where != nullptr) *where = probe;
  return (vfs.f_flag & ST_RDONLY) != 0;
}

void ResetFaultInjection() {
  g_fault_loaded = false;
  g_change_count = 0;
  LoadFaultSetting();
}

NoFaultScope::NoFaultScope() { ++g_no_fault_depth; }
NoFaultScope::~NoFaultScope() { --g_no_fault_depth; }

Status MakeDirs(const std::string& path, uint32_t mode, std::vector<std::string>* created) {
  if (IsDirectory(path)) return Status::Ok();
  std::string parent = Dirname(path);
  if (parent != path) VGPU_RETURN_IF_ERROR(MakeDirs(parent, mode, created));
  VGPU_RETURN_IF_ERROR(CountChange("mkdir", path));
  if (::mkdir(path.c_str(), mode) != 0) {
    if (errno == EEXIST && IsDirectory(path)) return Status::Ok();
    return ErrnoStatus("create folder", path, errno);
  }
  if (created != nullptr) created->push_back(path);
  return Status::Ok();
}

Status RemoveDir(const std::string& path) {
  VGPU_RETURN_IF_ERROR(CountChange("rmdir", path));
  if (::rmdir(path.c_str()) != 0) return ErrnoStatus("remove folder", path, errno);
  return Status::Ok();
}

Status Symlink(const std::string& target, const std::string& path) {
  VGPU_RETURN_IF_ERROR(CountChange("symlink", path));
  if (::symlink(target.c_str(), path.c_str()) != 0) return ErrnoStatus("create link", path, errno);
  return Status::Ok();
}

Status Rename(const std::string& from, const std::string& to) {
  VGPU_RETURN_IF_ERROR(CountChange("rename", to));
  if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoStatus("rename " + from + " to", to, errno);
  return Status::Ok();
}

Status Unlink(const std::string& path) {
  VGPU_RETURN_IF_ERROR(CountChange("unlink", path));
  if (::unlink(path.c_str()) != 0) return ErrnoStatus("remove", path, errno);
  return Status::Ok();
}

Status HardLink(const std::string& from, const std::string& to) {
  VGPU_RETURN_IF_ERROR(CountChange("link", to));
  if (::link(from.c_str(), to.c_str()) != 0) return ErrnoStatus("link " + from + " to", to, errno);
  return Status::Ok();
}

Status CopyFilePreserving(const std::string& from, const std::string& to) {
  VGPU_RETURN_IF_ERROR(CountChange("copy", to));
  Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return ErrnoStatus("open", from, errno);
  struct stat st;
  if (::fstat(in.get(), &st) != 0) return ErrnoStatus("inspect", from, errno);
  Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (out.get() < 0) return ErrnoStatus("create", to, errno);
  auto fail = [&](const std::string& what, int err) {
    Status s = ErrnoStatus(what, to, err);
    ::unlink(to.c_str());
    return s;
  };
  off_t left = st.st_size;
  while (left > 0) {
    ssize_t n = ::copy_file_range(in.get(), nullptr, out.get(), nullptr, static_cast<size_t>(left), 0);
    if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL)) {
      // Fallback for filesystems without copy_file_range.
      char buf[1 << 16];
      ssize_t r = ::read(in.get(), buf, sizeof(buf));
      if (r < 0) return fail("read " + from + " for", errno);
      if (r == 0) break;
      for (ssize_t done = 0; done < r;) {
        ssize_t w = ::write(out.get(), buf + done, static_cast<size_t>(r - done));
        if (w < 0) return fail("write", errno);
        done += w;
      }
      n = r;
    } else if (n < 0) {
      return fail("write", errno);
    } else if (n == 0) {
      break;
    }
    left -= n;
  }
  if (::fchown(out.get(), st.st_uid, st.st_gid) != 0 && errno != EPERM) return fail("set owner of", errno);
  if (::fchmod(out.get(), st.st_mode & 07777) != 0) return fail("set mode of", errno);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  ::futimens(out.get(), times);
  if (::fsync(out.get()) != 0) return fail("sync", errno);
  return Status::Ok();
}

void RemoveStaleTemps(const std::string& dir, bool recursive) {
  auto names = ListDir(dir);
  if (!names.ok()) return;
  for (const auto& name : *names) {
    const std::string path = JoinPath(dir, name);
    if (name.rfind(".vgpu-tmp.", 0) == 0) {
      struct stat st;
      if (::lstat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) ::unlink(path.c_str());
    } else if (recursive && IsDirectory(path)) {
      RemoveStaleTemps(path, true);
    }
  }
}

std::string TempNameFor(const std::string& path) {
  return JoinPath(Dirname(path), ".vgpu-tmp." + Basename(path) + "." + std::to_string(::getpid()));
}

Status WriteFileAtomic(const std::string& path, const std::string& content, uint32_t mode) {
  VGPU_RETURN_IF_ERROR(CountChange("write", path));
  const std::string tmp = TempNameFor(path);
  ::unlink(tmp.c_str());
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) return ErrnoStatus("write", path, errno);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      return ErrnoStatus("write", path, err);
    }
    done += static_cast<size_t>(n);
  }
  if (::fchmod(fd.get(), mode) != 0 || ::fsync(fd.get()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus("write", path, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus("write", path, err);
  }
  return FsyncDir(Dirname(path));
}

Status ReplaceWithSymlink(const std::string& target, const std::string& path) {
  const std::string tmp = TempNameFor(path);
  ::unlink(tmp.c_str());
  VGPU_RETURN_IF_ERROR(Symlink(target, tmp));
  Status s = Rename(tmp, path);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return Status::Ok();
}

Status FsyncDir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open folder", dir, errno);
  ::fsync(fd.get());  // best effort: some filesystems refuse fsync on folders
  return Status::Ok();
}

}  // namespace vgpu::installer
