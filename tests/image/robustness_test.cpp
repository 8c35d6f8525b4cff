// Hostile input: every truncation and seeded random corruption of real fixtures
// must give an error or a sane result, never a crash or an out-of-bounds read
// (the bytes end at a PROT_NONE page).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <random>
#include <span>

#include "fixtures.h"
#include "guarded.h"
#include "image/cubin.h"
#include "image/fatbin.h"

namespace vgpu::image {
namespace {

using testing::AsBytes;
using testing::GuardedBuffer;
using testing::LoadFixture;

// Rounds per fuzz case: small by default to keep the unit run fast; set
// VGPU_IMAGE_FUZZ_SCALE=100 (say) for a long soak, e.g. under sanitizers.
int Rounds(int base) {
  const char* scale = std::getenv("VGPU_IMAGE_FUZZ_SCALE");
  int factor = scale != nullptr ? std::atoi(scale) : 1;
  return base * (factor > 0 ? factor : 1);
}

// Parses every cubin a successful parse yields, so corruption that slips through
// the container reaches the ELF parser too.
void ParseAll(std::span<const uint8_t> bytes) {
  auto entries = Entries(bytes);
  if (!entries.ok()) {
    CHECK_FALSE(entries.status().message().empty());
    return;
  }
  for (const Entry& e : *entries) {
    if (e.kind == Entry::Kind::kCubin) (void)ParseCubin(AsBytes(e.bytes));
  }
}

TEST_CASE("Every truncation of a container is an error", "[image][fuzz]") {
  auto bytes = LoadFixture("params_size.fatbin");
  for (size_t len = 0; len < bytes.size(); ++len) {
    GuardedBuffer buf(std::span<const uint8_t>(bytes).first(len));
    REQUIRE(buf.ok());
    std::span<const uint8_t> cut(buf.data(), len);
    auto r = ParseFatbin(cut);
    if (r.ok()) FAIL("truncation to " << len << " bytes parsed");
    CHECK(r.status().code() == Code::kInvalidImage);
    CHECK_FALSE(Entries(cut).ok());
  }
}

TEST_CASE("Every truncation of a cubin is an error", "[image][fuzz]") {
  auto bytes = LoadFixture("params_sm80.cubin");
  for (size_t len = 0; len < bytes.size(); ++len) {
    GuardedBuffer buf(std::span<const uint8_t>(bytes).first(len));
    REQUIRE(buf.ok());
    std::span<const uint8_t> cut(buf.data(), len);
    if (ParseCubin(cut).ok()) FAIL("truncation to " << len << " bytes parsed");
    if (Entries(cut).ok() && len > 0) FAIL("Entries of a " << len << "-byte cubin prefix succeeded");
  }
}

TEST_CASE("Random byte flips never crash the parsers", "[image][fuzz]") {
  std::mt19937 rng(20261122);
  for (const char* name : {"params_size.fatbin", "params_lz4.fatbin", "params_rdc.fatbin", "params_sm80.cubin"}) {
    auto original = LoadFixture(name);
    std::uniform_int_distribution<size_t> pos(0, original.size() - 1);
    std::uniform_int_distribution<int> count(1, 8), bit(0, 7);
    for (int round = 0; round < Rounds(300); ++round) {
      auto bytes = original;
      for (int i = count(rng); i > 0; --i) bytes[pos(rng)] ^= static_cast<uint8_t>(1u << bit(rng));
      GuardedBuffer buf(bytes);
      REQUIRE(buf.ok());
      ParseAll({buf.data(), bytes.size()});
    }
  }
}

TEST_CASE("Header-targeted corruption never crashes the parsers", "[image][fuzz]") {
  // Flips concentrated on the container and entry headers, where sizes live.
  std::mt19937 rng(7);
  auto original = LoadFixture("params_default.fatbin");
  std::uniform_int_distribution<size_t> pos(0, 16 + 80 - 1);
  std::uniform_int_distribution<int> value(0, 255);
  for (int round = 0; round < Rounds(2000); ++round) {
    auto bytes = original;
    bytes[pos(rng)] = static_cast<uint8_t>(value(rng));
    GuardedBuffer buf(bytes);
    REQUIRE(buf.ok());
    ParseAll({buf.data(), bytes.size()});
  }
}

TEST_CASE("Corrupted ELF tables never crash ParseCubin", "[image][fuzz]") {
  std::mt19937 rng(99);
  auto original = LoadFixture("params_sm80.cubin");
  // The ELF header, the section table and the .nv.info sections.
  const uint64_t shoff = original[40] | original[41] << 8;
  std::uniform_int_distribution<size_t> header(0, 63), table(shoff, original.size() - 1),
      info(0x0d00, 0x1100);
  std::uniform_int_distribution<int> which(0, 2), value(0, 255);
  for (int round = 0; round < Rounds(2000); ++round) {
    auto bytes = original;
    int w = which(rng);
    size_t at = w == 0 ? header(rng) : w == 1 ? table(rng) : info(rng);
    bytes[at] = static_cast<uint8_t>(value(rng));
    GuardedBuffer buf(bytes);
    REQUIRE(buf.ok());
    (void)ParseCubin({buf.data(), bytes.size()});
  }
}

}  // namespace
}  // namespace vgpu::image
