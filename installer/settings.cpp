#include "installer/settings.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "common/sha256.h"
#include "installer/fs_util.h"

#ifndef VGPU_INSTALL_CONFIGURED_LIBDIR
#define VGPU_INSTALL_CONFIGURED_LIBDIR "/usr/local/lib/vgpu"
#endif

namespace vgpu::installer {
namespace {

std::string EnvOr(const char* name, const char* fallback, bool* from_env = nullptr) {
  const char* value = std::getenv(name);
  if (value != nullptr && *value != '\0') {
    if (from_env != nullptr) *from_env = true;
    return value;
  }
  return fallback;
}

}  // namespace

Settings DefaultSettings() {
  Settings s;
  s.state_dir = EnvOr("VGPU_INSTALL_STATE_DIR", "/var/lib/vgpu", &s.state_dir_explicit);
  // VGPU_CONFIG is where the client libraries read their file (libcuda/config.h).
  s.client_conf = EnvOr("VGPU_INSTALL_CLIENT_CONF", EnvOr("VGPU_CONFIG", "/etc/vgpu/client.conf").c_str());
  s.systemd_dir = EnvOr("VGPU_INSTALL_SYSTEMD_DIR", "/etc/systemd/system");
  return s;
}

std::string SelfExe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "vgpu-install";
  return std::string(buf, static_cast<size_t>(n));
}

std::string ResolveLibDir(const std::string& explicit_dir) {
  if (!explicit_dir.empty()) {
    auto real = Canonical(explicit_dir);
    return real.ok() ? *real : explicit_dir;
  }
  const std::string candidates[] = {kDefaultLibDir, VGPU_INSTALL_CONFIGURED_LIBDIR,
                                    JoinPath(Dirname(Dirname(SelfExe())), "lib/vgpu")};
  for (const auto& dir : candidates) {
    if (Exists(JoinPath(dir, "libcuda.so.1"))) {
      auto real = Canonical(dir);
      return real.ok() ? *real : dir;
    }
  }
  return kDefaultLibDir;
}

std::string BackupDirFor(const Settings& settings, const std::string& ollama_dir) {
  std::string id;
  for (char c : ollama_dir) {
    if (c == '/') {
      if (!id.empty() && id.back() != '-') id.push_back('-');
    } else if (isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_') {
      id.push_back(c);
    } else {
      id.push_back('_');
    }
  }
  if (!id.empty() && id.back() == '-') id.pop_back();
  if (id.size() > 80) id = id.substr(id.size() - 80);
  // The hash keeps "a/b" and "a-b" apart.
  id += "-" + Sha256Hex(ollama_dir).substr(0, 8);
  return JoinPath(JoinPath(settings.state_dir, "backup"), id);
}

std::string ManifestPathFor(const Settings& settings, const std::string& ollama_dir) {
  return JoinPath(BackupDirFor(settings, ollama_dir), "manifest.json");
}

std::string LockPathFor(const Settings& settings) { return JoinPath(settings.state_dir, "vgpu-install.lock"); }

std::string DropInPath(const Settings& settings) {
  return JoinPath(settings.systemd_dir, "ollama.service.d/vgpu.conf");
}

Status CheckRoot(const std::string& command) {
  if (::geteuid() == 0) return Status::Ok();
  const char* allow = std::getenv("VGPU_INSTALL_ALLOW_NONROOT");
  if (allow != nullptr && std::string(allow) == "1") return Status::Ok();
  return Status(Code::kNotPermitted, "not root: `vgpu-install " + command +
                                         "` changes system folders; run it with sudo (or set "
                                         "VGPU_INSTALL_ALLOW_NONROOT=1 if every folder is yours)");
}

}  // namespace vgpu::installer
