#include "server/token_table.h"

#include <catch2/catch.hpp>

namespace vgpu::server {
namespace {

TEST_CASE("the token file holds one token a line, with an optional quota", "[security]") {
  auto table = TokenTable::Parse(
      "# vgpu tokens\n"
      "alpha-0123456789\n"
      "\n"
      "  beta-0123456789   quota_mib=2048   # the build box\n"
      "gamma\tquota_mib=1\r\n");
  REQUIRE(table.ok());
  CHECK(table->size() == 3);
  const TokenEntry* alpha = table->Find("alpha-0123456789");
  REQUIRE(alpha);
  CHECK_FALSE(alpha->quota_mib);
  CHECK(alpha->line == 2);
  const TokenEntry* beta = table->Find("beta-0123456789");
  REQUIRE(beta);
  CHECK(beta->quota_mib == 2048u);
  CHECK(beta->line == 4);
  CHECK(QuotaMibForToken(*table, "gamma") == 1u);
  CHECK(QuotaMibForToken(*table, "alpha-0123456789") == std::nullopt);
  CHECK(QuotaMibForToken(*table, "nobody") == std::nullopt);
}

TEST_CASE("only a whole token matches", "[security]") {
  auto table = TokenTable::Parse("alpha-0123456789\n");
  REQUIRE(table.ok());
  CHECK(table->Find("alpha-0123456789"));
  CHECK_FALSE(table->Find(""));
  CHECK_FALSE(table->Find("alpha"));                 // a prefix
  CHECK_FALSE(table->Find("alpha-01234567890"));     // longer
  CHECK_FALSE(table->Find("Alpha-0123456789"));      // case matters
  CHECK_FALSE(table->Find(std::string("alpha-0123456789\0", 17)));
}

TEST_CASE("a malformed token file is refused with its line number", "[security]") {
  auto message = [](const char* text) {
    auto table = TokenTable::Parse(text);
    REQUIRE_FALSE(table.ok());
    return table.status().message();
  };
  CHECK_THAT(message("a\nb quota=5\n"), Catch::Contains("line 2") && Catch::Contains("unknown field 'quota'"));
  CHECK_THAT(message("a quota_mib=\n"), Catch::Contains("quota_mib wants a whole number"));
  CHECK_THAT(message("a quota_mib=0\n"), Catch::Contains("quota_mib wants a whole number"));
  CHECK_THAT(message("a quota_mib=-3\n"), Catch::Contains("quota_mib wants a whole number"));
  CHECK_THAT(message("a quota_mib=12x\n"), Catch::Contains("quota_mib wants a whole number"));
  CHECK_THAT(message("a quota_mib=1 quota_mib=2\n"), Catch::Contains("twice"));
  CHECK_THAT(message("same\nsame\n"), Catch::Contains("line 2") && Catch::Contains("twice"));
  CHECK_THAT(message("caf\xc3\xa9\n"), Catch::Contains("printable ASCII"));
  CHECK(TokenTable::Parse("# only comments\n\n").ok());
  CHECK(TokenTable::Parse("# only comments\n\n")->empty());
}

TEST_CASE("loading an empty or missing token file fails", "[security]") {
  CHECK_FALSE(TokenTable::Load("/nonexistent/vgpu-tokens").ok());
  CHECK_THAT(TokenTable::Load("/nonexistent/vgpu-tokens").status().message(),
             Catch::Contains("/nonexistent/vgpu-tokens"));
}

}  // namespace
}  // namespace vgpu::server
