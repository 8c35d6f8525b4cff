// vgpu's libnvidia-ml.so.1 end to end: NVML agrees with CUDA through the one
// session, fails as a driverless machine's NVML when no server listens, and
// exports only NVML's names.
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "tests/e2e/harness/server_process.h"

namespace vgpu::test {
namespace {

std::string Nvml() { return ProgramDir() + "/nvml"; }

TEST_CASE("NVML agrees with CUDA: uuid, name, PCI, memory, versions", "[e2e][nvml]") {
  auto server = ServerProcess::Start();
  if (!server && TestBackend() == "cuda") {
    WARN("no usable GPU for --backend cuda: skipped");
    return;
  }
  REQUIRE(server);
  // The emu backend's fixed host driver string; the cuda backend's is the host's.
  const std::string driver = TestBackend() == "emu" ? "580.95.05" : "-";
  ProgramResult result = RunProgram(Nvml(), {"agree", driver}, {{"VGPU_SERVER", server->address()}});
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("vgpu[") == std::string::npos);  // silent unless VGPU_LOG asks

  // With VGPU_LOG=warn the unimplemented name is logged, once.
  ProgramResult logged =
      RunProgram(Nvml(), {"agree", driver}, {{"VGPU_SERVER", server->address()}, {"VGPU_LOG", "warn"}});
  INFO(logged.output);
  CHECK(logged.exit_code == 0);
  const std::string line = "nvmlDeviceGetFanSpeed is not supported by vgpu";
  const size_t first = logged.output.find(line);
  CHECK(first != std::string::npos);
  CHECK(logged.output.find(line, first + 1) == std::string::npos);
}

TEST_CASE("NVML init fails with DRIVER_NOT_LOADED when no server listens", "[e2e][nvml]") {
  const std::string address = "127.0.0.1:" + std::to_string(FreePort());
  ProgramResult result = RunProgram(Nvml(), {"noserver"}, {{"VGPU_SERVER", address}});
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output == "ok\n");  // and NVML printed nothing of its own
}

TEST_CASE("libnvidia-ml.so.1 exports only nvml names, all @@libnvidia-ml.so.1", "[e2e][nvml][symbols]") {
  const std::string command = "nm -D --defined-only " + ClientLibraryDir() + "/libnvidia-ml.so.1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char line[512];
  int names = 0;
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    std::string text = line;
    if (!text.empty() && text.back() == '\n') text.pop_back();
    INFO(text);
    const std::string symbol = text.substr(text.rfind(' ') + 1);
    if (symbol == "libnvidia-ml.so.1") continue;  // the version definition itself
    CHECK(symbol.rfind("nvml", 0) == 0);
    CHECK(symbol.size() > 19);
    CHECK(symbol.substr(symbol.size() - 19) == "@@libnvidia-ml.so.1");
    ++names;
  }
  CHECK(pclose(pipe) == 0);
  CHECK(names > 40);
  for (const char* name : {"nvmlInit", "nvmlInit_v2", "nvmlShutdown", "nvmlErrorString", "nvmlDeviceGetHandleByUUID",
                           "nvmlDeviceGetMemoryInfo", "nvmlDeviceGetName", "nvmlSystemGetDriverVersion"}) {
    INFO(name);
    CHECK(system(("nm -D --defined-only " + ClientLibraryDir() + "/libnvidia-ml.so.1 | grep -q ' " + name +
                  "@@libnvidia-ml.so.1$'")
                     .c_str()) == 0);
  }
}

}  // namespace
}  // namespace vgpu::test
