// The server's bounded resources end to end, on the software GPU: a runaway
// kernel stops when its client goes and never keeps the server from exiting,
// sessions beyond --max-sessions are refused, and a --quota-mib is the
// device every API reports.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "tests/e2e/harness/server_process.h"

namespace vgpu::test {
namespace {

namespace fs = std::filesystem;

std::string Program() { return ProgramDir() + "/limits"; }

std::string MarkerPath(const std::string& name) {
  return (fs::temp_directory_path() / ("vgpu_limits_" + name + "_" + std::to_string(getpid()))).string();
}

// Waits (bounded) for a client to create `path`.
bool AwaitFile(const std::string& path) {
  for (int i = 0; i < 600; ++i) {
    if (fs::exists(path)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::unique_ptr<ServerProcess> StartEmu(std::vector<std::string> args) {
  if (TestBackend() != "emu") return nullptr;  // these scenarios are about the software GPU
  auto server = ServerProcess::Start(std::move(args));
  REQUIRE(server);
  return server;
}

TEST_CASE("a runaway kernel stops when its client is killed, and SIGTERM still ends the server", "[e2e][limits]") {
  auto server = StartEmu({"--emu-memory-gib", "1"});
  if (!server) return;
  std::map<std::string, std::string> env{{"VGPU_SERVER", server->address()}};
  const std::string marker = MarkerPath("killed");
  fs::remove(marker);
  // The client holds 768 MiB of the 1 GiB device while its kernel spins.
  auto spinner = std::async(std::launch::async, [&] { return RunProgram(Program(), {"spin", "768", marker}, env); });
  REQUIRE(AwaitFile(marker));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let the launch reach the server
  pid_t client = 0;
  std::ifstream(marker) >> client;
  REQUIRE(client > 0);
  kill(client, SIGKILL);  // our own child, by its id
  ProgramResult killed = spinner.get();
  INFO(killed.output);
  CHECK(killed.exit_code == -1);
  // Its session must end and free the memory for the next client (which
  // retries for up to 30 s while the server notices).
  ProgramResult next = RunProgram(Program(), {"alloc", "768", "300"}, env);
  INFO(next.output);
  CHECK(next.exit_code == 0);
  fs::remove(marker);
  CHECK(server->Terminate(SIGTERM, 30));
}

TEST_CASE("SIGTERM ends the server while a client's kernel spins", "[e2e][limits]") {
  auto server = StartEmu({});
  if (!server) return;
  std::map<std::string, std::string> env{{"VGPU_SERVER", server->address()}};
  const std::string marker = MarkerPath("live");
  fs::remove(marker);
  auto spinner = std::async(std::launch::async, [&] { return RunProgram(Program(), {"spin", "16", marker}, env, 120); });
  REQUIRE(AwaitFile(marker));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let the launch reach the server
  CHECK(server->Terminate(SIGTERM, 30));
  // The client gets an error (its launch was stopped, or the server is
  // gone) instead of waiting forever.
  ProgramResult client = spinner.get();
  INFO(client.output);
  CHECK(client.exit_code == 1);
  CHECK(client.output.find("cuCtxSynchronize() -> ") != std::string::npos);
  fs::remove(marker);
}

TEST_CASE("SIGTERM ends the server even while one thread block never ends", "[e2e][limits]") {
  auto server = StartEmu({});
  if (!server) return;
  const std::string marker = MarkerPath("one_block");
  fs::remove(marker);
  auto spinner = std::async(std::launch::async, [&] {
    return RunProgram(Program(), {"spin", "16", marker, "one"}, {{"VGPU_SERVER", server->address()}}, 120);
  });
  REQUIRE(AwaitFile(marker));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let the launch reach the server
  // Launches stop only between blocks; the exit does not wait for this one.
  CHECK(server->Terminate(SIGTERM, 30));
  ProgramResult client = spinner.get();
  INFO(client.output);
  CHECK(client.exit_code == 1);
  fs::remove(marker);
}

TEST_CASE("the kernel timeout ends a launch with CUDA_ERROR_LAUNCH_TIMEOUT", "[e2e][limits]") {
  auto server = StartEmu({"--emu-kernel-timeout", "0.2"});
  if (!server) return;
  const std::string marker = MarkerPath("timeout");
  fs::remove(marker);
  ProgramResult result = RunProgram(Program(), {"spin", "16", marker}, {{"VGPU_SERVER", server->address()}}, 120);
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("CUDA_ERROR_LAUNCH_TIMEOUT") != std::string::npos);
  fs::remove(marker);
}

TEST_CASE("sessions beyond --max-sessions are refused with a clear message", "[e2e][limits]") {
  auto server = StartEmu({"--max-sessions", "1"});
  if (!server) return;
  std::map<std::string, std::string> env{{"VGPU_SERVER", server->address()}, {"VGPU_LOG", "warn"}};
  const std::string marker = MarkerPath("hold");
  fs::remove(marker);
  auto holder = std::async(std::launch::async, [&] { return RunProgram(Program(), {"hold", marker}, env); });
  REQUIRE(AwaitFile(marker));
  ProgramResult refused = RunProgram(Program(), {"init"}, env);
  INFO(refused.output);
  CHECK(refused.exit_code == 3);
  CHECK(refused.output.find("--max-sessions") != std::string::npos);
  fs::remove(marker);  // the holder leaves
  ProgramResult held = holder.get();
  INFO(held.output);
  CHECK(held.exit_code == 0);
  // Its seat is free again once its session has closed.
  bool admitted = false;
  for (int i = 0; i < 100 && !admitted; ++i) {
    admitted = RunProgram(Program(), {"init"}, env).exit_code == 0;
    if (!admitted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(admitted);
}

TEST_CASE("a --quota-mib is the device every API reports", "[e2e][limits][memory]") {
  auto server = StartEmu({"--quota-mib", "64"});
  if (!server) return;
  ProgramResult result = RunProgram(Program(), {"quota", "64"}, {{"VGPU_SERVER", server->address()}});
  INFO(result.output);
  CHECK(result.exit_code == 0);
}

TEST_CASE("a token's quota_mib is that client's device", "[e2e][limits][memory]") {
  const std::string tokens = MarkerPath("tokens");
  std::ofstream(tokens) << "small-token quota_mib=32\nplain-token\n";
  auto server = StartEmu({"--token-file", tokens, "--quota-mib", "64"});
  if (!server) return;
  ProgramResult small = RunProgram(Program(), {"quota", "32"},
                                   {{"VGPU_SERVER", server->address()}, {"VGPU_TOKEN", "small-token"}});
  INFO(small.output);
  CHECK(small.exit_code == 0);
  ProgramResult plain = RunProgram(Program(), {"quota", "64"},
                                   {{"VGPU_SERVER", server->address()}, {"VGPU_TOKEN", "plain-token"}});
  INFO(plain.output);
  CHECK(plain.exit_code == 0);
  fs::remove(tokens);
}

}  // namespace
}  // namespace vgpu::test
