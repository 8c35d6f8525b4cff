#include "server/session/allocation_table.h"

#include "common/hex.h"

namespace vgpu::server {

void AllocationTable::Add(uint64_t dptr, uint64_t size, uint64_t ctx, uint64_t module) {
  auto [it, inserted] = allocations_.try_emplace(dptr, Allocation{size, ctx, module});
  if (!inserted) {
    bytes_ -= it->second.size;
    it->second = {size, ctx, module};
  }
  bytes_ += size;
}

Status AllocationTable::Remove(uint64_t dptr) {
  auto it = allocations_.find(dptr);
  if (it == allocations_.end() || it->second.module != 0) {
    return InvalidValue(Hex(dptr) + " is not an allocation of this session");
  }
  bytes_ -= it->second.size;
  allocations_.erase(it);
  return Status();
}

void AllocationTable::RemoveModule(uint64_t ctx, uint64_t module) {
  std::erase_if(allocations_, [&](const auto& entry) {
    bool drop = entry.second.ctx == ctx && entry.second.module == module;
    if (drop) bytes_ -= entry.second.size;
    return drop;
  });
}

Status AllocationTable::Check(uint64_t dptr, uint64_t size) const {
  auto it = allocations_.upper_bound(dptr);
  if (it != allocations_.begin()) {
    --it;
    uint64_t offset = dptr - it->first;
    if (offset <= it->second.size && size <= it->second.size - offset) return Status();
  }
  return InvalidValue("device range " + Hex(dptr) + "+" + std::to_string(size) +
                      " is not inside an allocation of this session");
}

void AllocationTable::RemoveContext(uint64_t ctx) {
  std::erase_if(allocations_, [&](const auto& entry) {
    bool drop = entry.second.ctx == ctx;
    if (drop) bytes_ -= entry.second.size;
    return drop;
  });
}

}  // namespace vgpu::server
