// Paths and switches every command shares. System paths have defaults;
// each has an option and an environment variable so tests can point them at
// temporary folders (see installer/README.md).
#pragma once

#include <string>

#include "common/status.h"

namespace vgpu::installer {

struct Settings {
  std::string ollama_dir;   // --ollama-dir; empty: auto-detect
  std::string lib_dir;      // --lib-dir; empty: default
  std::string state_dir;    // --state-dir, VGPU_INSTALL_STATE_DIR, /var/lib/vgpu
  std::string client_conf;  // --client-conf, VGPU_INSTALL_CLIENT_CONF, /etc/vgpu/client.conf
  std::string systemd_dir;  // --systemd-dir, VGPU_INSTALL_SYSTEMD_DIR, /etc/systemd/system
  std::string server;       // --server HOST:PORT
  bool systemd = false;
  bool dry_run = false;
  bool quiet = false;
  // Set when the state dir came from an option or variable: the drop-in repeats it.
  bool state_dir_explicit = false;
};

// Defaults, then the environment variables; options override afterwards.
Settings DefaultSettings();

inline constexpr const char* kDefaultLibDir = "/usr/lib/vgpu";

// The explicit --lib-dir, else the first existing of /usr/lib/vgpu, the
// configured install folder, and <exe>/../lib/vgpu.
std::string ResolveLibDir(const std::string& explicit_dir);

// <state>/backup/<id>, where <id> names the Ollama folder readably and uniquely.
std::string BackupDirFor(const Settings& settings, const std::string& ollama_dir);
std::string ManifestPathFor(const Settings& settings, const std::string& ollama_dir);
std::string LockPathFor(const Settings& settings);
std::string DropInPath(const Settings& settings);

// Changing commands need root unless VGPU_INSTALL_ALLOW_NONROOT=1.
Status CheckRoot(const std::string& command);

// Absolute path of this executable.
std::string SelfExe();

}  // namespace vgpu::installer
