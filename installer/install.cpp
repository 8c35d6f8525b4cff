// vgpu-install install: back up the last file of each NVIDIA chain, link
// vgpu's libraries in place, and record it all in the manifest.
#include <map>
#include <set>

#include "installer/backup_store.h"
#include "installer/commands.h"
#include "installer/lock.h"
#include "installer/output.h"
#include "installer/owned_files.h"
#include "installer/survey.h"

namespace vgpu::installer {
namespace {

struct Action {
  enum class Kind { kReplace, kCreate, kRetarget, kAdopt, kDrop };
  Kind kind;
  std::string rel_path;
  std::string target;  // vgpu link text
  std::string old_target;
};

std::string Describe(const Action& a) {
  switch (a.kind) {
    case Action::Kind::kReplace: return "back up " + a.rel_path + " and link it to " + a.target;
    case Action::Kind::kCreate: return "link " + a.rel_path + " -> " + a.target;
    case Action::Kind::kRetarget: return "re-point " + a.rel_path + " -> " + a.target;
    case Action::Kind::kAdopt: return "record vgpu's link " + a.rel_path;
    case Action::Kind::kDrop: return "forget " + a.rel_path + " (gone since the last install)";
  }
  return "";
}

Status CheckWritable(const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    std::string where;
    if (OnReadOnlyFilesystem(path, &where)) {
      return Status(Code::kNotPermitted, "read-only filesystem: " + where + " (cannot change " + path + ")");
    }
  }
  return Status::Ok();
}

class Installer {
 public:
  Installer(const Settings& settings, const Output& out) : settings_(settings), out_(out) {}

  Status Run() {
    if (!settings_.dry_run) VGPU_RETURN_IF_ERROR(CheckRoot("install"));
    if (!settings_.server.empty()) VGPU_RETURN_IF_ERROR(ValidateServerAddress(settings_.server));
    VGPU_ASSIGN_OR_RETURN(ollama_dir_, FindOllamaDir(settings_.ollama_dir));
    VGPU_ASSIGN_OR_RETURN(OllamaLayout layout, ScanLayout(ollama_dir_));
    if (layout.cuda_folders.empty()) {
      return NotFound("no cuda_v* folder in " + ollama_dir_ + ": this Ollama ships no CUDA libraries to redirect");
    }
    lib_dir_ = ResolveLibDir(settings_.lib_dir);
    if (!IsElfFile(JoinPath(lib_dir_, "libcuda.so.1"))) {
      return NotFound("vgpu library missing from --lib-dir: " + JoinPath(lib_dir_, "libcuda.so.1"));
    }
    std::vector<std::string> to_change = {ollama_dir_, settings_.state_dir};
    for (const auto& f : layout.cuda_folders) to_change.push_back(JoinPath(ollama_dir_, f.name));
    if (!settings_.server.empty()) to_change.push_back(settings_.client_conf);
    if (settings_.systemd) to_change.push_back(DropInPath(settings_));
    VGPU_RETURN_IF_ERROR(CheckWritable(to_change));

    std::unique_ptr<InstallLock> lock;
    if (!settings_.dry_run) {
      VGPU_ASSIGN_OR_RETURN(lock, InstallLock::Acquire(LockPathFor(settings_)));
    }

    store_ = std::make_unique<BackupStore>(BackupDirFor(settings_, ollama_dir_), &tx_);
    if (!settings_.dry_run) {
      RemoveStaleTemps(ollama_dir_, false);
      for (const auto& f : layout.cuda_folders) RemoveStaleTemps(JoinPath(ollama_dir_, f.name), false);
      RemoveStaleTemps(store_->dir(), true);
      RemoveStaleTemps(Dirname(settings_.client_conf), false);
      RemoveStaleTemps(Dirname(DropInPath(settings_)), false);
    }
    VGPU_ASSIGN_OR_RETURN(std::optional<Manifest> loaded, LoadManifest(store_->manifest_path()));
    had_manifest_ = loaded.has_value();
    manifest_ = loaded ? std::move(*loaded) : Manifest();
    manifest_.ollama_dir = ollama_dir_;

    VGPU_ASSIGN_OR_RETURN(Survey survey, TakeSurvey(ollama_dir_, lib_dir_, &manifest_));
    int blockers = 0;
    std::string blocker = FirstBlocker(survey, &blockers);
    if (!blocker.empty()) {
      return InvalidValue(blocker + (blockers > 1 ? " (and " + std::to_string(blockers - 1) + " more)" : "") +
                          "; move it away, then run install again");
    }
    VGPU_RETURN_IF_ERROR(CheckRuntimeCoverage(survey));
    Plan(survey);

    const bool conf_change = !settings_.server.empty() &&
                             !HoldsContent(settings_.client_conf, ClientConfContent(settings_.server));
    const std::string dropin = DropInContent(settings_, ollama_dir_, lib_dir_);
    const bool dropin_change = settings_.systemd && !HoldsContent(DropInPath(settings_), dropin);
    const bool lib_dir_change = manifest_.lib_dir != lib_dir_;

    if (actions_.empty() && !conf_change && !dropin_change && had_manifest_ && !lib_dir_change) {
      out_.Say("vgpu is already installed in " + ollama_dir_ + "; nothing to do");
      return Status::Ok();
    }
    if (settings_.dry_run) {
      out_.Say("dry run: install into " + ollama_dir_ + " from " + lib_dir_ + " would:");
      for (const auto& a : actions_) out_.Say("  " + Describe(a));
      if (conf_change) out_.Say("  write " + settings_.client_conf + " (server = " + settings_.server + ")");
      if (dropin_change) out_.Say("  write " + DropInPath(settings_));
      if (actions_.empty() && !conf_change && !dropin_change) out_.Say("  only record the install in the manifest");
      return Status::Ok();
    }

    std::set<std::string> old_backups;
    for (const auto& e : manifest_.entries) {
      if (!e.original.backup.empty()) old_backups.insert(e.original.backup);
    }
    manifest_.lib_dir = lib_dir_;
    Status applied = Apply(conf_change, dropin_change, dropin);
    if (!applied.ok()) {
      Status undone = tx_.Undo();
      if (!undone.ok()) {
        return Status(applied.code(), "install failed: " + applied.message() + "; " + undone.message() +
                                          " (originals stay in " + store_->dir() + ")");
      }
      return Status(applied.code(), "install failed, nothing was changed: " + applied.message());
    }
    tx_.Commit();
    store_->Prune(&manifest_, old_backups, out_);
    if (dropin_change) ReloadSystemd(settings_, out_);
    Summarize(survey, conf_change, dropin_change);
    return Status::Ok();
  }

 private:
  // Every cuda_vNN folder needs vgpu's libcudart.so.NN; a folder vgpu cannot
  // serve yet stays original, but at least one must be covered.
  Status CheckRuntimeCoverage(const Survey& survey) {
    std::string first_missing;
    std::vector<std::string> warnings;
    bool any_covered = false;
    for (const auto& item : survey.items) {
      if (item.type != Item::Type::kChain || item.vgpu_name.rfind("libcudart.so.", 0) != 0) continue;
      if (item.state == ItemState::kAbsent) continue;
      if (item.vgpu_target.empty()) {
        if (first_missing.empty()) first_missing = JoinPath(lib_dir_, item.vgpu_name);
        warnings.push_back(item.folder + " stays original: vgpu has no " + item.vgpu_name + " in " + lib_dir_);
      } else {
        any_covered = true;
      }
    }
    if (!any_covered && !first_missing.empty()) {
      return NotFound("vgpu library missing from --lib-dir: " + first_missing);
    }
    for (const auto& w : warnings) out_.Warn(w);
    return Status::Ok();
  }

  void Plan(const Survey& survey) {
    for (const auto& item : survey.items) {
      switch (item.state) {
        case ItemState::kOriginal:
          actions_.push_back({item.type == Item::Type::kChain ? Action::Kind::kReplace : Action::Kind::kCreate,
                              item.rel_path, item.vgpu_target, ""});
          break;
        case ItemState::kVgpuStale:
          actions_.push_back({Action::Kind::kRetarget, item.rel_path, item.vgpu_target, item.info.link_target});
          break;
        case ItemState::kVgpu:
          if (const Entry* e = manifest_.Find(item.rel_path);
              e != nullptr && e->action == Entry::Action::kReplaced && !Exists(store_->Abs(e->original.backup))) {
            out_.Warn("backup missing: " + store_->Abs(e->original.backup) + "; rollback cannot restore " +
                      item.rel_path);
          }
          if (manifest_.Find(item.rel_path) == nullptr) {
            actions_.push_back({Action::Kind::kAdopt, item.rel_path, item.vgpu_target, ""});
          }
          break;
        default:
          break;
      }
    }
    // Entries whose names an upgrade removed: nothing to restore there any more.
    for (const auto& rel : survey.unmatched_entries) {
      auto info = Lstat(JoinPath(ollama_dir_, rel));
      if (info.ok() && info->kind == NodeKind::kAbsent) actions_.push_back({Action::Kind::kDrop, rel, "", ""});
    }
  }

  Status Apply(bool conf_change, bool dropin_change, const std::string& dropin) {
    // The manifest is written before each change (write-ahead), so even a
    // crash leaves a record of every backup.
    for (const auto& a : actions_) {
      const std::string path = JoinPath(ollama_dir_, a.rel_path);
      switch (a.kind) {
        case Action::Kind::kReplace: {
          Entry entry;
          entry.path = a.rel_path;
          entry.action = Entry::Action::kReplaced;
          VGPU_ASSIGN_OR_RETURN(entry.original, DescribeOriginal(path));
          if (entry.original.kind != NodeKind::kFile) return InvalidValue(path + " changed during install");
          VGPU_ASSIGN_OR_RETURN(entry.original.backup, store_->Save(path, entry.original.sha256, "ollama/" + a.rel_path));
          entry.vgpu_target = a.target;
          SetEntry(entry);
          VGPU_RETURN_IF_ERROR(store_->WriteManifest(manifest_));
          const std::string backup = store_->Abs(entry.original.backup);
          const Original original = entry.original;
          VGPU_RETURN_IF_ERROR(ReplaceWithSymlink(a.target, path));
          tx_.OnUndo("restore " + path, [backup, original, path] { return RestoreFile(backup, original, path); });
          VGPU_RETURN_IF_ERROR(FsyncDir(Dirname(path)));
          break;
        }
        case Action::Kind::kCreate: {
          Entry entry;
          entry.path = a.rel_path;
          entry.action = Entry::Action::kCreated;
          entry.vgpu_target = a.target;
          SetEntry(entry);
          VGPU_RETURN_IF_ERROR(store_->WriteManifest(manifest_));
          VGPU_RETURN_IF_ERROR(Symlink(a.target, path));
          tx_.OnUndo("remove " + path, [path] { return Unlink(path); });
          break;
        }
        case Action::Kind::kRetarget: {
          Entry* entry = manifest_.Find(a.rel_path);
          if (entry != nullptr) entry->vgpu_target = a.target;
          VGPU_RETURN_IF_ERROR(store_->WriteManifest(manifest_));
          VGPU_RETURN_IF_ERROR(ReplaceWithSymlink(a.target, path));
          const std::string old_target = a.old_target;
          tx_.OnUndo("re-point " + path, [old_target, path] { return ReplaceWithSymlink(old_target, path); });
          break;
        }
        case Action::Kind::kAdopt: {
          Entry entry;
          entry.path = a.rel_path;
          entry.action = Entry::Action::kCreated;
          entry.vgpu_target = a.target;
          SetEntry(entry);
          break;
        }
        case Action::Kind::kDrop:
          std::erase_if(manifest_.entries, [&](const Entry& e) { return e.path == a.rel_path; });
          break;
      }
    }
    auto persist = [this] { return store_->WriteManifest(manifest_); };
    if (conf_change) {
      VGPU_RETURN_IF_ERROR(WriteOwnedFile(settings_.client_conf, ClientConfContent(settings_.server),
                                          &manifest_.client_conf, store_.get(), &tx_, persist));
    }
    if (dropin_change) {
      VGPU_RETURN_IF_ERROR(
          WriteOwnedFile(DropInPath(settings_), dropin, &manifest_.systemd_dropin, store_.get(), &tx_, persist));
    }
    return store_->WriteManifest(manifest_);
  }

  void SetEntry(const Entry& entry) {
    if (Entry* existing = manifest_.Find(entry.path)) {
      *existing = entry;
    } else {
      manifest_.entries.push_back(entry);
    }
  }

  void Summarize(const Survey& survey, bool conf_change, bool dropin_change) {
    int replaced = 0, created = 0, repointed = 0, other = 0;
    for (const auto& a : actions_) {
      if (a.kind == Action::Kind::kReplace) ++replaced;
      else if (a.kind == Action::Kind::kCreate) ++created;
      else if (a.kind == Action::Kind::kRetarget) ++repointed;
      else ++other;
    }
    out_.Say("vgpu installed into " + ollama_dir_ + " from " + lib_dir_ + ": " + std::to_string(replaced) +
             " file(s) backed up and linked, " + std::to_string(created) + " link(s) added" +
             (repointed ? ", " + std::to_string(repointed) + " link(s) re-pointed" : "") +
             (other ? ", " + std::to_string(other) + " record(s) updated" : ""));
    for (const auto& item : survey.items) {
      if (item.state == ItemState::kNoVgpuLib && item.type == Item::Type::kChain) {
        out_.Say("  " + item.rel_path + " stays original: vgpu has no " + item.vgpu_name + " yet");
      }
    }
    if (conf_change) out_.Say("  wrote " + settings_.client_conf + " (server = " + settings_.server + ")");
    if (dropin_change) out_.Say("  wrote " + DropInPath(settings_));
    out_.Say("  backups and manifest: " + store_->dir());
  }

  const Settings& settings_;
  const Output& out_;
  std::string ollama_dir_;
  std::string lib_dir_;
  Transaction tx_;
  std::unique_ptr<BackupStore> store_;
  Manifest manifest_;
  bool had_manifest_ = false;
  std::vector<Action> actions_;
};

}  // namespace

int RunInstall(const Settings& settings) {
  Output out(settings.quiet);
  ResetFaultInjection();
  Status s = Installer(settings, out).Run();
  if (!s.ok()) {
    out.Error(s.message());
    return 1;
  }
  return 0;
}

}  // namespace vgpu::installer
