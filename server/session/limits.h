// What one client may hold on the server, and how many clients it serves at
// once. A cap reached is the CUDA error a real driver gives when it runs out
// (CUDA_ERROR_OUT_OF_MEMORY) with a message naming the server option.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace vgpu::server {

struct SessionLimits {
  // Device memory over every allocation path (cuMemAlloc and module
  // variables); MemGetInfo reports it as the device's total.
  uint64_t quota_bytes = std::numeric_limits<uint64_t>::max();
  size_t max_contexts = 64;
  size_t max_streams = 4096;
  size_t max_events = 65536;
  size_t max_modules = 4096;
};

// Admission of sessions and the limits each one gets.
class Admission {
 public:
  struct Options {
    size_t max_sessions = 256;
    SessionLimits per_session;
  };

  // One open session; gives its seat back when destroyed.
  class Seat {
   public:
    explicit Seat(std::atomic<size_t>* open) : open_(open) {}
    Seat(Seat&& other) noexcept : open_(other.open_) { other.open_ = nullptr; }
    Seat(const Seat&) = delete;
    Seat& operator=(const Seat&) = delete;
    Seat& operator=(Seat&&) = delete;
    ~Seat() {
      if (open_ != nullptr) --*open_;
    }

   private:
    std::atomic<size_t>* open_;
  };

  explicit Admission(Options options) : options_(std::move(options)) {}

  // A seat, or nullopt when max_sessions sessions are open.
  std::optional<Seat> TryAdmit();
  // True while a new session would be refused (asked at Hello).
  bool Full() const { return open_.load() >= options_.max_sessions; }
  // The message a refused client sees.
  std::string RefusalMessage() const;
  // The limits of a client whose token (a --token-file line) carries
  // `token_quota_mib`; without one, the --quota-mib default applies.
  SessionLimits LimitsFor(std::optional<uint64_t> token_quota_mib) const;
  size_t open() const { return open_.load(); }

 private:
  const Options options_;
  std::atomic<size_t> open_{0};
};

}  // namespace vgpu::server
