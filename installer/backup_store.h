// The backup folder of one Ollama install (<state>/backup/<id>/): the
// manifest plus the originals, files/<path in lib/ollama>.<sha256 prefix>,
// one per path and content so a later backup never overwrites an earlier one.
// Every change registers its undo with the run's Transaction.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "common/status.h"
#include "installer/manifest.h"
#include "installer/output.h"
#include "installer/transaction.h"

namespace vgpu::installer {

class BackupStore {
 public:
  BackupStore(std::string dir, Transaction* tx) : dir_(std::move(dir)), tx_(tx) {}

  const std::string& dir() const { return dir_; }
  std::string manifest_path() const { return JoinPath(dir_, "manifest.json"); }
  std::string Abs(const std::string& rel) const { return JoinPath(dir_, rel); }

  // Keeps the original bytes of `path` as files/<sha256>: a hard link when the
  // folders share a filesystem (no copy of 500 MB cuBLAS files), else a copy.
  // Returns the name relative to the backup folder.
  Result<std::string> Save(const std::string& path, const std::string& sha256, const std::string& name);
  // Ok when `rel` exists with the recorded size and SHA-256.
  Status Check(const std::string& rel, const std::string& sha256, int64_t size) const;
  // Writes the manifest atomically; the run's first write registers an undo
  // that puts back what was there before (or removes it).
  Status WriteManifest(const Manifest& manifest);
  Status RemoveManifest();
  // After a successful run: deletes backups no manifest entry references any
  // more, then the backup folder itself when it is empty. Never fails the run.
  void Prune(const Manifest* manifest, const std::set<std::string>& candidates, const Output& out);

 private:
  Status EnsureDirs();
  Status SaveManifestUndo();

  std::string dir_;
  Transaction* tx_;
  bool manifest_undo_registered_ = false;
};

// Puts the original back at `dest` from `backup` in one rename, with the
// recorded mode and owner.
Status RestoreFile(const std::string& backup, const Original& original, const std::string& dest);

// lstat-based description of `path` as an Original (hashing a file).
Result<Original> DescribeOriginal(const std::string& path);

}  // namespace vgpu::installer
