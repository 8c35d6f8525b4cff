// The driver API end to end: libcuda.so.1 -> gRPC -> vgpu-server (emu).
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "tests/e2e/harness/server_process.h"

namespace vgpu::test {
namespace {

ProgramResult RunScenario(const ServerProcess& server, std::vector<std::string> args) {
  ProgramResult result = RunProgram(ProgramDir() + "/driver_api", args, {{"VGPU_SERVER", server.address()}});
  INFO(result.output);
  return result;
}

// A server on the backend under test, or null when the gpu variant finds no
// GPU (the test then passes with a warning: nothing to check here).
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

void Expect(const std::vector<std::string>& args) {
  auto server = StartServer();
  if (!server) return;
  ProgramResult result = RunScenario(*server, args);
  INFO(result.output);
  CHECK(result.exit_code == 0);
}

TEST_CASE("devices and attributes come from the server's inventory", "[e2e][device]") { Expect({"devices"}); }

TEST_CASE("copies round-trip from 1 B to 256 MiB", "[e2e][memory]") { Expect({"copies"}); }

TEST_CASE("memsets of 8, 16 and 32 bits", "[e2e][memory]") { Expect({"memsets"}); }

TEST_CASE("streams and events keep order across two threads", "[e2e][stream]") { Expect({"streams"}); }

TEST_CASE("modules report the kernel's parameter layout", "[e2e][module]") {
  SECTION("PTX") { Expect({"layout", FixtureDir() + "/image/params.ptx"}); }
  SECTION("fatbin with compressed PTX") { Expect({"layout", FixtureDir() + "/image/params_default.fatbin"}); }
}

TEST_CASE("libcuda.so.1 is found by dlopen through LD_LIBRARY_PATH", "[e2e][driver]") { Expect({"dlopen"}); }

TEST_CASE("a child forked after cuInit gets an error and leaves the parent's session intact", "[e2e][session]") {
  Expect({"fork"});
}

TEST_CASE("a bad device pointer is an error, not a crash", "[e2e][memory]") { Expect({"bad-pointer"}); }

TEST_CASE("kernels run through cuLaunchKernel on the software GPU", "[e2e][function]") {
  SECTION("PTX") { Expect({"launch", FixtureDir() + "/ptx/vector_add.ptx"}); }
  SECTION("fatbin") { Expect({"launch", FixtureDir() + "/ptx/vector_add.fatbin"}); }
}

TEST_CASE("stream capture records a graph that replays with fresh host bytes", "[e2e][graph]") {
  Expect({"graphs", FixtureDir() + "/ptx/vector_add.ptx"});
}

TEST_CASE("the project's kernels run through the wire: atomics, shuffles, constants, faults", "[e2e][function]") {
  Expect({"kernels", FixtureDir() + "/ptx"});
}

TEST_CASE("several client processes share one server without interfering", "[e2e][session]") {
  auto server = StartServer();
  if (!server) return;
  std::vector<std::vector<std::string>> scenarios = {
      {"kernels", FixtureDir() + "/ptx"}, {"streams"}, {"memsets"}, {"kernels", FixtureDir() + "/ptx"}};
  std::vector<std::future<ProgramResult>> running;
  for (const auto& args : scenarios) {
    running.push_back(std::async(std::launch::async, [&server, args] {
      return RunProgram(ProgramDir() + "/driver_api", args, {{"VGPU_SERVER", server->address()}});
    }));
  }
  for (auto& result : running) {
    ProgramResult done = result.get();
    INFO(done.output);
    CHECK(done.exit_code == 0);
  }
}

TEST_CASE("a server killed mid-run gives prompt errors", "[e2e][session]") {
  auto server = StartServer();
  if (!server) return;
  std::thread killer([&] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    server->Kill(SIGKILL);
  });
  ProgramResult result = RunProgram(ProgramDir() + "/driver_api", {"server-dies"}, {{"VGPU_SERVER", server->address()}});
  killer.join();
  INFO(result.output);
  CHECK(result.output.find("ready") != std::string::npos);
  CHECK(result.exit_code == 0);
}

TEST_CASE("no server at all gives CUDA_ERROR_NO_DEVICE quickly", "[e2e][session]") {
  std::string address = "127.0.0.1:" + std::to_string(FreePort());
  ProgramResult result = RunProgram(ProgramDir() + "/driver_api", {"no-server"}, {{"VGPU_SERVER", address}});
  INFO(result.output);
  CHECK(result.exit_code == 0);
}

}  // namespace
}  // namespace vgpu::test
