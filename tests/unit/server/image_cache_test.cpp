#include "server/image_cache.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "common/sha256.h"

namespace vgpu::server {
namespace {

namespace fs = std::filesystem;

fs::path FreshDirectory(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("vgpu_image_cache_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(dir);
  return dir;
}

// Verify then Store, as a session does once the backend loaded the image.
void Keep(ImageCache& cache, const std::string& bytes) {
  auto verified = ImageCache::Verify(Sha256Hex(bytes), bytes);
  REQUIRE(verified.ok());
  cache.Store(Sha256Hex(bytes), *verified);
}

// Makes `digest`'s file look used `age` ago, without waiting.
void Age(const fs::path& dir, const std::string& bytes, std::chrono::hours age) {
  fs::last_write_time(dir / Sha256Hex(bytes), fs::file_time_type::clock::now() - age);
}

TEST_CASE("images are stored by verified content address", "[module]") {
  auto dir = FreshDirectory("verify");
  std::string bytes = "// some PTX\n";
  std::string digest = Sha256Hex(bytes);
  {
    ImageCache cache(dir.string(), 1 << 20);
    CHECK(cache.Find(digest) == nullptr);
    CHECK_FALSE(ImageCache::Verify(digest, "tampered").ok());
    CHECK_FALSE(ImageCache::Verify("not-a-digest", bytes).ok());
    Keep(cache, bytes);
    REQUIRE(cache.Find(digest) != nullptr);
    CHECK(*cache.Find(digest) == bytes);
  }
  ImageCache reopened(dir.string(), 1 << 20);  // from disk, after a restart
  REQUIRE(reopened.Find(digest) != nullptr);
  CHECK(*reopened.Find(digest) == bytes);
  fs::remove_all(dir);
}

TEST_CASE("a verified image that was never stored is not cached", "[module]") {
  auto dir = FreshDirectory("unstored");
  std::string bytes = "not an image any backend accepts";
  ImageCache cache(dir.string(), 1 << 20);
  REQUIRE(ImageCache::Verify(Sha256Hex(bytes), bytes).ok());
  CHECK(cache.Find(Sha256Hex(bytes)) == nullptr);
  CHECK_FALSE(fs::exists(dir / Sha256Hex(bytes)));
  CHECK(cache.disk_bytes() == 0);
  fs::remove_all(dir);
}

TEST_CASE("the memory cache evicts the least recently used images", "[module]") {
  ImageCache cache("", 10);
  std::string a(6, 'a'), b(6, 'b');
  Keep(cache, a);
  Keep(cache, b);
  CHECK(cache.Find(Sha256Hex(a)) == nullptr);
  CHECK(cache.Find(Sha256Hex(b)) != nullptr);
}

TEST_CASE("the disk cache keeps its bound, evicting the least recently used files", "[module]") {
  auto dir = FreshDirectory("disk_lru");
  std::string a(400, 'a'), b(400, 'b'), c(400, 'c');
  {
    ImageCache cache(dir.string(), 1 << 20, 1000);
    Keep(cache, a);
    Keep(cache, b);
    Age(dir, a, std::chrono::hours(2));
    Age(dir, b, std::chrono::hours(1));
    REQUIRE(cache.Find(Sha256Hex(a)) != nullptr);  // a is now the most recent
    Keep(cache, c);                               // 1200 bytes: b, the oldest, goes
    CHECK(fs::exists(dir / Sha256Hex(a)));
    CHECK_FALSE(fs::exists(dir / Sha256Hex(b)));
    CHECK(fs::exists(dir / Sha256Hex(c)));
    CHECK(cache.disk_bytes() == 800);
  }
  // A smaller bound at restart evicts down to it; the newest file stays.
  Age(dir, a, std::chrono::hours(3));
  ImageCache smaller(dir.string(), 1 << 20, 500);
  CHECK(smaller.disk_bytes() == 400);
  CHECK_FALSE(fs::exists(dir / Sha256Hex(a)));
  CHECK(fs::exists(dir / Sha256Hex(c)));
  // An image larger than the whole bound is kept in memory only.
  std::string big(600, 'e');
  Keep(smaller, big);
  CHECK_FALSE(fs::exists(dir / Sha256Hex(big)));
  CHECK(smaller.Find(Sha256Hex(big)) != nullptr);
  CHECK(fs::exists(dir / Sha256Hex(c)));
  fs::remove_all(dir);
}

TEST_CASE("half-written files of an earlier run are removed", "[module]") {
  auto dir = FreshDirectory("temp");
  fs::create_directories(dir);
  std::string digest = Sha256Hex("x");
  std::ofstream(dir / (digest + ".tmp123")) << "partial";
  ImageCache cache(dir.string(), 1 << 20);
  CHECK_FALSE(fs::exists(dir / (digest + ".tmp123")));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vgpu::server
