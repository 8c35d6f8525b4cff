#include "common/log.h"

#include <catch2/catch.hpp>

namespace vgpu::log {
namespace {

TEST_CASE("log levels parse and gate output", "[log]") {
  Level level;
  CHECK(ParseLevel("debug", &level));
  CHECK(level == Level::kDebug);
  CHECK_FALSE(ParseLevel("loud", &level));
  CHECK_FALSE(Configure("loud"));
  SetLevel(Level::kWarn);
  CHECK(Enabled(Level::kError));
  CHECK_FALSE(Enabled(Level::kInfo));
  SetLevel(Level::kOff);
  CHECK_FALSE(Enabled(Level::kError));
}

}  // namespace
}  // namespace vgpu::log
