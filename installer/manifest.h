// The install manifest: for every path vgpu-install touched, what was there
// before (kind, link target, mode, owner, size, SHA-256, backup) and what vgpu
// put there. Stored as JSON beside the backups, outside lib/ollama.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "installer/fs_util.h"
#include "installer/json.h"

namespace vgpu::installer {

// What a path held before vgpu-install changed it.
struct Original {
  NodeKind kind = NodeKind::kAbsent;  // kFile, kSymlink or kAbsent
  std::string link_target;
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t size = 0;
  std::string sha256;  // of the bytes, for a file
  std::string backup;  // relative to the backup folder: files/<path>.<sha256 prefix>
};

struct Entry {
  enum class Action { kReplaced, kCreated };
  std::string path;  // relative to lib/ollama, e.g. "cuda_v12/libcudart.so.12.8.90"
  Action action = Action::kCreated;
  Original original;
  std::string vgpu_target;  // the link text vgpu put at `path`
};

// A file outside lib/ollama that install wrote (client.conf, the systemd drop-in).
struct OwnedFile {
  std::string path;  // absolute
  Original original;
  std::string written_sha256;
  // The outermost folder install created for it (rollback removes it when empty).
  std::string created_dir;
};

struct Manifest {
  std::string ollama_dir;
  std::string lib_dir;
  std::string updated;  // UTC, ISO 8601
  std::vector<Entry> entries;
  // Entries rollback left alone because someone changed them; their backups stay.
  std::vector<Entry> kept;
  std::optional<OwnedFile> client_conf;
  std::optional<OwnedFile> systemd_dropin;

  Entry* Find(const std::string& path);
  const Entry* Find(const std::string& path) const;
  // True when some entry (or kept entry, or owned file) still needs `backup`.
  bool References(const std::string& backup) const;

  Json ToJson() const;
  static Result<Manifest> FromJson(const Json& json);
};

const char* ActionName(Entry::Action action);
std::string NowUtc();

// Reads `path`; std::nullopt when there is no manifest.
Result<std::optional<Manifest>> LoadManifest(const std::string& path);

}  // namespace vgpu::installer
