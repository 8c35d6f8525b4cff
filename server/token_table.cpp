#include "server/token_table.h"

#include <charconv>
#include <fstream>
#include <iterator>
#include <set>

#include "common/sha256.h"

namespace vgpu::server {
namespace {

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
  std::ifstream file(path, std::ios::binary);
  if (!file) return InvalidValue("cannot read token file " + path);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto table = Parse(text);
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

}  // namespace vgpu::server
