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

// A positive number of milliseconds in [min, max].
bool ParseMilliseconds(const std::string& text, long min, long max, int* out) {
  char* end = nullptr;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < min || value > max) return false;
  *out = static_cast<int>(value);
  return true;
}

struct TimeoutSetting {
  const char* key;  // in client.conf
  const char* env;
  long min, max;
  int ClientConfig::*field;
};

// The server closes a connection that pings more often than every 5 s, so
// keepalive_time_ms starts a margin above that.
constexpr TimeoutSetting kTimeouts[] = {
    {"connect_timeout_ms", "VGPU_CONNECT_TIMEOUT_MS", 1, 600000, &ClientConfig::connect_timeout_ms},
    {"call_timeout_ms", "VGPU_CALL_TIMEOUT_MS", 1, 7L * 24 * 3600 * 1000, &ClientConfig::call_timeout_ms},
    {"keepalive_time_ms", "VGPU_KEEPALIVE_TIME_MS", 6000, 3600000, &ClientConfig::keepalive_time_ms},
    {"keepalive_timeout_ms", "VGPU_KEEPALIVE_TIMEOUT_MS", 1, 600000, &ClientConfig::keepalive_timeout_ms},
};

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
      for (const TimeoutSetting& setting : kTimeouts) {
        auto it = values.find(setting.key);
        if (it != values.end() && !ParseMilliseconds(it->second, setting.min, setting.max, &(config.*setting.field))) {
          VGPU_LOG(Warn, "config", "%s: bad %s '%s' (milliseconds, %ld..%ld)", file_path.c_str(), setting.key,
                   it->second.c_str(), setting.min, setting.max);
        }
      }
    }
  }
  if (const char* server = getenv_fn("VGPU_SERVER"); server && *server) {
    config.server = server;
    config.source = "VGPU_SERVER";
  }
  if (const char* token = getenv_fn("VGPU_TOKEN"); token && *token) config.token = token;
  for (const TimeoutSetting& setting : kTimeouts) {
    const char* value = getenv_fn(setting.env);
    if (value && *value && !ParseMilliseconds(value, setting.min, setting.max, &(config.*setting.field))) {
      VGPU_LOG(Warn, "config", "bad %s '%s' (milliseconds, %ld..%ld)", setting.env, value, setting.min, setting.max);
    }
  }
  return config;
}

}  // namespace vgpu::cu
