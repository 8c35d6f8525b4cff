// Server-side parsing of containers and of the bare forms.
#include <lz4.h>

#include <catch2/catch.hpp>
#include <string>

#include "fixtures.h"
#include "image/cubin.h"
#include "image/fatbin.h"

namespace vgpu::image {
namespace {

using testing::AsBytes;
using testing::BuildContainer;
using testing::LoadFixture;
using testing::RawEntry;
using testing::SplitRaw;

const Entry* Find(const std::vector<Entry>& entries, Entry::Kind kind, uint32_t sm) {
  for (const Entry& e : entries) {
    if (e.kind == kind && e.sm == sm) return &e;
  }
  return nullptr;
}

// Every release-style fixture holds sm_80 and sm_90 cubins and compute_80 PTX.
void CheckReleaseEntries(const std::vector<Entry>& entries) {
  REQUIRE(entries.size() == 3);
  const Entry* ptx = Find(entries, Entry::Kind::kPtx, 80);
  REQUIRE(ptx != nullptr);
  CHECK(ptx->bytes.find(".entry kern(") != std::string::npos);
  CHECK(ptx->bytes.find(".target sm_80") != std::string::npos);
  CHECK(ptx->bytes.back() != '\0');
  CHECK(ptx->bytes.find('\0') == std::string::npos);
  for (uint32_t sm : {80u, 90u}) {
    INFO("sm " << sm);
    const Entry* cubin = Find(entries, Entry::Kind::kCubin, sm);
    REQUIRE(cubin != nullptr);
    CHECK(cubin->bytes.substr(0, 4) == "\x7f" "ELF");
    auto info = ParseCubin(AsBytes(cubin->bytes));
    REQUIRE(info.ok());
    CHECK(info->sm == sm);
    CHECK(info->kernels.size() == 5);
  }
}

TEST_CASE("ParseFatbin: nvcc default (PTX zstd-compressed)", "[image]") {
  auto bytes = LoadFixture("params_default.fatbin");
  auto raw = SplitRaw(bytes);
  REQUIRE(raw.size() == 3);
  CHECK(raw[0].kind == 1);
  CHECK((raw[0].flags & kEntryFlagZstd) != 0);
  auto entries = ParseFatbin(bytes);
  REQUIRE(entries.ok());
  CheckReleaseEntries(*entries);
}

TEST_CASE("ParseFatbin: --compress-mode=size (every entry zstd)", "[image]") {
  auto bytes = LoadFixture("params_size.fatbin");
  for (const RawEntry& e : SplitRaw(bytes)) CHECK((e.flags & kEntryFlagZstd) != 0);
  auto entries = ParseFatbin(bytes);
  REQUIRE(entries.ok());
  CheckReleaseEntries(*entries);
}

TEST_CASE("ParseFatbin: -no-compress", "[image]") {
  auto bytes = LoadFixture("params_nocompress.fatbin");
  for (const RawEntry& e : SplitRaw(bytes)) CHECK((e.flags & (kEntryFlagZstd | kEntryFlagLz4)) == 0);
  auto entries = ParseFatbin(bytes);
  REQUIRE(entries.ok());
  CheckReleaseEntries(*entries);
}

TEST_CASE("ParseFatbin: --compress-mode=speed (PTX LZ4-compressed by nvcc)", "[image]") {
  auto bytes = LoadFixture("params_lz4.fatbin");
  auto raw = SplitRaw(bytes);
  REQUIRE(raw[0].kind == 1);
  CHECK((raw[0].flags & kEntryFlagLz4) != 0);
  auto entries = ParseFatbin(bytes);
  REQUIRE(entries.ok());
  CheckReleaseEntries(*entries);
}

TEST_CASE("ParseFatbin: all forms decompress to the same bytes", "[image]") {
  auto reference = ParseFatbin(LoadFixture("params_nocompress.fatbin"));
  REQUIRE(reference.ok());
  for (const char* name : {"params_default.fatbin", "params_size.fatbin", "params_lz4.fatbin"}) {
    INFO(name);
    auto other = ParseFatbin(LoadFixture(name));
    REQUIRE(other.ok());
    REQUIRE(other->size() == reference->size());
    for (const Entry& e : *reference) {
      const Entry* o = Find(*other, e.kind, e.sm);
      REQUIRE(o != nullptr);
      CHECK(o->bytes == e.bytes);
    }
  }
}

TEST_CASE("ParseFatbin: an LZ4 entry packed by hand, cubin included", "[image]") {
  auto reference = ParseFatbin(LoadFixture("params_nocompress.fatbin"));
  REQUIRE(reference.ok());
  std::vector<RawEntry> raw;
  for (const Entry& e : *reference) {
    std::string plain = e.bytes;
    if (e.kind == Entry::Kind::kPtx) plain.push_back('\0');  // nvcc compresses the NUL too
    std::string packed(LZ4_compressBound(static_cast<int>(plain.size())), '\0');
    int n = LZ4_compress_default(plain.data(), packed.data(), static_cast<int>(plain.size()),
                                 static_cast<int>(packed.size()));
    REQUIRE(n > 0);
    packed.resize(n);
    raw.push_back(RawEntry{static_cast<uint16_t>(e.kind == Entry::Kind::kPtx ? 1 : 2), e.sm, 0x11 | kEntryFlagLz4,
                           packed, plain.size()});
  }
  auto entries = ParseFatbin(BuildContainer(raw));
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == reference->size());
  for (size_t i = 0; i < entries->size(); ++i) {
    CHECK((*entries)[i].kind == (*reference)[i].kind);
    CHECK((*entries)[i].sm == (*reference)[i].sm);
    CHECK((*entries)[i].bytes == (*reference)[i].bytes);
  }
}

TEST_CASE("ParseFatbin: -rdc (compressed relocatable cubin, 96-byte PTX header)", "[image]") {
  auto entries = ParseFatbin(LoadFixture("params_rdc.fatbin"));
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 2);
  const Entry* cubin = Find(*entries, Entry::Kind::kCubin, 80);
  REQUIRE(cubin != nullptr);
  auto info = ParseCubin(AsBytes(cubin->bytes));
  REQUIRE(info.ok());
  CHECK(info->kernels.size() == 5);
  const Entry* ptx = Find(*entries, Entry::Kind::kPtx, 80);
  REQUIRE(ptx != nullptr);
  CHECK(ptx->bytes.find(".entry kern(") != std::string::npos);
}

TEST_CASE("SplitContainers: a program's .nv_fatbin section", "[image]") {
  auto section = LoadFixture("app.nv_fatbin");
  auto containers = SplitContainers(section);
  REQUIRE(containers.ok());
  REQUIRE(containers->size() == 3);  // dlink, app.cu, params.cu
  bool saw_store42 = false, saw_kern = false;
  for (auto c : *containers) {
    auto entries = ParseFatbin(c);
    REQUIRE(entries.ok());
    for (const Entry& e : *entries) {
      if (e.kind != Entry::Kind::kPtx) continue;
      saw_store42 |= e.bytes.find(".entry store42(") != std::string::npos;
      saw_kern |= e.bytes.find(".entry kern(") != std::string::npos;
    }
  }
  CHECK(saw_store42);
  CHECK(saw_kern);
}

TEST_CASE("Entries: every image form", "[image]") {
  SECTION("container") {
    auto entries = Entries(LoadFixture("params_default.fatbin"));
    REQUIRE(entries.ok());
    CheckReleaseEntries(*entries);
  }
  SECTION("cubin: sm from e_flags") {
    for (uint32_t sm : {80u, 90u}) {
      auto bytes = LoadFixture("params_sm" + std::to_string(sm) + ".cubin");
      auto entries = Entries(bytes);
      REQUIRE(entries.ok());
      REQUIRE(entries->size() == 1);
      CHECK((*entries)[0].kind == Entry::Kind::kCubin);
      CHECK((*entries)[0].sm == sm);
      CHECK((*entries)[0].bytes.size() == bytes.size());
    }
  }
  SECTION("PTX: sm from .target, trailing NULs dropped") {
    auto bytes = LoadFixture("params.ptx");
    bytes.push_back(0);
    bytes.push_back(0);
    auto entries = Entries(bytes);
    REQUIRE(entries.ok());
    REQUIRE(entries->size() == 1);
    CHECK((*entries)[0].kind == Entry::Kind::kPtx);
    CHECK((*entries)[0].sm == 80);
    CHECK((*entries)[0].bytes.size() == bytes.size() - 2);
  }
  SECTION("PTX targets") {
    auto sm_of = [](const std::string& text) { return Entries(AsBytes(text)); };
    CHECK(sm_of(".version 9.0\n.target sm_90a\n")->at(0).sm == 90);
    CHECK(sm_of(".version 9.0\n.target sm_120, debug\n")->at(0).sm == 120);
    CHECK(sm_of(".version 9.0\n.target compute_75\n")->at(0).sm == 75);
    CHECK(sm_of(".version 9.0\n").status().code() == Code::kInvalidImage);
    CHECK(sm_of(".version 9.0\n.target foo\n").status().code() == Code::kInvalidImage);
  }
  SECTION("refused forms") {
    const uint8_t wrapper[24] = {0xB1, 0x43, 0x62, 0x46, 1};
    CHECK(Entries(wrapper).status().code() == Code::kInvalidImage);
    CHECK(Entries(AsBytes("!<arch>\n")).status().code() == Code::kNotSupported);
    const uint8_t junk[] = {0x00, 0x01};
    CHECK(Entries(junk).status().code() == Code::kInvalidImage);
    CHECK(Entries({}).status().code() == Code::kInvalidImage);
  }
}

TEST_CASE("ParseFatbin: unknown entry kinds are skipped; empty containers are empty", "[image]") {
  CHECK(ParseFatbin(BuildContainer({}))->empty());
  auto entries = ParseFatbin(BuildContainer({RawEntry{8, 80, 0x11, "IR bytes", 0},
                                             RawEntry{1, 75, 0x11, ".version 9.0\n.target sm_75\n", 0}}));
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 1);
  CHECK((*entries)[0].sm == 75);
}

TEST_CASE("ParseFatbin: inconsistent headers are errors", "[image]") {
  auto bytes = LoadFixture("params_default.fatbin");
  auto expect_invalid = [](std::vector<uint8_t> b) {
    auto r = ParseFatbin(b);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidImage);
    CHECK_FALSE(r.status().message().empty());
  };
  SECTION("fatSize past the end") {
    bytes[8] += 1;
    expect_invalid(bytes);
  }
  SECTION("entry header size below 64") {
    bytes[16 + 4] = 32;
    expect_invalid(bytes);
  }
  SECTION("both compression flags") {
    bytes[16 + 41] |= 0x20;  // 0x2000 on top of 0x8000
    expect_invalid(bytes);
  }
  SECTION("compressed size past the payload") {
    bytes[16 + 18] = 0x7F;
    expect_invalid(bytes);
  }
  SECTION("uncompressed size disagrees") {
    bytes[16 + 56] ^= 0x01;
    expect_invalid(bytes);
  }
  SECTION("huge uncompressed size") {
    bytes[16 + 63] = 0x40;
    expect_invalid(bytes);
  }
}

}  // namespace
}  // namespace vgpu::image
