#include "server/session/limits.h"

namespace vgpu::server {

std::optional<Admission::Seat> Admission::TryAdmit() {
  size_t open = open_.load();
  do {
    if (open >= options_.max_sessions) return std::nullopt;
  } while (!open_.compare_exchange_weak(open, open + 1));
  return Seat(&open_);
}

std::string Admission::RefusalMessage() const {
  return "vgpu-server is serving its maximum of " + std::to_string(options_.max_sessions) +
         " sessions (--max-sessions); try again when one ends";
}

SessionLimits Admission::LimitsFor(std::optional<uint64_t> token_quota_mib) const {
  SessionLimits limits = options_.per_session;
  if (token_quota_mib) {
    limits.quota_bytes = *token_quota_mib >= (uint64_t{1} << 44) ? std::numeric_limits<uint64_t>::max()
                                                                  : *token_quota_mib << 20;
  }
  return limits;
}

}  // namespace vgpu::server
