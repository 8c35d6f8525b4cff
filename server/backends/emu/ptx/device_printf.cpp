#include "server/backends/emu/ptx/device_printf.h"

#include <cstdio>
#include <cstring>

namespace vgpu::ptx {
namespace {

// One conversion specification: "%-08.3lld" split into what printf needs.
struct Spec {
  std::string flags;
  bool width_star = false, precision_star = false;
  std::string width, precision;  // digits as written
  bool has_precision = false;
  std::string length;            // "", "h", "hh", "l", "ll", "L", "z", "j", "t"
  char conversion = 0;
  size_t end = 0;                // index after the conversion character
};

bool IsFlag(char c) { return c == '-' || c == '+' || c == ' ' || c == '#' || c == '0'; }

// Parses the specification that starts after the '%' at `at`.
Spec ParseSpec(std::string_view f, size_t at) {
  Spec s;
  size_t i = at;
  while (i < f.size() && IsFlag(f[i])) s.flags += f[i++];
  if (i < f.size() && f[i] == '*') {
    s.width_star = true;
    ++i;
  } else {
    while (i < f.size() && f[i] >= '0' && f[i] <= '9') s.width += f[i++];
  }
  if (i < f.size() && f[i] == '.') {
    s.has_precision = true;
    ++i;
    if (i < f.size() && f[i] == '*') {
      s.precision_star = true;
      ++i;
    } else {
      while (i < f.size() && f[i] >= '0' && f[i] <= '9') s.precision += f[i++];
    }
  }
  while (i < f.size() && std::strchr("hlLzjt", f[i]) && s.length.size() < 2) s.length += f[i++];
  if (i < f.size()) s.conversion = f[i++];
  s.end = i;
  return s;
}

enum class Arg { kNone, kInt32, kInt64, kDouble, kPointer };

Arg ArgOf(const Spec& s) {
  switch (s.conversion) {
    case 'd': case 'i': case 'u': case 'o': case 'x': case 'X': case 'c':
      return s.length == "l" || s.length == "ll" || s.length == "z" || s.length == "j" || s.length == "t"
                 ? Arg::kInt64
                 : Arg::kInt32;
    case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A':
      return Arg::kDouble;
    case 's': case 'p':
      return Arg::kPointer;
    default:
      return Arg::kNone;
  }
}

size_t ArgSize(Arg a) { return a == Arg::kNone ? 0 : a == Arg::kInt32 ? 4 : 8; }

// Walks the argument buffer as nvcc laid it out.
class ArgReader {
 public:
  explicit ArgReader(std::span<const uint8_t> args) : args_(args) {}
  // Reserves the next argument of `size` bytes; returns its offset.
  size_t Next(size_t size) {
    pos_ = (pos_ + size - 1) / size * size;
    size_t at = pos_;
    pos_ += size;
    return at;
  }
  size_t end() const { return pos_; }
  template <typename T>
  T Read(size_t size) {
    size_t at = Next(size);
    T v{};
    if (at + sizeof(T) <= args_.size()) std::memcpy(&v, args_.data() + at, sizeof(T));
    return v;
  }

 private:
  std::span<const uint8_t> args_;
  size_t pos_ = 0;
};

template <typename... T>
std::string Snprintf(const std::string& spec, T... values) {
  int n = std::snprintf(nullptr, 0, spec.c_str(), values...);
  if (n <= 0) return {};
  std::string out(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(out.data(), out.size(), spec.c_str(), values...);
  out.resize(static_cast<size_t>(n));
  return out;
}

// Walks `format`, calling on_literal for plain text and on_spec for each conversion.
template <typename Literal, typename Conversion>
void Walk(std::string_view f, Literal on_literal, Conversion on_spec) {
  size_t i = 0;
  while (i < f.size()) {
    size_t pct = f.find('%', i);
    if (pct == std::string_view::npos) {
      on_literal(f.substr(i));
      return;
    }
    on_literal(f.substr(i, pct - i));
    if (pct + 1 < f.size() && f[pct + 1] == '%') {
      on_literal("%");
      i = pct + 2;
      continue;
    }
    Spec s = ParseSpec(f, pct + 1);
    on_spec(s, f.substr(pct, s.end - pct));
    i = s.end;
  }
}

}  // namespace

size_t DevicePrintfArgBytes(std::string_view format) {
  ArgReader r({});
  Walk(format, [](std::string_view) {}, [&](const Spec& s, std::string_view) {
    if (ArgOf(s) == Arg::kNone) return;
    if (s.width_star) r.Next(4);
    if (s.precision_star) r.Next(4);
    r.Next(ArgSize(ArgOf(s)));
  });
  return r.end();
}

std::string FormatDevicePrintf(std::string_view format, std::span<const uint8_t> args,
                               const ReadDeviceString& read_string) {
  std::string out;
  ArgReader r(args);
  Walk(format, [&](std::string_view text) { out += text; }, [&](const Spec& s, std::string_view written) {
    Arg arg = ArgOf(s);
    if (arg == Arg::kNone) {
      out += written;
      return;
    }
    std::string spec = "%" + s.flags;
    spec += s.width_star ? std::to_string(r.Read<int32_t>(4)) : s.width;
    if (s.has_precision) spec += "." + (s.precision_star ? std::to_string(r.Read<int32_t>(4)) : s.precision);
    switch (arg) {
      case Arg::kInt32:
        spec += (s.length == "h" || s.length == "hh") ? s.length : "";
        out += Snprintf(spec + s.conversion, r.Read<int32_t>(4));
        break;
      case Arg::kInt64:
        out += Snprintf(spec + "ll" + s.conversion, static_cast<long long>(r.Read<int64_t>(8)));
        break;
      case Arg::kDouble:
        out += Snprintf(spec + s.conversion, r.Read<double>(8));
        break;
      case Arg::kPointer: {
        uint64_t p = r.Read<uint64_t>(8);
        if (s.conversion == 'p') {
          out += Snprintf(spec + "s", Snprintf("0x%llx", static_cast<unsigned long long>(p)).c_str());
          break;
        }
        std::optional<std::string> text = p ? read_string(p) : std::optional<std::string>("(null)");
        out += Snprintf(spec + "s", text ? text->c_str() : "(invalid)");
        break;
      }
      case Arg::kNone:
        break;
    }
  });
  return out;
}

}  // namespace vgpu::ptx
