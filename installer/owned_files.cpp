#include "installer/owned_files.h"

#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <sstream>

#include "common/sha256.h"

namespace vgpu::installer {
namespace {

std::string Quote(const std::string& arg) {
  if (arg.find_first_of(" \t\"\\") == std::string::npos) return arg;
  std::string out = "\"";
  for (char c : arg) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

Status ValidateServerAddress(const std::string& server) {
  static const std::regex kPattern("^([A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.]+\\]):([0-9]{1,5})$");
  std::smatch m;
  if (!std::regex_match(server, m, kPattern)) {
    return InvalidValue("bad --server '" + server + "': expected HOST:PORT");
  }
  int port = std::stoi(m[2].str());
  if (port < 1 || port > 65535) return InvalidValue("bad --server '" + server + "': port out of range");
  return Status::Ok();
}

std::string ClientConfContent(const std::string& server) {
  return "# vgpu client configuration, written by vgpu-install.\n"
         "# The environment variable VGPU_SERVER, when set, takes precedence.\n"
         "server = " + server + "\n";
}

std::string ServerFromClientConf(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  static const std::regex kLine("^\\s*server\\s*=\\s*(\\S+)\\s*$");
  while (std::getline(in, line)) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::smatch m;
    if (std::regex_match(line, m, kLine)) return m[1].str();
  }
  return "";
}

std::string DropInContent(const Settings& settings, const std::string& ollama_dir, const std::string& lib_dir) {
  std::string command = Quote(SelfExe()) + " install --quiet --ollama-dir " + Quote(ollama_dir) + " --lib-dir " +
                        Quote(lib_dir);
  if (settings.state_dir_explicit) command += " --state-dir " + Quote(settings.state_dir);
  return "# Written by `vgpu-install install --systemd`; `vgpu-install rollback` removes it.\n"
         "# Re-applies vgpu's libraries before every Ollama start, so upgrades stay covered.\n"
         "# The leading '-' lets Ollama start even if vgpu-install fails (see the journal).\n"
         "[Service]\n"
         "ExecStartPre=-" + command + "\n";
}

bool HoldsContent(const std::string& path, const std::string& content) {
  auto info = Lstat(path);
  if (!info.ok() || info->kind != NodeKind::kFile) return false;
  auto text = ReadFile(path);
  return text.ok() && *text == content;
}

Status WriteOwnedFile(const std::string& path, const std::string& content, std::optional<OwnedFile>* record,
                      BackupStore* store, Transaction* tx, const std::function<Status()>& persist) {
  VGPU_ASSIGN_OR_RETURN(NodeInfo before, Lstat(path));
  if (before.kind != NodeKind::kAbsent && before.kind != NodeKind::kFile && before.kind != NodeKind::kSymlink) {
    return InvalidValue(path + " is a " + NodeKindName(before.kind) + ", not a file");
  }
  if (!record->has_value()) {
    OwnedFile owned;
    owned.path = path;
    VGPU_ASSIGN_OR_RETURN(owned.original, DescribeOriginal(path));
    if (owned.original.kind == NodeKind::kFile) {
      VGPU_ASSIGN_OR_RETURN(owned.original.backup, store->Save(path, owned.original.sha256, "owned" + path));
    }
    // Remember the outermost folder this write will create, before creating it.
    for (std::string dir = Dirname(path); dir != "/" && !Exists(dir); dir = Dirname(dir)) owned.created_dir = dir;
    *record = std::move(owned);
  }
  (*record)->written_sha256 = Sha256Hex(content);
  VGPU_RETURN_IF_ERROR(persist());
  std::vector<std::string> created;
  Status made = MakeDirs(Dirname(path), 0755, &created);
  for (const auto& dir : created) {
    tx->OnUndo("remove " + dir, [dir] {
      ::rmdir(dir.c_str());
      return Status::Ok();
    });
  }
  VGPU_RETURN_IF_ERROR(made);
  if (before.kind == NodeKind::kFile) {
    VGPU_ASSIGN_OR_RETURN(std::string old_bytes, ReadFile(path));
    uint32_t mode = before.mode;
    tx->OnUndo("restore " + path, [path, old_bytes, mode] { return WriteFileAtomic(path, old_bytes, mode); });
  } else if (before.kind == NodeKind::kSymlink) {
    std::string target = before.link_target;
    tx->OnUndo("restore " + path, [path, target] { return ReplaceWithSymlink(target, path); });
  } else {
    tx->OnUndo("remove " + path, [path] {
      ::unlink(path.c_str());
      return Status::Ok();
    });
  }
  return WriteFileAtomic(path, content, 0644);
}

Status RestoreOwnedFile(const OwnedFile& record, BackupStore* store, Transaction* tx, std::string* note) {
  const std::string& path = record.path;
  VGPU_ASSIGN_OR_RETURN(NodeInfo now, Lstat(path));
  // Folders install created go once empty (best effort, not undone).
  auto remove_created_dirs = [&record] {
    if (record.created_dir.empty()) return;
    for (std::string dir = Dirname(record.path); dir.size() >= record.created_dir.size(); dir = Dirname(dir)) {
      if (::rmdir(dir.c_str()) != 0) break;
    }
  };
  if (now.kind == NodeKind::kAbsent) {
    if (record.original.kind != NodeKind::kAbsent) *note = path + " is gone since install; not recreated";
    remove_created_dirs();
    return Status::Ok();
  }
  if (now.kind != NodeKind::kFile) {
    *note = "left alone: " + path + " changed since install";
    return Status::Ok();
  }
  VGPU_ASSIGN_OR_RETURN(std::string current, ReadFile(path));
  const std::string sha = Sha256Hex(current);
  // Still the original: the install stopped before writing it.
  if (record.original.kind == NodeKind::kFile && sha == record.original.sha256) return Status::Ok();
  if (sha != record.written_sha256) {
    *note = "left alone: " + path + " changed since install";
    return Status::Ok();
  }
  uint32_t mode = now.mode;
  tx->OnUndo("put back " + path, [path, current, mode] {
    // The folder may have gone with the file (see below).
    VGPU_RETURN_IF_ERROR(MakeDirs(Dirname(path), 0755, nullptr));
    return WriteFileAtomic(path, current, mode);
  });
  switch (record.original.kind) {
    case NodeKind::kAbsent:
      VGPU_RETURN_IF_ERROR(Unlink(path));
      remove_created_dirs();
      return Status::Ok();
    case NodeKind::kSymlink:
      return ReplaceWithSymlink(record.original.link_target, path);
    default:
      VGPU_RETURN_IF_ERROR(store->Check(record.original.backup, record.original.sha256, record.original.size));
      return RestoreFile(store->Abs(record.original.backup), record.original, path);
  }
}

void ReloadSystemd(const Settings& settings, const Output& out) {
  // Only the live system folder matters to a running systemd; tests use other folders.
  if (settings.systemd_dir != "/etc/systemd/system" || ::access("/run/systemd/system", F_OK) != 0) return;
  if (std::system("systemctl daemon-reload >/dev/null 2>&1") != 0) {
    out.Warn("systemctl daemon-reload failed; run it by hand");
  }
}

}  // namespace vgpu::installer
