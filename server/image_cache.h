// Module images by content address (SHA-256), shared by every session, so an
// image crosses the network once per server (design principle 5). Kept in
// memory and, with a cache directory, on disk across restarts.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/status.h"

namespace vgpu::server {

class ImageCache {
 public:
  // `directory` may be empty (memory only). `memory_limit` bounds the bytes
  // kept in memory; the least recently used images go first.
  ImageCache(std::string directory, uint64_t memory_limit);

  // The image with this digest, or nullptr when neither memory nor disk has it.
  std::shared_ptr<const std::string> Find(const std::string& sha256);
  // Verifies the digest of `bytes` and stores them.
  Result<std::shared_ptr<const std::string>> Insert(const std::string& sha256, std::string bytes);

  static bool IsDigest(const std::string& text);

 private:
  void Remember(const std::string& sha256, std::shared_ptr<const std::string> bytes);  // mutex_ held

  const std::string directory_;
  const uint64_t memory_limit_;
  std::mutex mutex_;
  uint64_t memory_bytes_ = 0;
  std::list<std::string> lru_;  // front = most recent
  struct Entry {
    std::shared_ptr<const std::string> bytes;
    std::list<std::string>::iterator lru;
  };
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace vgpu::server
