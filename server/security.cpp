#include "server/security.h"

#include <charconv>
#include <fstream>
#include <iterator>

namespace vgpu::server {
namespace {

Result<std::string> ReadWholeFile(const std::string& path, const char* what) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return InvalidValue(std::string("cannot read ") + what + " " + path);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (text.empty()) return InvalidValue(std::string(what) + " " + path + " is empty");
  return text;
}

}  // namespace

bool IsLoopbackAddress(std::string_view listen) {
  if (listen.starts_with("unix:") || listen.starts_with("unix-abstract:")) return true;
  std::string_view host = listen;
  if (host.starts_with("ipv4:")) host.remove_prefix(5);
  if (host.starts_with("ipv6:")) host.remove_prefix(5);
  if (host.starts_with('[')) {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    host = host.substr(1, close - 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8, written as four decimal parts.
  if (!host.starts_with("127.")) return false;
  int parts = 0;
  std::string_view rest = host;
  while (!rest.empty()) {
    size_t dot = rest.find('.');
    std::string_view part = rest.substr(0, dot);
    unsigned value = 0;
    auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || error != std::errc() || end != part.data() + part.size() || value > 255) return false;
    ++parts;
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
    if (dot != std::string_view::npos && rest.empty()) return false;
  }
  return parts == 4;
}

Result<Security> ConfigureSecurity(const SecurityOptions& options, std::string_view listen) {
  Security security;
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return InvalidValue("--tls-cert and --tls-key go together");
  }
  if (!options.tls_ca.empty() && options.tls_cert.empty()) {
    return InvalidValue("--tls-ca (client certificates) needs --tls-cert and --tls-key");
  }
  if (!options.token_file.empty()) {
    auto tokens = TokenTable::Load(options.token_file);
    if (!tokens.ok()) return tokens.status();
    security.tokens = std::move(*tokens);
  }
  if (!options.tls_cert.empty()) {
    auto cert = ReadWholeFile(options.tls_cert, "TLS certificate");
    if (!cert.ok()) return cert.status();
    auto key = ReadWholeFile(options.tls_key, "TLS key");
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({std::move(*key), std::move(*cert)});
    if (!options.tls_ca.empty()) {
      auto ca = ReadWholeFile(options.tls_ca, "client CA");
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = std::move(*ca);
      ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
      security.mutual_tls = true;
    }
    security.credentials = grpc::SslServerCredentials(ssl);
    security.tls = true;
  } else {
    security.credentials = grpc::InsecureServerCredentials();
  }
  if (!IsLoopbackAddress(listen) && !options.insecure && (!security.tls || security.tokens.empty())) {
    std::string missing = !security.tls && security.tokens.empty() ? "TLS and a token"
                          : !security.tls                           ? "TLS"
                                                                    : "a token";
    return InvalidValue("refusing to listen on " + std::string(listen) + " without " + missing +
                        ": give --tls-cert/--tls-key and --token-file, or --insecure on a trusted network");
  }
  return security;
}

}  // namespace vgpu::server
