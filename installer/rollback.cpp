// vgpu-install rollback: restore every backed-up file byte for byte, remove
// only the links vgpu made, and delete the backups once that has worked.
#include <glob.h>

#include <set>

#include "installer/backup_store.h"
#include "installer/commands.h"
#include "installer/lock.h"
#include "installer/output.h"
#include "installer/owned_files.h"
#include "installer/survey.h"

namespace vgpu::installer {
namespace {

// The Ollama folder to roll back: the given or detected one, else the only
// one a manifest names (Ollama may be gone already).
Result<std::string> RollbackTarget(const Settings& settings) {
  if (!settings.ollama_dir.empty()) {
    if (IsDirectory(settings.ollama_dir)) return Canonical(settings.ollama_dir);
    return settings.ollama_dir;  // gone: its manifest may still exist
  }
  auto found = FindOllamaDir("");
  if (found.ok()) return found;
  glob_t g;
  std::vector<std::string> dirs;
  const std::string pattern = JoinPath(settings.state_dir, "backup/*/manifest.json");
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) {
      auto m = LoadManifest(g.gl_pathv[i]);
      if (m.ok() && m->has_value()) dirs.push_back((*m)->ollama_dir);
    }
    ::globfree(&g);
  }
  if (dirs.size() == 1) return dirs[0];
  if (dirs.empty()) return found.status();
  return InvalidValue("several vgpu installs are recorded in " + settings.state_dir + "; pass --ollama-dir");
}

struct Step {
  enum class Kind { kRestore, kRemoveLink };
  Kind kind;
  const Entry* entry;
};

}  // namespace

int RunRollback(const Settings& settings) {
  Output out(settings.quiet);
  ResetFaultInjection();
  auto fail = [&](const Status& s) {
    out.Error(s.message());
    return 1;
  };
  if (!settings.dry_run) {
    if (Status s = CheckRoot("rollback"); !s.ok()) return fail(s);
  }
  auto target = RollbackTarget(settings);
  if (!target.ok()) return fail(target.status());
  const std::string ollama_dir = *target;

  std::unique_ptr<InstallLock> lock;
  if (!settings.dry_run) {
    std::string where;
    if (OnReadOnlyFilesystem(ollama_dir, &where)) {
      return fail(Status(Code::kNotPermitted, "read-only filesystem: " + where + " (cannot change " + ollama_dir + ")"));
    }
    auto acquired = InstallLock::Acquire(LockPathFor(settings));
    if (!acquired.ok()) return fail(acquired.status());
    lock = std::move(*acquired);
  }
  Transaction tx;
  BackupStore store(BackupDirFor(settings, ollama_dir), &tx);
  auto loaded = LoadManifest(store.manifest_path());
  if (!loaded.ok()) return fail(loaded.status());
  if (!loaded->has_value()) {
    out.Say("vgpu is not installed in " + ollama_dir + "; nothing to roll back");
    return 0;
  }
  Manifest manifest = std::move(**loaded);
  const std::string lib_dir = manifest.lib_dir;
  if (!settings.dry_run) {
    // What a killed run may have left: hidden temporary names only.
    RemoveStaleTemps(store.dir(), true);
    for (const auto* owned : {&manifest.client_conf, &manifest.systemd_dropin}) {
      if (owned->has_value()) RemoveStaleTemps(Dirname((*owned)->path), false);
    }
    if (IsDirectory(ollama_dir)) {
      RemoveStaleTemps(ollama_dir, false);
      if (auto layout = ScanLayout(ollama_dir); layout.ok()) {
        for (const auto& f : layout->cuda_folders) RemoveStaleTemps(JoinPath(ollama_dir, f.name), false);
      }
    }
  }

  // Decide per entry first, and check every backup needed, before changing anything.
  std::vector<Step> steps;
  std::vector<Entry> kept = manifest.kept;
  std::vector<std::string> notes;
  for (const auto& e : manifest.entries) {
    const std::string path = JoinPath(ollama_dir, e.path);
    auto info = Lstat(path);
    if (!info.ok()) return fail(info.status());
    const bool ours = info->kind == NodeKind::kSymlink &&
                      (info->link_target == e.vgpu_target ||
                       info->link_target == JoinPath(lib_dir, Basename(e.vgpu_target)));
    if (e.action == Entry::Action::kCreated) {
      if (ours) {
        steps.push_back({Step::Kind::kRemoveLink, &e});
      } else if (info->kind != NodeKind::kAbsent) {
        notes.push_back("left alone: " + path + " changed since install");
      }
      continue;
    }
    if (ours) {
      if (Status s = store.Check(e.original.backup, e.original.sha256, e.original.size); !s.ok()) {
        return fail(Status(s.code(), s.message() + "; nothing was changed"));
      }
      steps.push_back({Step::Kind::kRestore, &e});
      continue;
    }
    if (info->kind == NodeKind::kFile && info->size == e.original.size) {
      auto sha = Sha256OfFile(path);
      if (sha.ok() && *sha == e.original.sha256) continue;  // already the original
    }
    notes.push_back(std::string("left alone: ") + path +
                    (info->kind == NodeKind::kAbsent ? " is gone" : " changed") + " since install; original kept at " +
                    store.Abs(e.original.backup));
    kept.push_back(e);
  }

  if (settings.dry_run) {
    out.Say("dry run: rollback of " + ollama_dir + " would:");
    for (const auto& step : steps) {
      out.Say(std::string(step.kind == Step::Kind::kRestore ? "  restore " : "  remove link ") +
              JoinPath(ollama_dir, step.entry->path));
    }
    if (manifest.client_conf) out.Say("  restore " + manifest.client_conf->path + " as before install");
    if (manifest.systemd_dropin) out.Say("  remove " + manifest.systemd_dropin->path);
    for (const auto& note : notes) out.Say("  " + note);
    return 0;
  }

  std::set<std::string> backups;
  for (const auto& e : manifest.entries) {
    if (!e.original.backup.empty()) backups.insert(e.original.backup);
  }
  for (const auto* owned : {&manifest.client_conf, &manifest.systemd_dropin}) {
    if (owned->has_value() && !(*owned)->original.backup.empty()) backups.insert((*owned)->original.backup);
  }

  int restored = 0, removed = 0;
  auto apply = [&]() -> Status {
    for (const auto& step : steps) {
      const Entry& e = *step.entry;
      const std::string path = JoinPath(ollama_dir, e.path);
      auto info = Lstat(path);
      if (!info.ok()) return info.status();
      const std::string link_text = info->link_target;
      if (step.kind == Step::Kind::kRestore) {
        VGPU_RETURN_IF_ERROR(RestoreFile(store.Abs(e.original.backup), e.original, path));
        tx.OnUndo("re-link " + path, [link_text, path] { return ReplaceWithSymlink(link_text, path); });
        ++restored;
      } else {
        VGPU_RETURN_IF_ERROR(Unlink(path));
        tx.OnUndo("re-link " + path, [link_text, path] { return Symlink(link_text, path); });
        ++removed;
      }
    }
    for (auto* owned : {&manifest.client_conf, &manifest.systemd_dropin}) {
      if (!owned->has_value()) continue;
      std::string note;
      VGPU_RETURN_IF_ERROR(RestoreOwnedFile(**owned, &store, &tx, &note));
      if (!note.empty()) notes.push_back(note);
    }
    // Only what was left alone stays recorded, with its backup.
    if (kept.empty()) return store.RemoveManifest();
    Manifest rest;
    rest.ollama_dir = manifest.ollama_dir;
    rest.lib_dir = manifest.lib_dir;
    rest.kept = kept;
    return store.WriteManifest(rest);
  };
  Status s = apply();
  if (!s.ok()) {
    Status undone = tx.Undo();
    if (!undone.ok()) {
      return fail(Status(s.code(), "rollback failed: " + s.message() + "; " + undone.message() +
                                       " (backups stay in " + store.dir() + ")"));
    }
    return fail(Status(s.code(), "rollback failed, nothing was changed: " + s.message()));
  }
  tx.Commit();
  Manifest rest;
  rest.kept = kept;
  store.Prune(&rest, backups, out);
  if (manifest.systemd_dropin) ReloadSystemd(settings, out);
  out.Say("vgpu rolled back from " + ollama_dir + ": " + std::to_string(restored) + " file(s) restored, " +
          std::to_string(removed) + " link(s) removed");
  for (const auto& note : notes) out.Warn(note);
  return 0;
}

}  // namespace vgpu::installer
