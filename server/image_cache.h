// Module images by content address (SHA-256), shared by every session, so an
// image crosses the network once per server (design principle 5). Kept in
// memory and, with a cache directory, on disk across restarts. Only images a
// backend accepted are stored (Verify, then Store after the load), and both
// levels are bounded: the least recently used images go first. On disk, a
// file's modification time is its recency (Find touches it), so the order
// survives restarts.
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
  // kept in memory, `disk_limit` those in `directory`.
  ImageCache(std::string directory, uint64_t memory_limit, uint64_t disk_limit = 1ull << 30);

  // The image with this digest, or nullptr when neither memory nor disk has it.
  std::shared_ptr<const std::string> Find(const std::string& sha256);
  // Checks that `bytes` have this digest; stores nothing.
  static Result<std::shared_ptr<const std::string>> Verify(const std::string& sha256, std::string bytes);
  // Keeps an image Verify returned, once a backend has loaded it.
  void Store(const std::string& sha256, std::shared_ptr<const std::string> bytes);

  static bool IsDigest(const std::string& text);

  uint64_t disk_bytes() const;

 private:
  void Remember(const std::string& sha256, std::shared_ptr<const std::string> bytes);  // mutex_ held
  void WriteToDisk(const std::string& sha256, const std::string& bytes);
  // Removes the least recently used files until the directory fits;
  // never `keep`, the file just written. disk_mutex_ held.
  void EvictFromDisk(const std::string& keep);

  const std::string directory_;
  const uint64_t memory_limit_;
  const uint64_t disk_limit_;
  std::mutex mutex_;
  uint64_t memory_bytes_ = 0;
  std::list<std::string> lru_;  // front = most recent
  struct Entry {
    std::shared_ptr<const std::string> bytes;
    std::list<std::string>::iterator lru;
  };
  std::unordered_map<std::string, Entry> entries_;
  mutable std::mutex disk_mutex_;
  uint64_t disk_bytes_ = 0;  // of the digest-named files in directory_
};

}  // namespace vgpu::server
