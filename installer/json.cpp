#include "installer/json.h"

#include <cstdio>

namespace vgpu::installer {
namespace {

const Json& NullJson() {
  static const Json kNull;
  return kNull;
}

void DumpString(std::string* out, const std::string& s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          *out += buf;
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Recursive-descent reader over a string_view; depth-limited so hostile
// input cannot exhaust the stack.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Status ParseDocument(Json* value) {
    VGPU_RETURN_IF_ERROR(ParseValue(value, 0));
    SkipSpace();
    if (pos_ != text_.size()) return Error("trailing characters");
    return Status::Ok();
  }

 private:
  Status Error(const std::string& what) const {
    return InvalidValue("JSON: " + what + " at offset " + std::to_string(pos_));
  }

  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }

  bool Consume(std::string_view word) {
    if (text_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      return true;
    }
    return false;
  }

  Status ParseValue(Json* out, int depth) {
    if (depth > 64) return Error("nesting too deep");
    SkipSpace();
    if (pos_ >= text_.size()) return Error("unexpected end");
    char c = text_[pos_];
    if (c == '{') return ParseObject(out, depth);
    if (c == '[') return ParseArray(out, depth);
    if (c == '"') {
      std::string s;
      VGPU_RETURN_IF_ERROR(ParseString(&s));
      *out = Json(std::move(s));
      return Status::Ok();
    }
    if (Consume("true")) { *out = Json(true); return Status::Ok(); }
    if (Consume("false")) { *out = Json(false); return Status::Ok(); }
    if (Consume("null")) { *out = Json(); return Status::Ok(); }
    if (c == '-' || (c >= '0' && c <= '9')) return ParseInt(out);
    return Error(std::string("unexpected character '") + c + "'");
  }

  Status ParseInt(Json* out) {
    bool negative = false;
    if (text_[pos_] == '-') {
      negative = true;
      ++pos_;
    }
    if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9') return Error("bad number");
    uint64_t value = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      uint64_t digit = static_cast<uint64_t>(text_[pos_] - '0');
      if (value > (UINT64_MAX - digit) / 10) return Error("number too large");
      value = value * 10 + digit;
      ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E')) {
      return Error("only integers are supported");
    }
    if (value > static_cast<uint64_t>(INT64_MAX)) return Error("number too large");
    int64_t signed_value = static_cast<int64_t>(value);
    *out = Json(negative ? -signed_value : signed_value);
    return Status::Ok();
  }

  Status ParseHex4(uint32_t* cp) {
    if (pos_ + 4 > text_.size()) return Error("short \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char h = text_[pos_++];
      v <<= 4;
      if (h >= '0' && h <= '9') v |= static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') v |= static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') v |= static_cast<uint32_t>(h - 'A' + 10);
      else return Error("bad \\u escape");
    }
    *cp = v;
    return Status::Ok();
  }

  Status ParseString(std::string* out) {
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= text_.size()) return Error("unterminated string");
      char c = text_[pos_++];
      if (c == '"') return Status::Ok();
      if (static_cast<unsigned char>(c) < 0x20) return Error("control character in string");
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) return Error("unterminated escape");
      char e = text_[pos_++];
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          uint32_t cp = 0;
          VGPU_RETURN_IF_ERROR(ParseHex4(&cp));
          if (cp >= 0xD800 && cp < 0xDC00 && text_.substr(pos_, 2) == "\\u") {
            pos_ += 2;
            uint32_t low = 0;
            VGPU_RETURN_IF_ERROR(ParseHex4(&low));
            if (low < 0xDC00 || low > 0xDFFF) return Error("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(out, cp);
          break;
        }
        default:
          return Error("bad escape");
      }
    }
  }

  Status ParseArray(Json* out, int depth) {
    ++pos_;
    Json::Array items;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      *out = Json(std::move(items));
      return Status::Ok();
    }
    while (true) {
      Json item;
      VGPU_RETURN_IF_ERROR(ParseValue(&item, depth + 1));
      items.push_back(std::move(item));
      SkipSpace();
      if (pos_ >= text_.size()) return Error("unterminated array");
      char c = text_[pos_++];
      if (c == ']') break;
      if (c != ',') return Error("expected ',' or ']'");
    }
    *out = Json(std::move(items));
    return Status::Ok();
  }

  Status ParseObject(Json* out, int depth) {
    ++pos_;
    Json::Object members;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      *out = Json(std::move(members));
      return Status::Ok();
    }
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') return Error("expected a key");
      std::string key;
      VGPU_RETURN_IF_ERROR(ParseString(&key));
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ':') return Error("expected ':'");
      ++pos_;
      Json value;
      VGPU_RETURN_IF_ERROR(ParseValue(&value, depth + 1));
      members[std::move(key)] = std::move(value);
      SkipSpace();
      if (pos_ >= text_.size()) return Error("unterminated object");
      char c = text_[pos_++];
      if (c == '}') break;
      if (c != ',') return Error("expected ',' or '}'");
    }
    *out = Json(std::move(members));
    return Status::Ok();
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

const std::string& Json::AsString() const {
  static const std::string kEmpty;
  return is_string() ? std::get<3>(v_) : kEmpty;
}

const Json::Array& Json::AsArray() const {
  static const Array kEmpty;
  return is_array() ? std::get<4>(v_) : kEmpty;
}

const Json::Object& Json::AsObject() const {
  static const Object kEmpty;
  return is_object() ? std::get<5>(v_) : kEmpty;
}

Json::Array& Json::MutableArray() {
  if (!is_array()) v_ = Array();
  return std::get<4>(v_);
}

Json::Object& Json::MutableObject() {
  if (!is_object()) v_ = Object();
  return std::get<5>(v_);
}

const Json& Json::operator[](const std::string& key) const {
  if (!is_object()) return NullJson();
  const auto& members = std::get<5>(v_);
  auto it = members.find(key);
  return it == members.end() ? NullJson() : it->second;
}

bool Json::Has(const std::string& key) const {
  return is_object() && std::get<5>(v_).count(key) != 0;
}

void Json::DumpTo(std::string* out, int indent) const {
  const std::string pad(static_cast<size_t>(indent + 2), ' ');
  const std::string close_pad(static_cast<size_t>(indent), ' ');
  switch (v_.index()) {
    case 0: *out += "null"; break;
    case 1: *out += std::get<1>(v_) ? "true" : "false"; break;
    case 2: *out += std::to_string(std::get<2>(v_)); break;
    case 3: DumpString(out, std::get<3>(v_)); break;
    case 4: {
      const auto& items = std::get<4>(v_);
      if (items.empty()) {
        *out += "[]";
        break;
      }
      *out += "[\n";
      for (size_t i = 0; i < items.size(); ++i) {
        *out += pad;
        items[i].DumpTo(out, indent + 2);
        *out += i + 1 < items.size() ? ",\n" : "\n";
      }
      *out += close_pad + "]";
      break;
    }
    case 5: {
      const auto& members = std::get<5>(v_);
      if (members.empty()) {
        *out += "{}";
        break;
      }
      *out += "{\n";
      size_t i = 0;
      for (const auto& [key, value] : members) {
        *out += pad;
        DumpString(out, key);
        *out += ": ";
        value.DumpTo(out, indent + 2);
        *out += ++i < members.size() ? ",\n" : "\n";
      }
      *out += close_pad + "}";
      break;
    }
  }
}

std::string Json::Dump() const {
  std::string out;
  DumpTo(&out, 0);
  out.push_back('\n');
  return out;
}

Status Json::Parse(std::string_view text, Json* out) {
  *out = Json();
  return Parser(text).ParseDocument(out);
}

}  // namespace vgpu::installer
