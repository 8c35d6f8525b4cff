#include "installer/backup_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace vgpu::installer {

Status BackupStore::EnsureDirs() {
  std::vector<std::string> created;
  Status s = MakeDirs(JoinPath(dir_, "files"), 0700, &created);
  for (const auto& dir : created) {
    tx_->OnUndo("remove " + dir, [dir] {
      ::rmdir(dir.c_str());  // only if still empty
      return Status::Ok();
    });
  }
  return s;
}

Result<std::string> BackupStore::Save(const std::string& path, const std::string& sha256, const std::string& name) {
  VGPU_RETURN_IF_ERROR(EnsureDirs());
  const std::string rel = "files/" + name + "." + sha256.substr(0, 16);
  const std::string dest = Abs(rel);
  {
    std::vector<std::string> created;
    Status made = MakeDirs(Dirname(dest), 0700, &created);
    for (const auto& dir : created) {
      tx_->OnUndo("remove " + dir, [dir] {
        ::rmdir(dir.c_str());
        return Status::Ok();
      });
    }
    VGPU_RETURN_IF_ERROR(made);
  }
  VGPU_ASSIGN_OR_RETURN(NodeInfo existing, Lstat(dest));
  if (existing.kind == NodeKind::kFile) {
    auto have = Sha256OfFile(dest);
    if (have.ok() && *have == sha256) return rel;  // same bytes already kept
  }
  const std::string tmp = TempNameFor(dest);
  ::unlink(tmp.c_str());
  bool linked = false;
  {
    // A hard link is exact (same inode, mode, owner, times); fall back to a
    // copy when the backup lives on another filesystem.
    struct stat a, b;
    if (::stat(path.c_str(), &a) == 0 && ::stat(dir_.c_str(), &b) == 0 && a.st_dev == b.st_dev) {
      VGPU_RETURN_IF_ERROR(HardLink(path, tmp));
      linked = true;
    }
  }
  if (!linked) VGPU_RETURN_IF_ERROR(CopyFilePreserving(path, tmp));
  if (!linked) {
    auto copied = Sha256OfFile(tmp);
    if (!copied.ok() || *copied != sha256) {
      ::unlink(tmp.c_str());
      return Status(Code::kUnknown, "backup copy of " + path + " does not match its SHA-256");
    }
  }
  Status s = Rename(tmp, dest);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  if (existing.kind == NodeKind::kAbsent) {
    tx_->OnUndo("remove backup " + dest, [dest] { return Unlink(dest); });
  }
  return rel;
}

Status BackupStore::Check(const std::string& rel, const std::string& sha256, int64_t size) const {
  const std::string path = Abs(rel);
  VGPU_ASSIGN_OR_RETURN(NodeInfo info, Lstat(path));
  if (info.kind != NodeKind::kFile) return NotFound("backup missing: " + path);
  if (info.size != size) {
    return InvalidValue("backup tampered: " + path + " has " + std::to_string(info.size) + " bytes, expected " +
                        std::to_string(size));
  }
  VGPU_ASSIGN_OR_RETURN(std::string have, Sha256OfFile(path));
  if (have != sha256) return InvalidValue("backup tampered: " + path + " (SHA-256 mismatch)");
  return Status::Ok();
}

Status BackupStore::SaveManifestUndo() {
  if (manifest_undo_registered_) return Status::Ok();
  const std::string path = manifest_path();
  VGPU_ASSIGN_OR_RETURN(NodeInfo info, Lstat(path));
  if (info.kind == NodeKind::kAbsent) {
    tx_->OnUndo("remove manifest", [path] {
      ::unlink(path.c_str());
      return Status::Ok();
    });
  } else {
    VGPU_ASSIGN_OR_RETURN(std::string before, ReadFile(path));
    tx_->OnUndo("restore manifest", [path, before] { return WriteFileAtomic(path, before, 0600); });
  }
  manifest_undo_registered_ = true;
  return Status::Ok();
}

Status BackupStore::WriteManifest(const Manifest& manifest) {
  VGPU_RETURN_IF_ERROR(EnsureDirs());
  VGPU_RETURN_IF_ERROR(SaveManifestUndo());
  Manifest stamped = manifest;
  stamped.updated = NowUtc();
  return WriteFileAtomic(manifest_path(), stamped.ToJson().Dump(), 0600);
}

Status BackupStore::RemoveManifest() {
  VGPU_RETURN_IF_ERROR(SaveManifestUndo());
  VGPU_ASSIGN_OR_RETURN(NodeInfo info, Lstat(manifest_path()));
  if (info.kind == NodeKind::kAbsent) return Status::Ok();
  return Unlink(manifest_path());
}

void BackupStore::Prune(const Manifest* manifest, const std::set<std::string>& candidates, const Output& out) {
  NoFaultScope no_faults;  // the run has succeeded; cleanup must not undo it
  for (const auto& rel : candidates) {
    if (manifest != nullptr && manifest->References(rel)) continue;
    const std::string path = Abs(rel);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) out.Warn("could not delete old backup " + path);
  }
  // Empty folders left by the pruned backups, deepest first.
  for (const auto& rel : candidates) {
    for (std::string dir = Dirname(Abs(rel)); dir.size() > dir_.size(); dir = Dirname(dir)) ::rmdir(dir.c_str());
  }
  ::rmdir(Abs("files").c_str());
  ::rmdir(dir_.c_str());
  ::rmdir(Dirname(dir_).c_str());
}

Status RestoreFile(const std::string& backup, const Original& original, const std::string& dest) {
  VGPU_ASSIGN_OR_RETURN(NodeInfo info, Lstat(backup));
  if (info.kind != NodeKind::kFile) return NotFound("backup missing: " + backup);
  const std::string tmp = TempNameFor(dest);
  ::unlink(tmp.c_str());
  struct stat d;
  bool same_fs = ::stat(Dirname(dest).c_str(), &d) == 0 && d.st_dev == info.dev;
  bool exact_inode = same_fs && info.mode == original.mode && info.uid == original.uid && info.gid == original.gid;
  if (exact_inode) {
    VGPU_RETURN_IF_ERROR(HardLink(backup, tmp));
  } else {
    VGPU_RETURN_IF_ERROR(CopyFilePreserving(backup, tmp));
    if (::chown(tmp.c_str(), original.uid, original.gid) != 0 && errno != EPERM) {
      int err = errno;
      ::unlink(tmp.c_str());
      return ErrnoStatus("set owner of", tmp, err);
    }
    if (::chmod(tmp.c_str(), original.mode) != 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      return ErrnoStatus("set mode of", tmp, err);
    }
  }
  Status s = Rename(tmp, dest);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return FsyncDir(Dirname(dest));
}

Result<Original> DescribeOriginal(const std::string& path) {
  VGPU_ASSIGN_OR_RETURN(NodeInfo info, Lstat(path));
  Original o;
  o.kind = info.kind;
  o.mode = info.mode;
  o.uid = info.uid;
  o.gid = info.gid;
  o.size = info.size;
  o.link_target = info.link_target;
  if (info.kind == NodeKind::kFile) {
    VGPU_ASSIGN_OR_RETURN(o.sha256, Sha256OfFile(path));
  } else if (info.kind != NodeKind::kSymlink && info.kind != NodeKind::kAbsent) {
    return InvalidValue(path + " is a " + NodeKindName(info.kind) + ", not a file");
  }
  return o;
}

}  // namespace vgpu::installer
