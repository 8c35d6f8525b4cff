#include "installer/json.h"

#include <catch2/catch.hpp>

using vgpu::installer::Json;

TEST_CASE("JSON round-trips objects, arrays, strings and integers", "[installer][unit]") {
  Json j;
  j["name"] = "lib\"cuda\"\n\t\\";
  j["size"] = int64_t{-704288};
  j["big"] = int64_t{9007199254740993};
  j["ok"] = true;
  j["none"] = Json();
  Json::Array list = {Json("a"), Json(int64_t{1}), Json(Json::Object{})};
  j["list"] = Json(list);
  Json back;
  REQUIRE(Json::Parse(j.Dump(), &back).ok());
  CHECK(back == j);
  CHECK(back["name"].AsString() == "lib\"cuda\"\n\t\\");
  CHECK(back["big"].AsInt() == 9007199254740993);
  CHECK(back["list"].AsArray().size() == 3);
  CHECK(back["missing"].is_null());
}

TEST_CASE("JSON reads escapes and unicode", "[installer][unit]") {
  Json j;
  REQUIRE(Json::Parse(R"({"a": "\u00e9\ud83d\ude00\/", "b": [ ] , "c": {}})", &j).ok());
  CHECK(j["a"].AsString() == "\xc3\xa9\xf0\x9f\x98\x80/");
  CHECK(j["b"].is_array());
  CHECK(j["c"].is_object());
}

TEST_CASE("JSON rejects malformed text with a reason", "[installer][unit]") {
  Json j;
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "\"open", "1.5", "tru", "{\"a\":1} x",
                          "99999999999999999999", "\"\x01\""}) {
    INFO(bad);
    auto s = Json::Parse(bad, &j);
    CHECK_FALSE(s.ok());
    CHECK(s.message().find("JSON") != std::string::npos);
  }
  std::string deep(100, '[');
  CHECK_FALSE(Json::Parse(deep, &j).ok());
}
