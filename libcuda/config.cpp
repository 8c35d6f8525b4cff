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

bool ParseSwitch(const std::string& text, bool* out) {
  if (text == "1" || text == "on" || text == "yes" || text == "true") return *out = true, true;
  if (text == "0" || text == "off" || text == "no" || text == "false") return *out = false, true;
  return false;
}

// The security settings of one source (the file, then the environment).
struct SecuritySettings {
  std::string token, token_file, tls, tls_ca, tls_cert, tls_key, tls_server_name;
};

void ApplySecurity(const SecuritySettings& settings, const std::string& source,
                   std::string (*read_file)(const std::string&), ClientConfig* config) {
  if (!settings.token.empty()) {
    config->token = settings.token;
  } else if (!settings.token_file.empty()) {
    config->token = TokenFromFileText(read_file(settings.token_file));
    if (config->token.empty()) {
      config->error = source + ": cannot read a token from token file " + settings.token_file;
    }
  }
  if (!settings.tls.empty() && !ParseSwitch(settings.tls, &config->tls)) {
    VGPU_LOG(Warn, "config", "%s: bad tls '%s' (on or off)", source.c_str(), settings.tls.c_str());
  }
  if (!settings.tls_ca.empty()) {
    config->tls_ca = settings.tls_ca;
    config->tls = true;
  }
  if (!settings.tls_cert.empty()) {
    config->tls_cert = settings.tls_cert;
    config->tls = true;
  }
  if (!settings.tls_key.empty()) config->tls_key = settings.tls_key;
  if (!settings.tls_server_name.empty()) config->tls_server_name = settings.tls_server_name;
}

std::string Value(const std::map<std::string, std::string>& values, const char* key) {
  auto it = values.find(key);
  return it == values.end() ? std::string() : it->second;
}

std::string Env(const char* (*getenv_fn)(const char*), const char* name) {
  const char* value = getenv_fn(name);
  return value ? value : "";
}

}  // namespace

std::string TokenFromFileText(std::string_view text) {
  while (!text.empty()) {
    size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string_view::npos) continue;
    size_t end = line.find_first_of(" \t\r", begin);
    return std::string(line.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin));
  }
  return {};
}

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
      ApplySecurity({Value(values, "token"), Value(values, "token_file"), Value(values, "tls"),
                     Value(values, "tls_ca"), Value(values, "tls_cert"), Value(values, "tls_key"),
                     Value(values, "tls_server_name")},
                    file_path, read_file, &config);
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
  SecuritySettings from_env{Env(getenv_fn, "VGPU_TOKEN"),    Env(getenv_fn, "VGPU_TOKEN_FILE"),
                            Env(getenv_fn, "VGPU_TLS"),      Env(getenv_fn, "VGPU_TLS_CA"),
                            Env(getenv_fn, "VGPU_TLS_CERT"), Env(getenv_fn, "VGPU_TLS_KEY"),
                            Env(getenv_fn, "VGPU_TLS_SERVER_NAME")};
  if (!from_env.token.empty() || !from_env.token_file.empty()) config.error.clear();  // the file's token is overridden
  ApplySecurity(from_env, "environment", read_file, &config);
  for (char c : config.token) {
    if ((c <= 0x20 || c >= 0x7f) && config.error.empty()) config.error = "the token must be printable ASCII without spaces";
  }
  if (config.tls_cert.empty() != config.tls_key.empty() && config.error.empty()) {
    config.error = "tls_cert and tls_key (VGPU_TLS_CERT, VGPU_TLS_KEY) go together";
  }
  if (const char* timeout = getenv_fn("VGPU_CONNECT_TIMEOUT_MS"); timeout && *timeout) {
    if (!ParseTimeout(timeout, &config.connect_timeout_ms)) {
      VGPU_LOG(Warn, "config", "bad VGPU_CONNECT_TIMEOUT_MS '%s'", timeout);
    }
  }
  return config;
}

}  // namespace vgpu::cu
