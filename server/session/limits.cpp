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

SessionLimits Admission::LimitsFor(std::string_view token) const {
  SessionLimits limits = options_.per_session;
  if (options_.quota_for_token) limits.quota_bytes = options_.quota_for_token(token);
  return limits;
}

}  // namespace vgpu::server
