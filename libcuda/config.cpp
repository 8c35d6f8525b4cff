#include "libcuda/config.h"

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "common/log.h"

namespace vgpu::cu {
namespace {

std::string Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

const char* RealGetenv(const char* name) { return std::getenv(name); }

std::string RealReadFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return {};
  return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

bool ParseTimeout(const std::string& text, int* out) {
  char* end = nullptr;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value <= 0 || value > 600000) return false;
  *out = static_cast<int>(value);
  return true;
}

}  // namespace

Result<std::map<std::string, std::string>> ParseConfigText(std::string_view text) {
  std::map<std::string, std::string> values;
  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::string trimmed = Trim(line);
    if (trimmed.empty()) continue;
    size_t equals = trimmed.find('=');
    if (equals == std::string::npos) {
      return InvalidValue("line " + std::to_string(line_number) + ": expected key = value");
    }
    std::string key = Trim(std::string_view(trimmed).substr(0, equals));
    if (key.empty()) return InvalidValue("line " + std::to_string(line_number) + ": empty key");
    values[key] = Trim(std::string_view(trimmed).substr(equals + 1));
  }
  return values;
}

ClientConfig LoadClientConfig(const char* (*getenv_fn)(const char*), std::string (*read_file)(const std::string&)) {
  if (getenv_fn == nullptr) getenv_fn = RealGetenv;
  if (read_file == nullptr) read_file = RealReadFile;
  ClientConfig config;

  const char* path = getenv_fn("VGPU_CONFIG");
  std::string file_path = path && *path ? path : "/etc/vgpu/client.conf";
  std::string text = read_file(file_path);
  if (!text.empty()) {
    auto parsed = ParseConfigText(text);
    if (!parsed.ok()) {
      VGPU_LOG(Warn, "config", "%s: %s; ignoring the file", file_path.c_str(), parsed.status().message().c_str());
    } else {
      auto& values = *parsed;
      if (auto it = values.find("server"); it != values.end() && !it->second.empty()) {
        config.server = it->second;
        config.source = file_path;
      }
      if (auto it = values.find("token"); it != values.end()) config.token = it->second;
      if (auto it = values.find("connect_timeout_ms"); it != values.end() &&
                                                       !ParseTimeout(it->second, &config.connect_timeout_ms)) {
        VGPU_LOG(Warn, "config", "%s: bad connect_timeout_ms '%s'", file_path.c_str(), it->second.c_str());
      }
    }
  }
  if (const char* server = getenv_fn("VGPU_SERVER"); server && *server) {
    config.server = server;
    config.source = "VGPU_SERVER";
  }
  if (const char* token = getenv_fn("VGPU_TOKEN"); token && *token) config.token = token;
  if (const char* timeout = getenv_fn("VGPU_CONNECT_TIMEOUT_MS"); timeout && *timeout) {
    if (!ParseTimeout(timeout, &config.connect_timeout_ms)) {
      VGPU_LOG(Warn, "config", "bad VGPU_CONNECT_TIMEOUT_MS '%s'", timeout);
    }
  }
  return config;
}

}  // namespace vgpu::cu
