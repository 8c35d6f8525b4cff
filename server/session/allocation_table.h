// The device allocations a session owns, for range checks: every device
// range a call names must lie inside one of them.
#pragma once

#include <cstdint>
#include <map>

#include "common/status.h"

namespace vgpu::server {

class AllocationTable {
 public:
  struct Allocation {
    uint64_t size;
    uint64_t ctx;
    uint64_t module;  // nonzero for a module's variable, which cuMemFree must not free
  };

  void Add(uint64_t dptr, uint64_t size, uint64_t ctx, uint64_t module = 0);
  // Removes an allocation made by MemAlloc.
  Status Remove(uint64_t dptr);
  // Drops the variables of an unloaded module.
  void RemoveModule(uint64_t ctx, uint64_t module);
  // OK when [dptr, dptr+size) lies inside one allocation of this session.
  Status Check(uint64_t dptr, uint64_t size) const;
  // Drops every allocation of a destroyed context.
  void RemoveContext(uint64_t ctx);
  // Device memory the session holds: allocations and module variables.
  uint64_t bytes() const { return bytes_; }

 private:
  std::map<uint64_t, Allocation> allocations_;
  uint64_t bytes_ = 0;
};

}  // namespace vgpu::server
