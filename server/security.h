// How this server's listener is protected: the TLS credentials of
// --tls-cert/--tls-key/--tls-ca, the tokens of --token-file, and the rule
// that a non-loopback listener needs both unless --insecure is given.
#pragma once

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "server/token_table.h"

namespace vgpu::server {

struct SecurityOptions {
  std::string tls_cert;    // PEM server certificate (chain)
  std::string tls_key;     // PEM private key
  std::string tls_ca;      // PEM CA for client certificates: set = mutual TLS
  std::string token_file;  // tokens accepted at Hello and Session
  bool insecure = false;   // allow a non-loopback listener without TLS and a token
};

// True for 127.0.0.0/8, ::1, localhost and unix: sockets.
bool IsLoopbackAddress(std::string_view listen);

// What the listener uses: credentials and the token table (empty = no token
// check). Fails with one clear line on unreadable files, a certificate
// without its key, or a non-loopback `listen` without TLS and tokens and
// without `insecure`.
struct Security {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  TokenTable tokens;
  bool tls = false;
  bool mutual_tls = false;
};
Result<Security> ConfigureSecurity(const SecurityOptions& options, std::string_view listen);

}  // namespace vgpu::server
