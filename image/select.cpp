#include "image/select.h"

namespace vgpu::image {
namespace {

const Entry* Best(const std::vector<Entry>& entries, Entry::Kind kind, uint32_t sm, bool same_major) {
  const Entry* best = nullptr;
  for (const Entry& e : entries) {
    if (e.kind != kind || e.sm == 0 || e.sm > sm) continue;
    if (same_major && e.sm / 10 != sm / 10) continue;
    if (best == nullptr || e.sm > best->sm) best = &e;
  }
  return best;
}

}  // namespace

const Entry* SelectForDevice(const std::vector<Entry>& entries, uint32_t sm, bool want_ptx) {
  if (!want_ptx) {
    if (const Entry* cubin = Best(entries, Entry::Kind::kCubin, sm, /*same_major=*/true)) return cubin;
  }
  return Best(entries, Entry::Kind::kPtx, sm, /*same_major=*/false);
}

}  // namespace vgpu::image
