#include "fixtures.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <iterator>

namespace vgpu::image::testing {
namespace {

template <typename T>
void Put(std::vector<uint8_t>* out, size_t at, T v) {
  std::memcpy(out->data() + at, &v, sizeof(T));
}

template <typename T>
T Get(std::span<const uint8_t> in, size_t at) {
  T v;
  std::memcpy(&v, in.data() + at, sizeof(T));
  return v;
}

}  // namespace

std::vector<uint8_t> LoadFixture(const std::string& name) {
  std::string path = std::string(VGPU_IMAGE_FIXTURES) + "/" + name;
  std::ifstream in(path, std::ios::binary);
  INFO("fixture " << path);
  REQUIRE(in.good());
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<uint8_t> BuildContainer(const std::vector<RawEntry>& entries) {
  std::vector<uint8_t> out(16);
  for (const RawEntry& e : entries) {
    const size_t header = e.kind == 1 ? 80 : 64;
    const size_t padded = (e.payload.size() + 15) & ~size_t{15};
    const size_t at = out.size();
    out.resize(at + header + padded, 0);
    Put<uint16_t>(&out, at, e.kind);
    Put<uint16_t>(&out, at + 2, 0x0101);
    Put<uint32_t>(&out, at + 4, static_cast<uint32_t>(header));
    Put<uint64_t>(&out, at + 8, padded);
    const bool compressed = (e.flags & 0xA000) != 0;
    Put<uint32_t>(&out, at + 16, compressed ? static_cast<uint32_t>(e.payload.size()) : 0);
    Put<uint32_t>(&out, at + 28, e.sm);
    Put<uint64_t>(&out, at + 40, e.flags);
    Put<uint64_t>(&out, at + 56, compressed ? e.uncompressed_size : 0);
    std::memcpy(out.data() + at + header, e.payload.data(), e.payload.size());
  }
  Put<uint32_t>(&out, 0, 0xBA55ED50);
  Put<uint16_t>(&out, 4, 1);
  Put<uint16_t>(&out, 6, 16);
  Put<uint64_t>(&out, 8, out.size() - 16);
  return out;
}

std::vector<RawEntry> SplitRaw(std::span<const uint8_t> c) {
  std::vector<RawEntry> out;
  const size_t end = 16 + Get<uint64_t>(c, 8);
  for (size_t pos = 16; pos < end;) {
    RawEntry e;
    e.kind = Get<uint16_t>(c, pos);
    const uint32_t header = Get<uint32_t>(c, pos + 4);
    const uint64_t size = Get<uint64_t>(c, pos + 8);
    const uint32_t compressed = Get<uint32_t>(c, pos + 16);
    e.sm = Get<uint32_t>(c, pos + 28);
    e.flags = Get<uint64_t>(c, pos + 40);
    e.uncompressed_size = Get<uint64_t>(c, pos + 56);
    const uint8_t* p = c.data() + pos + header;
    e.payload.assign(reinterpret_cast<const char*>(p), compressed ? compressed : size);
    out.push_back(std::move(e));
    pos += header + size;
  }
  return out;
}

}  // namespace vgpu::image::testing
