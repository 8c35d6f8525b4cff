// Detect and the client-side Resolve (image sizing) for every form.
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "fixtures.h"
#include "guarded.h"
#include "image/bytes.h"
#include "image/format.h"
#include "image/resolve.h"

namespace vgpu::image {
namespace {

using testing::GuardedBuffer;
using testing::LoadFixture;

struct Wrapper {
  int magic;
  int version;
  const void* data;
  void* filename_or_fatbins;
};

TEST_CASE("Detect tells the forms apart from the first bytes", "[image]") {
  CHECK(Detect(LoadFixture("params_default.fatbin").data()) == Format::kFatbin);
  CHECK(Detect(LoadFixture("params_sm80.cubin").data()) == Format::kCubin);
  CHECK(Detect(LoadFixture("params.ptx").data()) == Format::kPtx);
  Wrapper w{0x466243B1, 1, nullptr, nullptr};
  CHECK(Detect(&w) == Format::kFatbinWrapper);
  CHECK(Detect("!<arch>\nfoo") == Format::kArchive);
  CHECK(Detect(".version 9.0\n") == Format::kPtx);
  CHECK(Detect("") == Format::kUnknown);
  CHECK(Detect(static_cast<const void*>(nullptr)) == Format::kUnknown);
  const uint8_t junk[] = {0x01, 0x02, 0x03};
  CHECK(Detect(junk) == Format::kUnknown);
  // Bounded form: a prefix of a magic is not that format.
  const uint8_t elf_prefix[] = {0x7F, 'E', 'L'};
  CHECK(Detect(std::span<const uint8_t>(elf_prefix)) == Format::kUnknown);
  CHECK(Detect(std::span<const uint8_t>()) == Format::kUnknown);
}

TEST_CASE("Detect reads no further than a short PTX string", "[image]") {
  const char text[] = "x";  // 2 bytes, the NUL included, at the very end of a page
  GuardedBuffer buf({reinterpret_cast<const uint8_t*>(text), sizeof(text)});
  REQUIRE(buf.ok());
  CHECK(Detect(buf.data()) == Format::kPtx);
  auto r = Resolve(buf.data());
  REQUIRE(r.ok());
  CHECK(r->size() == 2);
  // A one-byte NUL: the empty string.
  const uint8_t nul = 0;
  GuardedBuffer empty({&nul, 1});
  CHECK(Detect(empty.data()) == Format::kUnknown);
  CHECK(Resolve(empty.data()).status().code() == Code::kInvalidImage);
}

TEST_CASE("Resolve sizes containers from their header", "[image]") {
  for (const char* name : {"params_default.fatbin", "params_size.fatbin", "params_nocompress.fatbin",
                           "params_lz4.fatbin", "params_rdc.fatbin"}) {
    INFO(name);
    auto bytes = LoadFixture(name);
    GuardedBuffer buf(bytes);
    REQUIRE(buf.ok());
    auto r = Resolve(buf.data());
    REQUIRE(r.ok());
    CHECK(r->data() == buf.data());
    CHECK(r->size() == bytes.size());
  }
}

TEST_CASE("Resolve takes only the first of concatenated containers", "[image]") {
  auto bytes = LoadFixture("app.nv_fatbin");
  auto r = Resolve(bytes.data());
  REQUIRE(r.ok());
  CHECK(r->size() == 16 + LoadLe<uint64_t>(bytes.data() + 8));
  CHECK(r->size() < bytes.size());
}

TEST_CASE("Resolve sizes a cubin from its ELF tables", "[image]") {
  for (const char* name : {"params_sm80.cubin", "params_sm90.cubin", "big_rdc.cubin"}) {
    INFO(name);
    auto bytes = LoadFixture(name);
    GuardedBuffer buf(bytes);
    REQUIRE(buf.ok());
    auto r = Resolve(buf.data());
    REQUIRE(r.ok());
    CHECK(r->size() == bytes.size());
  }
}

TEST_CASE("Resolve counts program headers placed after the section table", "[image]") {
  for (const char* name : {"params_sm80.cubin", "params_sm90.cubin"}) {
    INFO(name);
    auto bytes = LoadFixture(name);
    // Linked cubins put the program headers after the section table: the
    // section table alone would undercount.
    uint64_t shoff = LoadLe<uint64_t>(bytes.data() + 40);
    uint16_t shnum = LoadLe<uint16_t>(bytes.data() + 60);
    CHECK(shoff + shnum * 64ull < bytes.size());
    GuardedBuffer buf(bytes);
    REQUIRE(buf.ok());
    auto r = Resolve(buf.data());
    REQUIRE(r.ok());
    CHECK(r->size() == bytes.size());
  }
}

TEST_CASE("Resolve sizes PTX as strlen + 1", "[image]") {
  auto bytes = LoadFixture("params.ptx");
  bytes.push_back(0);
  GuardedBuffer buf(bytes);
  REQUIRE(buf.ok());
  auto r = Resolve(buf.data());
  REQUIRE(r.ok());
  CHECK(r->size() == bytes.size());
  CHECK(r->back() == 0);
}

TEST_CASE("Resolve follows a fatbin wrapper to its container", "[image]") {
  auto bytes = LoadFixture("params_default.fatbin");
  GuardedBuffer buf(bytes);
  REQUIRE(buf.ok());
  SECTION("version 1") {
    Wrapper w{0x466243B1, 1, buf.data(), nullptr};
    auto r = Resolve(&w);
    REQUIRE(r.ok());
    CHECK(r->data() == buf.data());
    CHECK(r->size() == bytes.size());
  }
  SECTION("version 2 (-rdc): data is the linked container") {
    const void* prelinked[] = {buf.data(), nullptr};
    Wrapper w{0x466243B1, 2, buf.data(), const_cast<void**>(prelinked)};
    auto r = Resolve(&w);
    REQUIRE(r.ok());
    CHECK(r->size() == bytes.size());
  }
  SECTION("bad wrappers") {
    Wrapper null_data{0x466243B1, 1, nullptr, nullptr};
    CHECK(Resolve(&null_data).status().code() == Code::kInvalidImage);
    Wrapper inner{0x466243B1, 1, nullptr, nullptr};
    Wrapper outer{0x466243B1, 1, &inner, nullptr};
    CHECK(Resolve(&outer).status().code() == Code::kInvalidImage);
    Wrapper version{0x466243B1, 7, buf.data(), nullptr};
    CHECK(Resolve(&version).status().code() == Code::kNotSupported);
  }
}

TEST_CASE("Resolve refuses archives, junk and null", "[image]") {
  CHECK(Resolve("!<arch>\n/               0           0     0     644     4         `\n").status().code() ==
        Code::kNotSupported);
  const uint8_t junk[] = {0x01, 0x02, 0x00};
  CHECK(Resolve(junk).status().code() == Code::kInvalidImage);
  CHECK(Resolve(nullptr).status().code() == Code::kInvalidValue);
}

TEST_CASE("Resolve rejects a container header with a tiny header size", "[image]") {
  auto bytes = LoadFixture("params_default.fatbin");
  bytes[6] = 8;
  bytes[7] = 0;
  CHECK(Resolve(bytes.data()).status().code() == Code::kInvalidImage);
}

}  // namespace
}  // namespace vgpu::image
