// Waits answered without a round trip, end to end: the counts (never times)
// that VGPU_STATS reports for programs/round_trips.c's fixed pattern.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/harness/server_process.h"

namespace vgpu::test {
namespace {

// key=value pairs of the last vgpu-stats line in `path`; round_trips_by_op
// is split into "op:<n>" keys.
std::map<std::string, long> ReadStats(const std::string& path) {
  std::ifstream file(path);
  std::string line, last;
  while (std::getline(file, line)) {
    if (line.rfind("vgpu-stats ", 0) == 0) last = line;
  }
  std::map<std::string, long> stats;
  std::istringstream words(last);
  std::string word;
  while (words >> word) {
    auto eq = word.find('=');
    if (eq == std::string::npos) continue;
    std::string key = word.substr(0, eq), value = word.substr(eq + 1);
    if (key == "round_trips_by_op") {
      std::istringstream ops(value);
      std::string entry;
      while (std::getline(ops, entry, ',')) {
        auto colon = entry.find(':');
        if (colon != std::string::npos) stats["op:" + entry.substr(0, colon)] = std::stol(entry.substr(colon + 1));
      }
    } else if (!value.empty() && isdigit(static_cast<unsigned char>(value[0]))) {
      stats[key] = std::stol(value);
    }
  }
  return stats;
}

std::map<std::string, long> Run(const ServerProcess& server, std::vector<std::string> args) {
  char path[] = "/tmp/vgpu-round-trips-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  ProgramResult result =
      RunProgram(ProgramDir() + "/round_trips", args, {{"VGPU_SERVER", server.address()}, {"VGPU_STATS", path}});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  auto stats = ReadStats(path);
  unlink(path);
  REQUIRE(stats.count("round_trips") == 1);
  return stats;
}

// A server on the backend under test, or null when the gpu variant finds no
// GPU (the test then passes with a warning).
std::unique_ptr<ServerProcess> StartServer() {
  static bool no_gpu = false;  // found once, not retried by every test case
  if (no_gpu) return nullptr;
  auto server = ServerProcess::Start();
  if (!server && TestBackend() == "cuda") {
    no_gpu = true;
    WARN("no usable GPU for --backend cuda: skipped");
    return nullptr;
  }
  REQUIRE(server);
  return server;
}

long Get(const std::map<std::string, long>& stats, const std::string& key) {
  auto it = stats.find(key);
  return it == stats.end() ? 0 : it->second;
}

TEST_CASE("a fixed pattern of posted work and waits costs the round trips it must", "[e2e][stream]") {
  auto server = StartServer();
  if (!server) return;
  auto setup = Run(*server, {"setup"});
  auto pattern = Run(*server, {"pattern"});
  auto cost = [&](const std::string& key) { return Get(pattern, key) - Get(setup, key); };
  // Two stream synchronizes that had a record / a landing copy to wait for,
  // the per-thread stream's first (its creation is posted on first use, and
  // a posted create may have an error to report), one synchronous copy to
  // the host, one query of a never-recorded event.
  CHECK(cost("op:302") == 3);  // StreamSynchronize
  CHECK(cost("op:204") == 1);  // MemcpyDtoH
  CHECK(cost("op:403") == 1);  // EventQuery
  CHECK(cost("op:102") == 0);  // CtxSynchronize: legacy stream and context had nothing left
  CHECK(cost("op:402") == 0);  // EventSynchronize: its record was proven
  CHECK(cost("round_trips") == 5);
  // 5 idle synchronizes, 3 after copies only, 3 after the proven record
  // (stream, event synchronize, event query), legacy stream and context.
  CHECK(cost("answered_locally") == 13);
  // The per-thread stream's copies were fenced: S and the legacy stream
  // waited on its fence (create, record, two waits).
  CHECK(cost("fence_calls") == 4);
}

TEST_CASE("after a kernel fault every wait asks the server and reports it", "[e2e][stream]") {
  auto server = StartServer();
  if (!server) return;
  auto fault = Run(*server, {"fault", FixtureDir() + "/ptx/out_of_bounds.ptx"});
  auto setup = Run(*server, {"setup"});
  // The fault mode's own setup adds one context synchronize after loading.
  CHECK(Get(fault, "op:302") - Get(setup, "op:302") == 3);
  CHECK(Get(fault, "op:102") - Get(setup, "op:102") == 2);
  CHECK(Get(fault, "answered_locally") == Get(setup, "answered_locally"));
}

}  // namespace
}  // namespace vgpu::test
