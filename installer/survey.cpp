#include "installer/survey.h"

#include <set>

namespace vgpu::installer {
namespace {

// Whether a link's text is one vgpu made: to the current lib dir, or what the manifest recorded.
bool IsVgpuLinkText(const std::string& target, const std::string& lib_dir, const std::string& vgpu_name,
                    const Entry* entry, const Manifest* manifest) {
  if (target == JoinPath(lib_dir, vgpu_name)) return true;
  if (entry != nullptr && target == entry->vgpu_target) return true;
  return manifest != nullptr && !manifest->lib_dir.empty() && target == JoinPath(manifest->lib_dir, vgpu_name);
}

std::string Rel(const std::string& folder, const std::string& name) {
  return folder.empty() ? name : folder + "/" + name;
}

// State of a name that ends in a link leaving the folder (or a dangling one).
void ClassifyOutgoingLink(Item* item, const std::string& link_path, const std::string& target, bool ours,
                          const Entry* entry, bool need_backup) {
  if (!ours) {
    item->state = Exists(link_path) ? ItemState::kForeign : ItemState::kBroken;
    item->detail = std::string(item->state == ItemState::kForeign ? "foreign symlink " : "dangling symlink ") +
                   item->rel_path + " -> " + target;
    return;
  }
  if (need_backup && (entry == nullptr || entry->action != Entry::Action::kReplaced)) {
    item->state = ItemState::kForeign;
    item->detail = item->rel_path + " -> " + target + " links to vgpu but the manifest has no backup of the original";
    return;
  }
  if (!item->vgpu_target.empty() && target == item->vgpu_target) {
    item->state = ItemState::kVgpu;
    item->detail = "-> " + target;
  } else if (!item->vgpu_target.empty()) {
    item->state = ItemState::kVgpuStale;
    item->detail = "-> " + target + " (old vgpu lib dir; install re-points it)";
  } else {
    item->state = ItemState::kBroken;
    item->detail = "-> " + target + " but vgpu's " + item->vgpu_name + " is missing";
  }
}

}  // namespace

const char* ItemStateName(ItemState state) {
  switch (state) {
    case ItemState::kOriginal: return "original";
    case ItemState::kNoVgpuLib: return "original";
    case ItemState::kVgpu: return "vgpu";
    case ItemState::kVgpuStale: return "vgpu (stale)";
    case ItemState::kAbsent: return "absent";
    case ItemState::kForeign: return "foreign";
    case ItemState::kBroken: return "broken";
  }
  return "?";
}

Result<Survey> TakeSurvey(const std::string& ollama_dir, const std::string& lib_dir, const Manifest* manifest) {
  Survey survey;
  VGPU_ASSIGN_OR_RETURN(survey.layout, ScanLayout(ollama_dir));
  survey.lib_dir = lib_dir;
  const std::string& root = survey.layout.dir;

  auto vgpu_target_for = [&](const std::string& name) {
    std::string path = JoinPath(lib_dir, name);
    return IsElfFile(path) ? path : std::string();
  };
  auto entry_for = [&](const std::string& rel) -> const Entry* {
    return manifest == nullptr ? nullptr : manifest->Find(rel);
  };

  auto add_link_item = [&](const std::string& folder, const std::string& name) -> Status {
    Item item;
    item.type = Item::Type::kLink;
    item.folder = folder;
    item.rel_path = Rel(folder, name);
    item.shown = name;
    item.vgpu_name = name;
    item.vgpu_target = vgpu_target_for(name);
    const std::string path = JoinPath(root, item.rel_path);
    VGPU_ASSIGN_OR_RETURN(item.info, Lstat(path));
    const Entry* entry = entry_for(item.rel_path);
    switch (item.info.kind) {
      case NodeKind::kAbsent:
        item.state = item.vgpu_target.empty() ? ItemState::kNoVgpuLib : ItemState::kOriginal;
        item.detail = item.vgpu_target.empty() ? "absent; vgpu has no " + name + " yet" : "absent";
        break;
      case NodeKind::kSymlink:
        ClassifyOutgoingLink(&item, path, item.info.link_target,
                             IsVgpuLinkText(item.info.link_target, lib_dir, name, entry, manifest), entry, false);
        break;
      default:
        item.state = ItemState::kForeign;
        item.detail = "foreign " + std::string(NodeKindName(item.info.kind)) + " " + item.rel_path +
                      " (Ollama never ships it)";
    }
    survey.items.push_back(std::move(item));
    return Status::Ok();
  };

  auto add_chain_item = [&](const CudaFolder& folder, const std::string& base) -> Status {
    const std::string name = base + ".so." + std::to_string(folder.major);
    VGPU_ASSIGN_OR_RETURN(Chain chain, FollowChain(JoinPath(root, folder.name), name));
    Item item;
    item.type = Item::Type::kChain;
    item.folder = folder.name;
    item.rel_path = Rel(folder.name, chain.last);
    item.vgpu_name = name;
    item.vgpu_target = vgpu_target_for(name);
    item.info = chain.last_info;
    for (size_t i = 0; i < chain.names.size(); ++i) item.shown += (i ? " -> " : "") + chain.names[i];
    const std::string last_path = JoinPath(root, item.rel_path);
    const Entry* entry = entry_for(item.rel_path);
    switch (chain.end) {
      case Chain::End::kAbsent:
        item.state = ItemState::kAbsent;
        item.detail = "no " + name + " in " + folder.name;
        break;
      case Chain::End::kFile:
        item.state = item.vgpu_target.empty() ? ItemState::kNoVgpuLib : ItemState::kOriginal;
        item.detail = item.vgpu_target.empty() ? "vgpu has no " + name + " yet" : "Ollama's file";
        break;
      case Chain::End::kLinkOut:
      case Chain::End::kDangling:
        ClassifyOutgoingLink(&item, last_path, item.info.link_target,
                             item.info.kind == NodeKind::kSymlink &&
                                 IsVgpuLinkText(item.info.link_target, lib_dir, name, entry, manifest),
                             entry, true);
        break;
      case Chain::End::kLoop:
        item.state = ItemState::kBroken;
        item.detail = "symlink loop at " + item.rel_path;
        break;
      case Chain::End::kOther:
        item.state = ItemState::kForeign;
        item.detail = item.rel_path + " is a " + NodeKindName(item.info.kind) + ", not a file";
        break;
    }
    survey.items.push_back(std::move(item));
    return Status::Ok();
  };

  for (const auto& folder : survey.layout.cuda_folders) {
    for (const char* base : {"libcudart", "libcublas", "libcublasLt"}) VGPU_RETURN_IF_ERROR(add_chain_item(folder, base));
    for (const char* name : {"libcuda.so.1", "libnvidia-ml.so.1"}) VGPU_RETURN_IF_ERROR(add_link_item(folder.name, name));
  }
  // Releases up to 0.12.3 look for libcuda.so* at the top level of lib/ollama.
  for (const char* name : {"libcuda.so.1", "libnvidia-ml.so.1"}) VGPU_RETURN_IF_ERROR(add_link_item("", name));

  if (manifest != nullptr) {
    std::set<std::string> seen;
    for (const auto& item : survey.items) seen.insert(item.rel_path);
    for (const auto& entry : manifest->entries) {
      if (!seen.count(entry.path)) survey.unmatched_entries.push_back(entry.path);
    }
  }
  return survey;
}

std::string FirstBlocker(const Survey& survey, int* count) {
  std::string first;
  int n = 0;
  for (const auto& item : survey.items) {
    if (item.state != ItemState::kForeign && item.state != ItemState::kBroken) continue;
    if (n++ == 0) first = item.detail;
  }
  if (count != nullptr) *count = n;
  return first;
}

}  // namespace vgpu::installer
