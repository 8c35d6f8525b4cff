// Text a context's kernels wrote for the host: device printf (stdout) and failed device
// asserts (stderr). Kernels append while they run; the session takes everything at each
// synchronizing reply, so the client prints it when CUDA would. Thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace vgpu::backend {

class DeviceOutput {
 public:
  // CUDA's default printf FIFO (cudaLimitPrintfFifoSize) is 1 MiB; text past it between
  // two synchronizations is dropped, and counted.
  static constexpr size_t kLimit = 1 << 20;

  struct Text {
    std::string out, err;
    uint64_t dropped = 0;
    bool empty() const { return out.empty() && err.empty() && dropped == 0; }
  };

  void Printf(std::string_view text) {
    std::lock_guard lock(mutex_);
    size_t room = kLimit - std::min(kLimit, text_.out.size());
    size_t take = std::min(room, text.size());
    text_.out.append(text.substr(0, take));
    text_.dropped += text.size() - take;
  }
  void Error(std::string_view text) {
    std::lock_guard lock(mutex_);
    if (text_.err.size() < kLimit) text_.err.append(text);
  }
  Text Take() {
    std::lock_guard lock(mutex_);
    Text t = std::move(text_);
    text_ = Text();
    return t;
  }

 private:
  std::mutex mutex_;
  Text text_;
};

}  // namespace vgpu::backend
