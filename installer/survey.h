// What lib/ollama holds right now, name by name, compared with vgpu's
// libraries and the manifest. install, status, verify and doctor all start here.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "installer/manifest.h"
#include "installer/ollama_layout.h"

namespace vgpu::installer {

enum class ItemState {
  kOriginal,   // Ollama's file, or no link yet; vgpu has a library for it
  kNoVgpuLib,  // left original: vgpu has no such library (yet)
  kVgpu,       // vgpu's link to the current lib dir
  kVgpuStale,  // vgpu's link to another lib dir: install re-points it
  kAbsent,     // chain head missing: nothing to do
  kForeign,    // something vgpu-install did not put there
  kBroken,     // a dangling link or a loop
};
const char* ItemStateName(ItemState state);

struct Item {
  enum class Type { kChain, kLink };
  Type type = Type::kChain;
  std::string folder;     // "cuda_v12"; empty for the top level of lib/ollama
  std::string rel_path;   // the name install changes, relative to lib/ollama
  std::string shown;      // "libcudart.so.12 -> libcudart.so.12.8.90"
  std::string vgpu_name;  // "libcudart.so.12"
  std::string vgpu_target;  // <lib dir>/<vgpu_name> when vgpu has it, else empty
  ItemState state = ItemState::kAbsent;
  std::string detail;
  NodeInfo info;  // lstat of rel_path
};

struct Survey {
  OllamaLayout layout;
  std::string lib_dir;
  std::vector<Item> items;
  // Manifest entries no current item accounts for (the names went away in an upgrade).
  std::vector<std::string> unmatched_entries;
};

Result<Survey> TakeSurvey(const std::string& ollama_dir, const std::string& lib_dir, const Manifest* manifest);

// The first foreign or broken item as a one-line reason; empty when none.
std::string FirstBlocker(const Survey& survey, int* count);

}  // namespace vgpu::installer
