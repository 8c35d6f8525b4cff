#include "image/nv_info.h"

#include <string>

#include "image/bytes.h"

namespace vgpu::image::nvinfo {

Result<std::vector<Record>> ParseRecords(std::span<const uint8_t> s) {
  std::vector<Record> out;
  size_t pos = 0;
  while (pos < s.size()) {
    if (s.size() - pos < 4) return InvalidImage(".nv.info: truncated record at " + std::to_string(pos));
    Record r{s[pos], s[pos + 1], LoadLe<uint16_t>(s.data() + pos + 2), {}};
    pos += 4;
    if (r.format == kSval) {
      if (r.value > s.size() - pos) return InvalidImage(".nv.info: record payload past the section end");
      r.data = s.subspan(pos, r.value);
      pos += r.value;
    } else if (r.format != kNval && r.format != kBval && r.format != kHval) {
      return InvalidImage(".nv.info: unknown record format " + std::to_string(r.format));
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace vgpu::image::nvinfo
