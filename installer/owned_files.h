// Files outside lib/ollama that install writes: /etc/vgpu/client.conf and the
// ollama.service drop-in. The manifest remembers what was there first so
// rollback can put it back.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/status.h"
#include "installer/backup_store.h"
#include "installer/manifest.h"
#include "installer/settings.h"

namespace vgpu::installer {

// "host:port" or "[v6]:port" with a port in 1..65535.
Status ValidateServerAddress(const std::string& server);
std::string ClientConfContent(const std::string& server);
// The server address client.conf names, or empty.
std::string ServerFromClientConf(const std::string& text);
std::string DropInContent(const Settings& settings, const std::string& ollama_dir, const std::string& lib_dir);

// True when `path` already holds exactly `content`.
bool HoldsContent(const std::string& path, const std::string& content);

// Writes `content` at `path`; the first time, records (and backs up) what was
// there. `persist` saves the updated record before the file changes.
Status WriteOwnedFile(const std::string& path, const std::string& content, std::optional<OwnedFile>* record,
                      BackupStore* store, Transaction* tx, const std::function<Status()>& persist);

// Puts back what was at record.path before install. Sets *note when it
// leaves the file alone because someone changed it since.
Status RestoreOwnedFile(const OwnedFile& record, BackupStore* store, Transaction* tx, std::string* note);

// `systemctl daemon-reload` when the drop-in is in a live systemd's folder.
void ReloadSystemd(const Settings& settings, const Output& out);

}  // namespace vgpu::installer
