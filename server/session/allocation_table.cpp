#include "server/session/allocation_table.h"

#include "common/hex.h"

namespace vgpu::server {

Status AllocationTable::Remove(uint64_t dptr) {
  auto it = allocations_.find(dptr);
  if (it == allocations_.end() || it->second.module != 0) {
    return InvalidValue(Hex(dptr) + " is not an allocation of this session");
  }
  allocations_.erase(it);
  return Status();
}

void AllocationTable::RemoveModule(uint64_t ctx, uint64_t module) {
  std::erase_if(allocations_, [&](const auto& entry) {
    return entry.second.ctx == ctx && entry.second.module == module;
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
  std::erase_if(allocations_, [ctx](const auto& entry) { return entry.second.ctx == ctx; });
}

}  // namespace vgpu::server
