#include "server/security.h"

#include <grpcpp/security/server_credentials.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <set>

#include "common/sha256.h"

namespace vgpu::server {
namespace {

Result<std::string> ReadWholeFile(const std::string& path, const char* what) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return InvalidValue(std::string("cannot read ") + what + " " + path);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (text.empty()) return InvalidValue(std::string(what) + " " + path + " is empty");
  return text;
}

bool IsTokenCharacter(char c) { return c > 0x20 && c < 0x7f; }

// Splits at spaces and tabs.
std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t at = 0;
  while (at < line.size()) {
    size_t begin = line.find_first_not_of(" \t\r", at);
    if (begin == std::string_view::npos) break;
    size_t end = line.find_first_of(" \t\r", begin);
    if (end == std::string_view::npos) end = line.size();
    words.push_back(line.substr(begin, end - begin));
    at = end;
  }
  return words;
}

// Equal-length strings compared without an early exit.
bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (size_t i = 0; i < a.size(); ++i) difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  return difference == 0;
}

}  // namespace

Result<TokenTable> TokenTable::Parse(std::string_view text) {
  TokenTable table;
  std::set<std::string> seen;
  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    auto words = Words(line);
    if (words.empty()) continue;
    const std::string where = "token file line " + std::to_string(line_number) + ": ";
    TokenEntry entry;
    entry.line = line_number;
    entry.token = std::string(words[0]);
    for (char c : entry.token) {
      if (!IsTokenCharacter(c)) return InvalidValue(where + "a token is printable ASCII without spaces");
    }
    if (!seen.insert(entry.token).second) return InvalidValue(where + "the same token appears twice");
    for (size_t i = 1; i < words.size(); ++i) {
      std::string_view word = words[i];
      size_t equals = word.find('=');
      std::string_view key = word.substr(0, equals);
      std::string_view value = equals == std::string_view::npos ? std::string_view() : word.substr(equals + 1);
      if (key != "quota_mib") {
        return InvalidValue(where + "unknown field '" + std::string(key) + "' (known: quota_mib=N)");
      }
      uint64_t mib = 0;
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), mib);
      if (value.empty() || error != std::errc() || end != value.data() + value.size() || mib == 0 ||
          mib > (1ull << 30)) {
        return InvalidValue(where + "quota_mib wants a whole number of MiB, 1 or more");
      }
      if (entry.quota_mib) return InvalidValue(where + "quota_mib is given twice");
      entry.quota_mib = mib;
    }
    table.digests_.push_back(Sha256Hex(entry.token));
    table.entries_.push_back(std::move(entry));
  }
  return table;
}

Result<TokenTable> TokenTable::Load(const std::string& path) {
  auto text = ReadWholeFile(path, "token file");
  if (!text.ok()) return text.status();
  auto table = Parse(*text);
  if (!table.ok()) return InvalidValue(path + ": " + table.status().message());
  if (table->empty()) return InvalidValue("token file " + path + " holds no token");
  return table;
}

const TokenEntry* TokenTable::Find(std::string_view presented) const {
  // Digests have one length whatever the token's, so the comparison time
  // does not depend on the presented length either.
  const std::string digest = Sha256Hex(presented);
  const TokenEntry* found = nullptr;
  for (size_t i = 0; i < entries_.size(); ++i) {
    bool equal = ConstantTimeEqual(digest, digests_[i]);
    if (equal && found == nullptr) found = &entries_[i];
  }
  return presented.empty() ? nullptr : found;
}

std::optional<uint64_t> QuotaMibForToken(const TokenTable& tokens, std::string_view token) {
  const TokenEntry* entry = tokens.Find(token);
  return entry ? entry->quota_mib : std::nullopt;
}

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
