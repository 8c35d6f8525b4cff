#include "server/image_cache.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/log.h"
#include "common/sha256.h"

namespace vgpu::server {

ImageCache::ImageCache(std::string directory, uint64_t memory_limit)
    : directory_(std::move(directory)), memory_limit_(memory_limit) {
  if (!directory_.empty()) {
    std::error_code error;
    std::filesystem::create_directories(directory_, error);
    if (error) VGPU_LOG(Warn, "images", "cache directory %s: %s", directory_.c_str(), error.message().c_str());
  }
}

bool ImageCache::IsDigest(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::shared_ptr<const std::string> ImageCache::Find(const std::string& sha256) {
  if (!IsDigest(sha256)) return nullptr;
  {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(sha256); it != entries_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      return it->second.bytes;
    }
  }
  if (directory_.empty()) return nullptr;
  std::ifstream file(directory_ + "/" + sha256, std::ios::binary);
  if (!file) return nullptr;
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (Sha256Hex(bytes) != sha256) {
    VGPU_LOG(Warn, "images", "cached image %s is corrupt; ignoring it", sha256.c_str());
    return nullptr;
  }
  auto shared = std::make_shared<const std::string>(std::move(bytes));
  std::lock_guard lock(mutex_);
  Remember(sha256, shared);
  return shared;
}

Result<std::shared_ptr<const std::string>> ImageCache::Insert(const std::string& sha256, std::string bytes) {
  if (!IsDigest(sha256)) return InvalidValue("image digest is not a SHA-256 hex string");
  if (Sha256Hex(bytes) != sha256) return InvalidValue("image bytes do not match their SHA-256 digest");
  auto shared = std::make_shared<const std::string>(std::move(bytes));
  if (!directory_.empty()) {
    std::string final_path = directory_ + "/" + sha256;
    std::string temp_path = final_path + ".tmp" + std::to_string(reinterpret_cast<uintptr_t>(shared.get()));
    std::ofstream file(temp_path, std::ios::binary);
    file.write(shared->data(), static_cast<std::streamsize>(shared->size()));
    file.close();
    std::error_code error;
    if (file) std::filesystem::rename(temp_path, final_path, error);
    if (!file || error) {
      std::filesystem::remove(temp_path, error);
      VGPU_LOG(Warn, "images", "could not store image %s on disk", sha256.c_str());
    }
  }
  std::lock_guard lock(mutex_);
  Remember(sha256, shared);
  return shared;
}

void ImageCache::Remember(const std::string& sha256, std::shared_ptr<const std::string> bytes) {
  if (entries_.count(sha256)) return;
  memory_bytes_ += bytes->size();
  lru_.push_front(sha256);
  entries_[sha256] = Entry{std::move(bytes), lru_.begin()};
  while (memory_bytes_ > memory_limit_ && lru_.size() > 1) {
    auto& oldest = entries_[lru_.back()];
    memory_bytes_ -= oldest.bytes->size();
    entries_.erase(lru_.back());
    lru_.pop_back();
  }
}

}  // namespace vgpu::server
