// The shared tokens of --token-file: which clients may use this server, and
// the device-memory quota each token carries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vgpu::server {

// One line of the token file: "TOKEN [quota_mib=N]".
struct TokenEntry {
  std::string token;
  std::optional<uint64_t> quota_mib;  // this token's device-memory quota; none = the server's default
  int line = 0;                       // where it came from, for logs (never log the token itself)
};

// The tokens the server accepts. Lines are "TOKEN [key=value...]"; '#'
// starts a comment; blank lines are skipped. A token is printable ASCII
// without spaces (it travels as gRPC metadata). Unknown keys, duplicate
// tokens and malformed values are errors, so a typo never drops a quota.
class TokenTable {
 public:
  static Result<TokenTable> Parse(std::string_view text);
  static Result<TokenTable> Load(const std::string& path);

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  // The entry whose token equals `presented`, or null. Compares digests
  // against every entry without an early exit, so the time taken says
  // nothing about how much of a token matched or which one did.
  const TokenEntry* Find(std::string_view presented) const;

 private:
  std::vector<TokenEntry> entries_;
  std::vector<std::string> digests_;  // SHA-256 of each token, same order
};

// The device-memory quota (MiB) that `token` carries in `tokens`, if any.
std::optional<uint64_t> QuotaMibForToken(const TokenTable& tokens, std::string_view token);

}  // namespace vgpu::server
