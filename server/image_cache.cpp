#include "server/image_cache.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "common/log.h"
#include "common/sha256.h"

namespace vgpu::server {
namespace fs = std::filesystem;

ImageCache::ImageCache(std::string directory, uint64_t memory_limit, uint64_t disk_limit)
    : directory_(std::move(directory)), memory_limit_(memory_limit), disk_limit_(disk_limit) {
  if (directory_.empty()) return;
  std::error_code error;
  fs::create_directories(directory_, error);
  if (error) {
    VGPU_LOG(Warn, "images", "cache directory %s: %s", directory_.c_str(), error.message().c_str());
    return;
  }
  // What an earlier run left: its images count against the bound, and its
  // half-written files (a crash between write and rename) are removed.
  std::lock_guard lock(disk_mutex_);
  for (const auto& file : fs::directory_iterator(directory_, error)) {
    std::string name = file.path().filename().string();
    std::error_code file_error;
    if (IsDigest(name)) {
      disk_bytes_ += file.file_size(file_error);
    } else if (name.size() > 64 && IsDigest(name.substr(0, 64)) && name.compare(64, 4, ".tmp") == 0) {
      fs::remove(file.path(), file_error);
    }
  }
  EvictFromDisk("");
}

bool ImageCache::IsDigest(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

uint64_t ImageCache::disk_bytes() const {
  std::lock_guard lock(disk_mutex_);
  return disk_bytes_;
}

std::shared_ptr<const std::string> ImageCache::Find(const std::string& sha256) {
  if (!IsDigest(sha256)) return nullptr;
  const std::string path = directory_ + "/" + sha256;
  {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(sha256); it != entries_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      if (!directory_.empty()) {
        std::error_code error;  // recency on disk; the file may be gone
        fs::last_write_time(path, fs::file_time_type::clock::now(), error);
      }
      return it->second.bytes;
    }
  }
  if (directory_.empty()) return nullptr;
  std::ifstream file(path, std::ios::binary);
  if (!file) return nullptr;
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (Sha256Hex(bytes) != sha256) {
    VGPU_LOG(Warn, "images", "cached image %s is corrupt; ignoring it", sha256.c_str());
    return nullptr;
  }
  std::error_code error;
  fs::last_write_time(path, fs::file_time_type::clock::now(), error);
  auto shared = std::make_shared<const std::string>(std::move(bytes));
  std::lock_guard lock(mutex_);
  Remember(sha256, shared);
  return shared;
}

Result<std::shared_ptr<const std::string>> ImageCache::Verify(const std::string& sha256, std::string bytes) {
  if (!IsDigest(sha256)) return InvalidValue("image digest is not a SHA-256 hex string");
  if (Sha256Hex(bytes) != sha256) return InvalidValue("image bytes do not match their SHA-256 digest");
  return std::make_shared<const std::string>(std::move(bytes));
}

void ImageCache::Store(const std::string& sha256, std::shared_ptr<const std::string> bytes) {
  if (!IsDigest(sha256) || !bytes) return;
  {
    std::lock_guard lock(mutex_);
    Remember(sha256, bytes);  // no-op when a session stored it meanwhile
  }
  if (!directory_.empty()) WriteToDisk(sha256, *bytes);
}

void ImageCache::WriteToDisk(const std::string& sha256, const std::string& bytes) {
  if (bytes.size() > disk_limit_) return;  // would evict everything else and still not fit
  std::lock_guard lock(disk_mutex_);
  const std::string final_path = directory_ + "/" + sha256;
  std::error_code error;
  if (fs::exists(final_path, error)) return;
  const std::string temp_path = final_path + ".tmp" + std::to_string(reinterpret_cast<uintptr_t>(&bytes));
  std::ofstream file(temp_path, std::ios::binary);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  file.close();
  if (file) fs::rename(temp_path, final_path, error);
  if (!file || error) {
    fs::remove(temp_path, error);
    VGPU_LOG(Warn, "images", "could not store image %s on disk", sha256.c_str());
    return;
  }
  disk_bytes_ += bytes.size();
  EvictFromDisk(sha256);
}

void ImageCache::EvictFromDisk(const std::string& keep) {
  if (disk_bytes_ <= disk_limit_) return;
  struct File {
    fs::path path;
    fs::file_time_type used;
    uint64_t size;
  };
  std::vector<File> files;
  std::error_code error;
  uint64_t total = 0;
  for (const auto& entry : fs::directory_iterator(directory_, error)) {
    std::string name = entry.path().filename().string();
    if (!IsDigest(name)) continue;
    std::error_code file_error;
    File file{entry.path(), entry.last_write_time(file_error), entry.file_size(file_error)};
    if (file_error) continue;
    total += file.size;
    if (name != keep) files.push_back(std::move(file));
  }
  disk_bytes_ = total;  // what is really there, whoever else wrote to it
  std::sort(files.begin(), files.end(), [](const File& a, const File& b) { return a.used < b.used; });
  for (const File& file : files) {
    if (disk_bytes_ <= disk_limit_) break;
    if (fs::remove(file.path, error)) {
      disk_bytes_ -= file.size;
      VGPU_LOG(Debug, "images", "evicted %s from the disk cache", file.path.filename().c_str());
    }
  }
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
