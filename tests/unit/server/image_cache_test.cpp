#include "server/image_cache.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "common/sha256.h"

namespace vgpu::server {
namespace {

TEST_CASE("images are stored by verified content address", "[module]") {
  auto dir = std::filesystem::temp_directory_path() / ("vgpu_image_cache_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::string bytes = "// some PTX\n";
  std::string digest = Sha256Hex(bytes);
  {
    ImageCache cache(dir.string(), 1 << 20);
    CHECK(cache.Find(digest) == nullptr);
    CHECK_FALSE(cache.Insert(digest, "tampered").ok());
    CHECK_FALSE(cache.Insert("not-a-digest", bytes).ok());
    REQUIRE(cache.Insert(digest, bytes).ok());
    REQUIRE(cache.Find(digest) != nullptr);
    CHECK(*cache.Find(digest) == bytes);
  }
  ImageCache reopened(dir.string(), 1 << 20);  // from disk, after a restart
  REQUIRE(reopened.Find(digest) != nullptr);
  CHECK(*reopened.Find(digest) == bytes);
  std::filesystem::remove_all(dir);
}

TEST_CASE("the memory cache evicts the least recently used images", "[module]") {
  ImageCache cache("", 10);
  std::string a(6, 'a'), b(6, 'b');
  REQUIRE(cache.Insert(Sha256Hex(a), a).ok());
  REQUIRE(cache.Insert(Sha256Hex(b), b).ok());
  CHECK(cache.Find(Sha256Hex(a)) == nullptr);
  CHECK(cache.Find(Sha256Hex(b)) != nullptr);
}

}  // namespace
}  // namespace vgpu::server
