// vgpu-install status / verify: per folder, what is original, what is vgpu's,
// and what is foreign or broken. verify turns any drift into exit code 1.
#include <cstdio>
#include <map>

#include "common/sha256.h"
#include "installer/backup_store.h"
#include "installer/commands.h"
#include "installer/output.h"
#include "installer/owned_files.h"
#include "installer/survey.h"

namespace vgpu::installer {
namespace {

std::string Pad(std::string text, size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

}  // namespace

int RunStatus(const Settings& settings, bool verify) {
  Output out(false);
  auto fail = [&](const Status& s) {
    out.Error(s.message());
    return 1;
  };
  auto dir = FindOllamaDir(settings.ollama_dir);
  if (!dir.ok()) return fail(dir.status());
  Transaction unused;
  BackupStore store(BackupDirFor(settings, *dir), &unused);
  auto loaded = LoadManifest(store.manifest_path());
  if (!loaded.ok()) return fail(loaded.status());
  const Manifest* manifest = loaded->has_value() ? &**loaded : nullptr;
  // Without --lib-dir, judge against the lib dir of the install itself.
  std::string lib_dir = settings.lib_dir.empty() && manifest != nullptr && !manifest->lib_dir.empty()
                            ? manifest->lib_dir
                            : ResolveLibDir(settings.lib_dir);
  auto survey = TakeSurvey(*dir, lib_dir, manifest);
  if (!survey.ok()) return fail(survey.status());

  std::vector<std::string> drift;
  out.Say("ollama:   " + *dir + " (era " + OllamaEra("", survey->layout) + " by layout)");
  out.Say("vgpu lib: " + lib_dir);
  bool installed = manifest != nullptr && !manifest->entries.empty();
  out.Say("manifest: " + (manifest != nullptr ? store.manifest_path() + (manifest->updated.empty() ? "" : " (updated " + manifest->updated + ")")
                                             : std::string("none (vgpu is not installed here)")));
  if (survey->layout.cuda_folders.empty()) drift.push_back("no cuda_v* folder in " + *dir);

  std::string folder = "?";
  for (const auto& item : survey->items) {
    if (item.folder != folder) {
      folder = item.folder;
      out.Say((folder.empty() ? std::string("top level") : folder) + ":");
    }
    std::string state = ItemStateName(item.state);
    std::string detail = item.detail;
    const Entry* entry = manifest ? manifest->Find(item.rel_path) : nullptr;
    if (item.state == ItemState::kVgpu && entry != nullptr && entry->action == Entry::Action::kReplaced) {
      detail += "; original backed up (" + std::to_string(entry->original.size) + " bytes, sha256 " +
                entry->original.sha256.substr(0, 12) + "...)";
      if (verify) {
        if (Status s = store.Check(entry->original.backup, entry->original.sha256, entry->original.size); !s.ok()) {
          drift.push_back(s.message());
          detail += " [" + s.message() + "]";
        }
      }
    }
    out.Say("  " + Pad(item.shown, 48) + " " + Pad(state, 9) + " " + detail);
    switch (item.state) {
      case ItemState::kOriginal:
        if (installed) {
          drift.push_back(item.rel_path + " is original but should be vgpu's (" +
                          (entry ? "changed since install" : "not installed yet") + "; run install)");
        }
        break;
      case ItemState::kVgpuStale: drift.push_back(item.rel_path + " links to an old vgpu lib dir"); break;
      case ItemState::kForeign:
      case ItemState::kBroken: drift.push_back(item.detail); break;
      default: break;
    }
  }
  for (const auto& rel : survey->unmatched_entries) {
    out.Say("recorded but gone: " + rel);
    drift.push_back(rel + " is recorded in the manifest but gone (Ollama upgraded? run install)");
  }
  if (manifest != nullptr) {
    for (const auto& e : manifest->kept) {
      out.Say("kept backup of " + e.path + " (changed since install): " + store.Abs(e.original.backup));
    }
    for (const auto* owned : {&manifest->client_conf, &manifest->systemd_dropin}) {
      if (!owned->has_value()) continue;
      auto text = ReadFile((*owned)->path);
      bool intact = text.ok() && Sha256Hex(*text) == (*owned)->written_sha256;
      out.Say("owned:    " + (*owned)->path + (intact ? " (as written)" : " (changed or missing)"));
      if (!intact) drift.push_back((*owned)->path + " changed or missing since install");
    }
  }
  if (!verify) return 0;
  if (!installed) drift.insert(drift.begin(), "vgpu is not installed in " + *dir);
  if (drift.empty()) {
    out.Say("verify: ok");
    return 0;
  }
  for (const auto& d : drift) std::fprintf(stderr, "vgpu-install: drift: %s\n", d.c_str());
  return 1;
}

}  // namespace vgpu::installer
