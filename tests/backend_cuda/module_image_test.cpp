// PrepareModuleImage: what reaches cuModuleLoadData stays inside the bytes
// the client sent.
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "server/backends/cuda/module_image.h"

namespace {

using vgpu::Code;
using vgpu::backend::cuda::PrepareModuleImage;

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

template <typename T>
void Put(std::string* s, size_t offset, T value) {
  if (s->size() < offset + sizeof(T)) s->resize(offset + sizeof(T));
  std::memcpy(s->data() + offset, &value, sizeof(T));
}

// A container with one entry of `payload` bytes (entry header 64).
std::string Fatbin(uint64_t payload, uint64_t claimed_fat_size) {
  std::string image(16 + 64 + payload, '\0');
  Put<uint32_t>(&image, 0, 0xBA55ED50);
  Put<uint16_t>(&image, 4, 1);
  Put<uint16_t>(&image, 6, 16);
  Put<uint64_t>(&image, 8, claimed_fat_size);
  Put<uint16_t>(&image, 16, 2);
  Put<uint32_t>(&image, 20, 64);
  Put<uint64_t>(&image, 24, payload);
  return image;
}

// ELF64 with `shnum` section headers at `shoff` and one PROGBITS section.
std::string Elf(uint64_t shoff, uint16_t shnum, uint64_t sec_offset, uint64_t sec_size, size_t total) {
  std::string image(total, '\0');
  std::memcpy(image.data(), "\x7f" "ELF", 4);
  image[4] = 2;  // ELF64
  image[5] = 1;  // little-endian
  Put<uint64_t>(&image, 0x28, shoff);
  Put<uint16_t>(&image, 0x3a, 64);
  Put<uint16_t>(&image, 0x3c, shnum);
  if (shnum > 1 && shoff + 128 <= total) {
    Put<uint32_t>(&image, shoff + 64 + 4, 1);  // PROGBITS
    Put<uint64_t>(&image, shoff + 64 + 0x18, sec_offset);
    Put<uint64_t>(&image, shoff + 64 + 0x20, sec_size);
  }
  image.resize(total);
  return image;
}

}  // namespace

TEST_CASE("PTX gets a trailing NUL and an aligned copy", "[module]") {
  const std::string ptx = ".version 8.0\n.target sm_80\n.address_size 64\n";
  auto copy = PrepareModuleImage(Bytes(ptx));
  REQUIRE(copy.ok());
  const char* text = reinterpret_cast<const char*>(copy->data());
  CHECK(reinterpret_cast<uintptr_t>(text) % 8 == 0);
  CHECK(std::string(text) == ptx);
  CHECK(copy->size() * 8 >= ptx.size() + 1);

  std::string with_nul = ptx + '\0';
  auto copy2 = PrepareModuleImage(Bytes(with_nul));
  REQUIRE(copy2.ok());
  CHECK(std::string(reinterpret_cast<const char*>(copy2->data())) == ptx);

  auto tiny = PrepareModuleImage(Bytes("x"));
  REQUIRE(tiny.ok());
  CHECK(std::string(reinterpret_cast<const char*>(tiny->data())) == "x");
}

TEST_CASE("empty images, wrappers and archives are rejected", "[module]") {
  CHECK(PrepareModuleImage({}).status().code() == Code::kInvalidImage);
  std::string wrapper(24, '\0');
  Put<uint32_t>(&wrapper, 0, 0x466243B1);
  CHECK(PrepareModuleImage(Bytes(wrapper)).status().code() == Code::kInvalidImage);
  CHECK(PrepareModuleImage(Bytes("!<arch>\nfoo")).status().code() == Code::kInvalidImage);
}

TEST_CASE("fatbin containers must hold what they claim", "[module]") {
  CHECK(PrepareModuleImage(Bytes(Fatbin(32, 64 + 32))).ok());
  // fatSize past the end of the bytes.
  CHECK(PrepareModuleImage(Bytes(Fatbin(32, 4096))).status().code() == Code::kInvalidImage);
  // An entry whose payload runs past the container.
  std::string image = Fatbin(32, 64 + 32);
  Put<uint64_t>(&image, 24, 1u << 20);
  CHECK(PrepareModuleImage(Bytes(image)).status().code() == Code::kInvalidImage);
  // An entry payload size that would overflow.
  Put<uint64_t>(&image, 24, ~uint64_t{0} - 8);
  CHECK(PrepareModuleImage(Bytes(image)).status().code() == Code::kInvalidImage);
  // Compressed size larger than the payload.
  image = Fatbin(32, 64 + 32);
  Put<uint32_t>(&image, 32, 33);
  CHECK(PrepareModuleImage(Bytes(image)).status().code() == Code::kInvalidImage);
  // Truncated header.
  CHECK(PrepareModuleImage(Bytes(Fatbin(32, 96).substr(0, 12))).status().code() == Code::kInvalidImage);
}

TEST_CASE("ELF tables and sections must lie inside the image", "[module]") {
  CHECK(PrepareModuleImage(Bytes(Elf(64, 2, 192, 16, 256))).ok());
  CHECK(PrepareModuleImage(Bytes(Elf(64, 2, 192, 4096, 256))).status().code() == Code::kInvalidImage);
  CHECK(PrepareModuleImage(Bytes(Elf(4096, 2, 0, 0, 256))).status().code() == Code::kInvalidImage);
  CHECK(PrepareModuleImage(Bytes(Elf(64, 2, 192, 16, 256).substr(0, 40))).status().code() == Code::kInvalidImage);
  std::string elf32 = Elf(64, 2, 192, 16, 256);
  elf32[4] = 1;
  CHECK(PrepareModuleImage(Bytes(elf32)).status().code() == Code::kInvalidImage);
}

#if defined(VGPU_FIXTURE_FATBIN) && defined(VGPU_FIXTURE_CUBIN)
static std::string ReadFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_CASE("nvcc's fatbin and cubin pass unchanged", "[module]") {
  for (const char* path : {VGPU_FIXTURE_FATBIN, VGPU_FIXTURE_CUBIN}) {
    INFO(path);
    const std::string image = ReadFile(path);
    REQUIRE(image.size() > 64);
    auto copy = PrepareModuleImage(Bytes(image));
    REQUIRE(copy.ok());
    CHECK(std::memcmp(copy->data(), image.data(), image.size()) == 0);
  }
}
#endif
