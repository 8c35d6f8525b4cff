// Filesystem primitives of the installer. Every call that changes the disk
// goes through here, so one counter can inject a failure into the Nth change
// (tests set VGPU_INSTALL_FAIL_AT=N) and errors read the same everywhere.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace vgpu::installer {

enum class NodeKind { kAbsent, kFile, kSymlink, kDirectory, kOther };
const char* NodeKindName(NodeKind kind);

// What lstat says about one path, plus the link text for a symlink.
struct NodeInfo {
  NodeKind kind = NodeKind::kAbsent;
  uint32_t mode = 0;  // permission bits only (07777)
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t size = 0;
  std::string link_target;
  dev_t dev = 0;
  ino_t ino = 0;
};

// A missing path is not an error: it comes back as kAbsent.
Result<NodeInfo> Lstat(const std::string& path);
bool Exists(const std::string& path);  // follows links
bool IsDirectory(const std::string& path);
Result<std::string> Sha256OfFile(const std::string& path);
Result<std::string> ReadFile(const std::string& path);
// True when the file (links followed) is a regular file starting with the ELF magic.
bool IsElfFile(const std::string& path);
// realpath(3); the path must exist.
Result<std::string> Canonical(const std::string& path);
std::string Dirname(const std::string& path);
std::string Basename(const std::string& path);
std::string JoinPath(const std::string& a, const std::string& b);
// Names in a directory, sorted, without "." and "..".
Result<std::vector<std::string>> ListDir(const std::string& dir);
// True when the filesystem holding `path` (or its nearest existing parent) is mounted read-only.
bool OnReadOnlyFilesystem(const std::string& path, std::string* mount_point_hint);

// One-line error for a failed syscall: names the path, and says
// "read-only filesystem" / "permission denied" in words where that is the cause.
Status ErrnoStatus(const std::string& what, const std::string& path, int err);

// --- changes (counted for failure injection) ---

// Reads VGPU_INSTALL_FAIL_AT once; the Nth counted change then fails.
// VGPU_INSTALL_CRASH_AT=N instead exits the process before the Nth change, with no undo.
void ResetFaultInjection();
// While alive, changes are not counted and never fail on purpose (undo paths).
class NoFaultScope {
 public:
  NoFaultScope();
  ~NoFaultScope();
  NoFaultScope(const NoFaultScope&) = delete;
  NoFaultScope& operator=(const NoFaultScope&) = delete;
};

// mkdir -p; appends the folders it created to *created (outermost first).
Status MakeDirs(const std::string& path, uint32_t mode, std::vector<std::string>* created);
Status RemoveDir(const std::string& path);
Status Symlink(const std::string& target, const std::string& path);  // fails if path exists
Status Rename(const std::string& from, const std::string& to);
Status Unlink(const std::string& path);
Status HardLink(const std::string& from, const std::string& to);
// Copies bytes, then sets mode, owner and times of the source; fsyncs.
Status CopyFilePreserving(const std::string& from, const std::string& to);
// Writes `content` to a temporary name beside `path`, fsyncs, renames.
Status WriteFileAtomic(const std::string& path, const std::string& content, uint32_t mode);
// Puts a symlink at `path`, replacing whatever name is there, in one rename.
Status ReplaceWithSymlink(const std::string& target, const std::string& path);
Status FsyncDir(const std::string& dir);
// A name beside `path` for temporary files: hidden, so no Ollama glob matches it.
std::string TempNameFor(const std::string& path);
// Deletes temporary names a killed run left in `dir` (call with the lock held).
void RemoveStaleTemps(const std::string& dir, bool recursive);

}  // namespace vgpu::installer
