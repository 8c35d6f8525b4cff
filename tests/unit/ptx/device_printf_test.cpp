// Device printf formatting against the host's printf, on argument buffers packed as nvcc
// packs them (natural alignment, char/short as int, float as double).
#include <cstring>
#include <vector>

#include <catch2/catch.hpp>

#include "server/backends/emu/ptx/device_printf.h"

namespace vgpu::ptx {
namespace {

class Packer {
 public:
  template <typename T>
  Packer& Put(T v) {
    size_t at = (bytes_.size() + sizeof(T) - 1) / sizeof(T) * sizeof(T);
    bytes_.resize(at + sizeof(T));
    std::memcpy(bytes_.data() + at, &v, sizeof(T));
    return *this;
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

std::optional<std::string> Strings(uint64_t address) {
  if (address == 0x1000) return std::string("device text");
  return std::nullopt;
}

std::string Format(const char* f, const Packer& p) { return FormatDevicePrintf(f, p.bytes(), Strings); }

TEST_CASE("printf conversions match the host's on nvcc's argument layout", "[ptx][printf]") {
  // int, double, pointer, long long, char-as-int, short-as-int, as in nvcc's PTX for
  // printf("%d %f %s %lld %c %hu", ...).
  Packer p;
  p.Put<int32_t>(-42).Put<double>(3.25).Put<uint64_t>(0x1000).Put<int64_t>(-1234567890123ll).Put<int32_t>('x').Put<int32_t>(65535);
  const char* f = "%d %f %s %lld %c %hu\n";
  CHECK(DevicePrintfArgBytes(f) == p.bytes().size());
  CHECK(Format(f, p) == "-42 3.250000 device text -1234567890123 x 65535\n");
}

TEST_CASE("flags, widths, precisions and * take their own int arguments", "[ptx][printf]") {
  Packer p;
  p.Put<int32_t>(8).Put<int32_t>(3).Put<double>(2.5).Put<int32_t>(255).Put<uint32_t>(7u);
  const char* f = "[%*.*f] [%-6x] [%05u] 100%%";
  CHECK(DevicePrintfArgBytes(f) == 24);
  char host[64];
  std::snprintf(host, sizeof host, "[%*.*f] [%-6x] [%05u] 100%%", 8, 3, 2.5, 255, 7u);
  CHECK(Format(f, p) == host);
}

TEST_CASE("e, g and a conversions, and a 64-bit unsigned", "[ptx][printf]") {
  Packer p;
  p.Put<double>(12345.678).Put<double>(0.0001).Put<double>(1.0).Put<uint64_t>(~0ull);
  char host[128];
  std::snprintf(host, sizeof host, "%.3e %g %a %llu", 12345.678, 0.0001, 1.0, ~0ull);
  CHECK(Format("%.3e %g %a %llu", p) == host);
}

TEST_CASE("%s of a null or unreadable pointer, %p, and what CUDA does not convert", "[ptx][printf]") {
  Packer p;
  p.Put<uint64_t>(0).Put<uint64_t>(0x2000).Put<uint64_t>(0xabc);
  CHECK(Format("%s|%s|%p|%n|end", p) == "(null)|(invalid)|0xabc|%n|end");
}

TEST_CASE("a buffer shorter than the format reads zeros, never past its end", "[ptx][printf]") {
  Packer p;
  p.Put<int32_t>(5);
  CHECK(Format("%d %d %f", p) == "5 0 0.000000");
  CHECK(Format("no conversions", Packer()) == "no conversions");
}

}  // namespace
}  // namespace vgpu::ptx
