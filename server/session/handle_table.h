// Maps the ids a client minted to the server's objects, per session. Every
// id from the wire is looked up here before use; an unknown id is an error
// naming the id, never a crash or another session's object.
#pragma once

#include <cinttypes>
#include <cstdio>
#include <unordered_map>
#include <utility>

#include "common/status.h"

namespace vgpu::server {

template <typename T>
class HandleTable {
 public:
  explicit HandleTable(const char* kind) : kind_(kind) {}

  Status Insert(uint64_t id, T value) {
    if (id == 0) return InvalidValue(Describe(id) + " is reserved");
    if (!table_.emplace(id, std::move(value)).second) return InvalidValue(Describe(id) + " already exists");
    return Status();
  }

  Result<T*> Find(uint64_t id) {
    auto it = table_.find(id);
    if (it == table_.end()) return InvalidHandle(Describe(id) + " is not a handle of this session");
    return &it->second;
  }

  Status Erase(uint64_t id) {
    if (table_.erase(id) == 0) return InvalidHandle(Describe(id) + " is not a handle of this session");
    return Status();
  }

  size_t size() const { return table_.size(); }
  auto begin() { return table_.begin(); }
  auto end() { return table_.end(); }
  auto begin() const { return table_.begin(); }
  auto end() const { return table_.end(); }
  void clear() { table_.clear(); }

 private:
  std::string Describe(uint64_t id) const {
    char text[64];
    std::snprintf(text, sizeof(text), "%s 0x%" PRIx64, kind_, id);
    return text;
  }

  const char* kind_;
  std::unordered_map<uint64_t, T> table_;
};

}  // namespace vgpu::server
