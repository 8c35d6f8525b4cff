// Where the client finds its server and how it proves itself. Order:
// environment (VGPU_SERVER, VGPU_TOKEN, VGPU_TOKEN_FILE, VGPU_TLS,
// VGPU_TLS_CA, VGPU_TLS_CERT, VGPU_TLS_KEY, VGPU_TLS_SERVER_NAME,
// VGPU_CONNECT_TIMEOUT_MS), then the file /etc/vgpu/client.conf (or
// $VGPU_CONFIG; keys server, token, token_file, tls, tls_ca, tls_cert,
// tls_key, tls_server_name, connect_timeout_ms), then 127.0.0.1:50051
// without TLS or token. Ollama rebuilds its runners' environment, so the
// file is the dependable route.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vgpu::cu {

struct ClientConfig {
  std::string server = "127.0.0.1:50051";
  std::string token;            // sent at Hello and on the session stream
  bool tls = false;             // on when tls_ca is set, or tls = on (system roots)
  std::string tls_ca;           // PEM file: the CA (or self-signed cert) that signed the server's
  std::string tls_cert;         // PEM file: this client's certificate, for mutual TLS
  std::string tls_key;          // PEM file: its private key
  std::string tls_server_name;  // name to check the server's certificate for, if not the host of `server`
  int connect_timeout_ms = 2000;
  std::string error;            // a setting that cannot work (unreadable token_file...): cuInit fails with it
  std::string source = "default";  // where `server` came from, for messages
};

// Parses "key = value" lines; '#' starts a comment. Unknown keys are kept
// (newer clients may write them) but ignored.
Result<std::map<std::string, std::string>> ParseConfigText(std::string_view text);

// Applies the order above. `getenv` and `read_file` are seams for tests.
// The first word of the first line that is not blank or a comment (the
// server's token file format, so the same file serves both sides).
std::string TokenFromFileText(std::string_view text);

ClientConfig LoadClientConfig(const char* (*getenv_fn)(const char*) = nullptr,
                              std::string (*read_file)(const std::string&) = nullptr);

}  // namespace vgpu::cu
