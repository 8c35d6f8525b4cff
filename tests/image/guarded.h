// Copies bytes so that they end exactly at a PROT_NONE page: any read past the
// end faults, which turns an over-read into a test crash instead of silence.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <span>

namespace vgpu::image::testing {

class GuardedBuffer {
 public:
  explicit GuardedBuffer(std::span<const uint8_t> bytes) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    data_pages_ = (bytes.size() + page - 1) / page * page;
    if (data_pages_ == 0) data_pages_ = page;
    total_ = data_pages_ + page;
    void* m = mmap(nullptr, total_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    base_ = m == MAP_FAILED ? nullptr : static_cast<uint8_t*>(m);
    if (base_ == nullptr) return;
    mprotect(base_ + data_pages_, page, PROT_NONE);
    data_ = base_ + data_pages_ - bytes.size();
    std::memcpy(data_, bytes.data(), bytes.size());
  }
  ~GuardedBuffer() {
    if (base_ != nullptr) munmap(base_, total_);
  }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  const uint8_t* data() const { return data_; }
  bool ok() const { return base_ != nullptr; }

 private:
  uint8_t* base_ = nullptr;
  uint8_t* data_ = nullptr;
  size_t data_pages_ = 0;
  size_t total_ = 0;
};

}  // namespace vgpu::image::testing
