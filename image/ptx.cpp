#include "image/ptx.h"

#include <cctype>

namespace vgpu::image {

Result<uint32_t> PtxTargetSm(std::string_view ptx) {
  constexpr std::string_view kTarget = ".target";
  size_t pos = 0;
  while ((pos = ptx.find(kTarget, pos)) != std::string_view::npos) {
    size_t p = pos + kTarget.size();
    pos = p;
    // Require a word boundary and whitespace after the directive.
    if (p >= ptx.size() || (ptx[p] != ' ' && ptx[p] != '\t')) continue;
    while (p < ptx.size() && (ptx[p] == ' ' || ptx[p] == '\t')) ++p;
    // First target in the list: sm_XY or compute_XY.
    std::string_view rest = ptx.substr(p);
    size_t prefix = rest.starts_with("sm_") ? 3 : rest.starts_with("compute_") ? 8 : 0;
    if (prefix == 0) return InvalidImage("PTX: unrecognised .target");
    uint32_t sm = 0;
    size_t digits = 0;
    for (size_t i = prefix; i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i])) && digits < 4;
         ++i, ++digits) {
      sm = sm * 10 + static_cast<uint32_t>(rest[i] - '0');
    }
    if (digits == 0 || sm == 0) return InvalidImage("PTX: unrecognised .target");
    return sm;
  }
  return InvalidImage("PTX: no .target directive");
}

}  // namespace vgpu::image
