#include "common/utf8.h"

#include <catch2/catch.hpp>

using vgpu::ValidUtf8;

TEST_CASE("valid UTF-8 passes unchanged") {
  CHECK(ValidUtf8("") == "");
  CHECK(ValidUtf8("unknown name '%envreg2'") == "unknown name '%envreg2'");
  CHECK(ValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST_CASE("each bad byte becomes \\xNN") {
  CHECK(ValidUtf8("a\xff" "b") == "a\\xffb");
  CHECK(ValidUtf8("\x80") == "\\x80");
  CHECK(ValidUtf8("\xc3") == "\\xc3");                        // truncated
  CHECK(ValidUtf8("\xc0\xaf") == "\\xc0\\xaf");               // overlong '/'
  CHECK(ValidUtf8("\xed\xa0\x80") == "\\xed\\xa0\\x80");      // surrogate
  CHECK(ValidUtf8("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");  // > U+10FFFF
  CHECK(ValidUtf8(std::string("x\0y", 3)) == std::string("x\0y", 3));  // NUL is valid UTF-8
}

TEST_CASE("every single byte value gives valid output") {
  for (int b = 0; b < 256; ++b) {
    std::string out = ValidUtf8(std::string(1, static_cast<char>(b)));
    CHECK(ValidUtf8(out) == out);
  }
}
