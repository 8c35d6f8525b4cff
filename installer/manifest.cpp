#include "installer/manifest.h"

#include <ctime>

namespace vgpu::installer {
namespace {

constexpr int64_t kFormatVersion = 1;

Json OriginalToJson(const Original& o) {
  Json j;
  j["kind"] = NodeKindName(o.kind);
  if (o.kind == NodeKind::kAbsent) return j;
  j["mode"] = static_cast<int64_t>(o.mode);
  j["uid"] = static_cast<int64_t>(o.uid);
  j["gid"] = static_cast<int64_t>(o.gid);
  if (o.kind == NodeKind::kSymlink) j["link_target"] = o.link_target;
  if (o.kind == NodeKind::kFile) {
    j["size"] = o.size;
    j["sha256"] = o.sha256;
    j["backup"] = o.backup;
  }
  return j;
}

Result<Original> OriginalFromJson(const Json& j) {
  Original o;
  const std::string& kind = j["kind"].AsString();
  if (kind == "absent") {
    o.kind = NodeKind::kAbsent;
  } else if (kind == "file") {
    o.kind = NodeKind::kFile;
  } else if (kind == "link") {
    o.kind = NodeKind::kSymlink;
  } else {
    return InvalidValue("unknown original kind '" + kind + "'");
  }
  o.link_target = j["link_target"].AsString();
  o.mode = static_cast<uint32_t>(j["mode"].AsInt());
  o.uid = static_cast<uint32_t>(j["uid"].AsInt());
  o.gid = static_cast<uint32_t>(j["gid"].AsInt());
  o.size = j["size"].AsInt();
  o.sha256 = j["sha256"].AsString();
  o.backup = j["backup"].AsString();
  if (o.kind == NodeKind::kFile && (o.sha256.size() != 64 || o.backup.empty())) {
    return InvalidValue("file entry without sha256 or backup");
  }
  // Backups live under files/; anything else could point outside the backup folder.
  if (!o.backup.empty() && (o.backup.rfind("files/", 0) != 0 || o.backup.find("..") != std::string::npos)) {
    return InvalidValue("bad backup name '" + o.backup + "'");
  }
  return o;
}

Json EntryToJson(const Entry& e) {
  Json j;
  j["path"] = e.path;
  j["action"] = ActionName(e.action);
  j["original"] = OriginalToJson(e.original);
  j["vgpu_target"] = e.vgpu_target;
  return j;
}

Result<Entry> EntryFromJson(const Json& j) {
  Entry e;
  e.path = j["path"].AsString();
  if (e.path.empty() || e.path[0] == '/' || e.path.find("..") != std::string::npos) {
    return InvalidValue("bad entry path '" + e.path + "'");
  }
  const std::string& action = j["action"].AsString();
  if (action == "replaced") {
    e.action = Entry::Action::kReplaced;
  } else if (action == "created") {
    e.action = Entry::Action::kCreated;
  } else {
    return InvalidValue("unknown action '" + action + "' for " + e.path);
  }
  VGPU_ASSIGN_OR_RETURN(e.original, OriginalFromJson(j["original"]));
  e.vgpu_target = j["vgpu_target"].AsString();
  if (e.action == Entry::Action::kReplaced && e.original.kind != NodeKind::kFile) {
    return InvalidValue("replaced entry " + e.path + " without an original file");
  }
  return e;
}

Json OwnedToJson(const OwnedFile& f) {
  Json j;
  j["path"] = f.path;
  j["original"] = OriginalToJson(f.original);
  j["written_sha256"] = f.written_sha256;
  if (!f.created_dir.empty()) j["created_dir"] = f.created_dir;
  return j;
}

Result<OwnedFile> OwnedFromJson(const Json& j) {
  OwnedFile f;
  f.path = j["path"].AsString();
  if (f.path.empty() || f.path[0] != '/') return InvalidValue("bad owned file path '" + f.path + "'");
  VGPU_ASSIGN_OR_RETURN(f.original, OriginalFromJson(j["original"]));
  f.written_sha256 = j["written_sha256"].AsString();
  f.created_dir = j["created_dir"].AsString();
  if (!f.created_dir.empty() && (f.created_dir[0] != '/' || f.path.rfind(f.created_dir + "/", 0) != 0)) {
    return InvalidValue("bad created_dir '" + f.created_dir + "' for " + f.path);
  }
  return f;
}

}  // namespace

const char* ActionName(Entry::Action action) {
  return action == Entry::Action::kReplaced ? "replaced" : "created";
}

std::string NowUtc() {
  std::time_t now = std::time(nullptr);
  std::tm tm;
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Entry* Manifest::Find(const std::string& path) {
  for (auto& e : entries) {
    if (e.path == path) return &e;
  }
  return nullptr;
}

const Entry* Manifest::Find(const std::string& path) const {
  return const_cast<Manifest*>(this)->Find(path);
}

bool Manifest::References(const std::string& backup) const {
  for (const auto* list : {&entries, &kept}) {
    for (const auto& e : *list) {
      if (e.original.backup == backup) return true;
    }
  }
  for (const auto* owned : {&client_conf, &systemd_dropin}) {
    if (owned->has_value() && (*owned)->original.backup == backup) return true;
  }
  return false;
}

Json Manifest::ToJson() const {
  Json j;
  j["format"] = kFormatVersion;
  j["tool"] = "vgpu-install";
  j["ollama_dir"] = ollama_dir;
  j["lib_dir"] = lib_dir;
  j["updated"] = updated;
  Json::Array list;
  for (const auto& e : entries) list.push_back(EntryToJson(e));
  j["entries"] = Json(std::move(list));
  Json::Array kept_list;
  for (const auto& e : kept) kept_list.push_back(EntryToJson(e));
  j["kept"] = Json(std::move(kept_list));
  if (client_conf) j["client_conf"] = OwnedToJson(*client_conf);
  if (systemd_dropin) j["systemd_dropin"] = OwnedToJson(*systemd_dropin);
  return j;
}

Result<Manifest> Manifest::FromJson(const Json& j) {
  if (!j.is_object()) return InvalidValue("manifest is not a JSON object");
  if (j["format"].AsInt() != kFormatVersion) {
    return InvalidValue("unsupported manifest format " + std::to_string(j["format"].AsInt()));
  }
  Manifest m;
  m.ollama_dir = j["ollama_dir"].AsString();
  m.lib_dir = j["lib_dir"].AsString();
  m.updated = j["updated"].AsString();
  for (const auto& item : j["entries"].AsArray()) {
    VGPU_ASSIGN_OR_RETURN(Entry e, EntryFromJson(item));
    m.entries.push_back(std::move(e));
  }
  for (const auto& item : j["kept"].AsArray()) {
    VGPU_ASSIGN_OR_RETURN(Entry e, EntryFromJson(item));
    m.kept.push_back(std::move(e));
  }
  if (j.Has("client_conf")) {
    VGPU_ASSIGN_OR_RETURN(OwnedFile f, OwnedFromJson(j["client_conf"]));
    m.client_conf = std::move(f);
  }
  if (j.Has("systemd_dropin")) {
    VGPU_ASSIGN_OR_RETURN(OwnedFile f, OwnedFromJson(j["systemd_dropin"]));
    m.systemd_dropin = std::move(f);
  }
  return m;
}

Result<std::optional<Manifest>> LoadManifest(const std::string& path) {
  VGPU_ASSIGN_OR_RETURN(NodeInfo info, Lstat(path));
  if (info.kind == NodeKind::kAbsent) return std::optional<Manifest>();
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  Json json;
  if (Status s = Json::Parse(*text, &json); !s.ok()) {
    return InvalidValue("manifest " + path + " is unreadable: " + s.message());
  }
  auto manifest = Manifest::FromJson(json);
  if (!manifest.ok()) return InvalidValue("manifest " + path + " is unreadable: " + manifest.status().message());
  return std::optional<Manifest>(std::move(*manifest));
}

}  // namespace vgpu::installer
