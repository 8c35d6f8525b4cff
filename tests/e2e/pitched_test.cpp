// 2D/3D copies and 2D memsets end to end (tests/e2e/programs/pitched.c):
// libcuda.so.1 -> one Memcpy3D/Memset2D message per copy -> vgpu-server.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "tests/e2e/harness/server_process.h"

namespace vgpu::test {
namespace {

std::unique_ptr<ServerProcess> StartServer() {
  auto server = ServerProcess::Start();
  if (!server && TestBackend() == "cuda") {
    WARN("no usable GPU for --backend cuda: skipped");
    return nullptr;
  }
  REQUIRE(server);
  return server;
}

ProgramResult Run(const ServerProcess& server, const std::string& scenario,
                  std::map<std::string, std::string> env = {}) {
  env["VGPU_SERVER"] = server.address();
  ProgramResult result = RunProgram(ProgramDir() + "/pitched", {scenario}, env);
  INFO(result.output);
  return result;
}

void Expect(const std::string& scenario) {
  auto server = StartServer();
  if (!server) return;
  ProgramResult result = Run(*server, scenario);
  INFO(result.output);
  CHECK(result.exit_code == 0);
}

TEST_CASE("cuMemcpy2D in every direction with odd pitches and offsets", "[e2e][memory]") { Expect("copies2d"); }

TEST_CASE("cuMemcpy3D in every direction with odd pitches, offsets and slice heights", "[e2e][memory]") {
  Expect("copies3d");
}

TEST_CASE("cuMemsetD2D8/16/32 with odd pitches, sync and async", "[e2e][memory]") { Expect("memsets2d"); }

TEST_CASE("2D copies larger than a wire chunk, and rows wider than one", "[e2e][memory]") { Expect("chunked"); }

TEST_CASE("bad 2D/3D copies and memsets are errors, not crashes", "[e2e][memory]") { Expect("errors"); }

TEST_CASE("captured 2D copies replay with fresh host bytes", "[e2e][graph]") { Expect("capture"); }

TEST_CASE("explicitly built graphs replay like captured ones", "[e2e][graph]") {
  auto server = StartServer();
  if (!server) return;
  ProgramResult result = RunProgram(ProgramDir() + "/graph_nodes", {FixtureDir() + "/ptx/vector_add.ptx"},
                                    {{"VGPU_SERVER", server->address()}});
  INFO(result.output);
  CHECK(result.exit_code == 0);
}

// Key=value pairs of the VGPU_STATS line.
std::map<std::string, long> ReadStats(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line)) last = line;
  std::map<std::string, long> stats;
  std::istringstream words(last);
  std::string word;
  while (words >> word) {
    auto eq = word.find('=');
    if (eq == std::string::npos) continue;
    try {
      stats[word.substr(0, eq)] = std::stol(word.substr(eq + 1));
    } catch (...) {
    }
  }
  return stats;
}

TEST_CASE("a 512-row 2D copy is one wire message each way, not one per row", "[e2e][memory]") {
  auto server = StartServer();
  if (!server) return;
  std::string path = "/tmp/vgpu_pitched_stats." + std::to_string(getpid());
  std::remove(path.c_str());
  ProgramResult result = Run(*server, "count", {{"VGPU_STATS", path}});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  auto stats = ReadStats(path);
  std::remove(path.c_str());
  REQUIRE(stats.count("posted"));
  INFO("posted " << stats["posted"] << ", landings " << stats["landings"] << ", round trips "
                 << stats["round_trips"]);
  // Context create, allocation, the two copies and teardown: a handful, far
  // below the 1024 messages a per-row copy would take.
  CHECK(stats["posted"] + stats["landings"] + stats["round_trips"] < 16);
}

}  // namespace
}  // namespace vgpu::test
