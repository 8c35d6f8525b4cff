// Parse() takes untrusted text: mutated fixtures must give a Status or a Module, never a crash.
#include <random>

#include <catch2/catch.hpp>

#include "server/backends/emu/ptx/ptx.h"
#include "tests/unit/ptx/fixtures.h"

namespace vgpu::ptx {
namespace {

TEST_CASE("mutated PTX never crashes the parser", "[ptx][parse]") {
  std::mt19937 rng(1234);
  const char* kPieces[] = {"{", "}", "[", "]", ";", ",", "%r1", ".reg", ".b32", "<", ">", "-", "0x", "0f",
                           "@", "!", ".param", "(", ")", "999999999999999999999", ".align 0", "\"", "/*", ":"};
  for (const char* name : {"struct_param.ptx", "const_table.ptx", "reduce_shuffle.ptx", "scan.ptx"}) {
    const std::string base = testing::ReadFixture(name);
    for (int iter = 0; iter < 300; ++iter) {
      std::string s = base;
      int edits = 1 + int(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        size_t pos = rng() % s.size();
        switch (rng() % 4) {
          case 0: s.erase(pos, 1 + rng() % 20); break;
          case 1: s.insert(pos, kPieces[rng() % (sizeof(kPieces) / sizeof(kPieces[0]))]); break;
          case 2: s[pos] = char(rng() % 128); break;
          default: s.resize(pos); break;
        }
        if (s.empty()) s = " ";
      }
      auto m = Module::Parse(s);
      if (!m.ok()) CHECK(m.status().message().size() > 0);
    }
  }
}

}  // namespace
}  // namespace vgpu::ptx
