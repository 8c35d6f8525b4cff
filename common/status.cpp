#include "common/status.h"

namespace vgpu {

std::string Status::ToString() const {
  if (ok()) return "OK";
  return "error " + std::to_string(raw_code()) + ": " + message_;
}

}  // namespace vgpu
