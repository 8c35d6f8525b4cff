// vgpu::Status and vgpu::Result<T>: a CUresult plus a message, used everywhere
// inside vgpu. C entry points convert to CUresult / cudaError_t at the boundary.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace vgpu {

// Numeric codes are CUresult values (cuda.h), so a Status converts to the
// driver's error with no table. Only the codes vgpu itself produces are named.
enum class Code : int32_t {
  kOk = 0,
  kInvalidValue = 1,
  kOutOfMemory = 2,
  kNotInitialized = 3,
  kDeinitialized = 4,
  kNoDevice = 100,
  kInvalidDevice = 101,
  kInvalidImage = 200,
  kInvalidContext = 201,
  kNoBinaryForGpu = 209,
  kInvalidSource = 300,
  kFileNotFound = 301,
  kInvalidHandle = 400,
  kNotFound = 500,
  kNotReady = 600,
  kIllegalAddress = 700,
  kLaunchOutOfResources = 701,
  kLaunchTimeout = 702,
  kAssert = 710,
  kLaunchFailed = 719,
  kNotPermitted = 800,
  kNotSupported = 801,
  kDeviceUnavailable = 46,
  kUnknown = 999,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  int32_t raw_code() const { return static_cast<int32_t>(code_); }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidValue(std::string m) { return Status(Code::kInvalidValue, std::move(m)); }
inline Status InvalidHandle(std::string m) { return Status(Code::kInvalidHandle, std::move(m)); }
inline Status NotSupported(std::string m) { return Status(Code::kNotSupported, std::move(m)); }
inline Status IllegalAddress(std::string m) { return Status(Code::kIllegalAddress, std::move(m)); }
inline Status InvalidImage(std::string m) { return Status(Code::kInvalidImage, std::move(m)); }
inline Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
inline Status OutOfMemory(std::string m) { return Status(Code::kOutOfMemory, std::move(m)); }

// Shaped like std::expected<T, Status> (GCC 12 has no <expected> in C++20).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be ok

  bool ok() const { return v_.index() == 0; }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  Status status() const { return ok() ? Status() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

#define VGPU_CONCAT_INNER(a, b) a##b
#define VGPU_CONCAT(a, b) VGPU_CONCAT_INNER(a, b)

#define VGPU_RETURN_IF_ERROR(expr)          \
  do {                                      \
    ::vgpu::Status vgpu_status_ = (expr);   \
    if (!vgpu_status_.ok()) return vgpu_status_; \
  } while (0)

#define VGPU_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

#define VGPU_ASSIGN_OR_RETURN(lhs, expr) \
  VGPU_ASSIGN_OR_RETURN_IMPL(VGPU_CONCAT(vgpu_result_, __LINE__), lhs, expr)

}  // namespace vgpu
