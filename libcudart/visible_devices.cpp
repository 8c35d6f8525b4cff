#include "libcudart/visible_devices.h"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace vgpu::rt {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  }
  return true;
}

// Returns the driver ordinal for one entry, or -1 if it selects nothing.
int Resolve(std::string_view entry, const std::vector<DriverDeviceId>& devices) {
  if (entry.empty()) return -1;
  if (StartsWithNoCase(entry, "GPU-")) {
    if (entry.size() <= 4) return -1;
    int found = -1;
    for (const DriverDeviceId& d : devices) {
      if (StartsWithNoCase(d.uuid, entry)) {
        if (found >= 0) return -1;  // ambiguous prefix
        found = d.ordinal;
      }
    }
    return found;
  }
  // Numeric: leading digits count; anything else ends the list (as CUDA does).
  long value = 0;
  size_t i = 0;
  for (; i < entry.size() && std::isdigit(static_cast<unsigned char>(entry[i])); ++i) {
    value = value * 10 + (entry[i] - '0');
    if (value > 1 << 20) return -1;
  }
  if (i == 0 || i != entry.size()) return -1;
  for (const DriverDeviceId& d : devices) {
    if (d.ordinal == value) return d.ordinal;
  }
  return -1;
}

}  // namespace

std::vector<int> ParseVisibleDevices(const char* spec, const std::vector<DriverDeviceId>& devices) {
  std::vector<int> out;
  if (spec == nullptr) {
    for (const DriverDeviceId& d : devices) out.push_back(d.ordinal);
    return out;
  }
  std::string_view rest(spec);
  while (true) {
    size_t comma = rest.find(',');
    std::string_view entry = Trim(rest.substr(0, comma));
    int ordinal = Resolve(entry, devices);
    if (ordinal < 0 || std::find(out.begin(), out.end(), ordinal) != out.end()) break;
    out.push_back(ordinal);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace vgpu::rt
