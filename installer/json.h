// A small JSON value with a reader and a pretty writer, enough for the
// installer's manifest (no JSON library is available on the build hosts).
// Numbers are int64 only: the manifest holds no fractions.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace vgpu::installer {

class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::map<std::string, Json>;

  Json() = default;  // null
  Json(bool b) : v_(b) {}                                    // NOLINT
  Json(int64_t n) : v_(n) {}                                 // NOLINT
  Json(int n) : v_(static_cast<int64_t>(n)) {}               // NOLINT
  Json(uint32_t n) : v_(static_cast<int64_t>(n)) {}          // NOLINT
  Json(std::string s) : v_(std::move(s)) {}                  // NOLINT
  Json(const char* s) : v_(std::string(s)) {}                // NOLINT
  Json(Array a) : v_(std::move(a)) {}                        // NOLINT
  Json(Object o) : v_(std::move(o)) {}                       // NOLINT

  bool is_null() const { return v_.index() == 0; }
  bool is_bool() const { return v_.index() == 1; }
  bool is_int() const { return v_.index() == 2; }
  bool is_string() const { return v_.index() == 3; }
  bool is_array() const { return v_.index() == 4; }
  bool is_object() const { return v_.index() == 5; }

  // Typed reads with a fallback when the value has another type.
  bool AsBool(bool fallback = false) const { return is_bool() ? std::get<1>(v_) : fallback; }
  int64_t AsInt(int64_t fallback = 0) const { return is_int() ? std::get<2>(v_) : fallback; }
  const std::string& AsString() const;
  const Array& AsArray() const;
  const Object& AsObject() const;
  Array& MutableArray();
  Object& MutableObject();

  // Member of an object; a shared null when absent or not an object.
  const Json& operator[](const std::string& key) const;
  Json& operator[](const std::string& key) { return MutableObject()[key]; }
  bool Has(const std::string& key) const;

  // Two-space indented text, keys sorted, ending in a newline.
  std::string Dump() const;
  // Status-returning (not Result<Json>): GCC 12 warns falsely on moving this variant.
  static Status Parse(std::string_view text, Json* out);

  bool operator==(const Json& other) const { return v_ == other.v_; }

 private:
  void DumpTo(std::string* out, int indent) const;
  std::variant<std::monostate, bool, int64_t, std::string, Array, Object> v_;
};

}  // namespace vgpu::installer
