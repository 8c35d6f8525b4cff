// Device printf and assert end to end: device_output_driver (driver API, the committed PTX)
// against a real vgpu-server on the software GPU.
#include <catch2/catch.hpp>

#include "tests/e2e/harness/server_process.h"

namespace vgpu::test {
namespace {

ProgramResult Run(const std::string& scenario) {
  auto server = ServerProcess::Start();
  REQUIRE(server);
  ProgramResult result = RunProgram(VGPU_DEVICE_OUTPUT_DRIVER, {scenario, VGPU_DEVICE_OUTPUT_PTX},
                                    {{"VGPU_SERVER", server->address()}});
  INFO(result.output);
  CHECK(result.exit_code == 0);
  return result;
}

TEST_CASE("device printf from several threads reaches the client's stdout at the synchronization",
          "[e2e][device_output]") {
  ProgramResult result = Run("printf");
  CHECK(result.output.find("block 1 thread 3: tag=7 value=1.50 odd") != std::string::npos);
}

TEST_CASE("a failed device assert is CUDA_ERROR_ASSERT, sticky, with its message on stderr",
          "[e2e][device_output]") {
  ProgramResult result = Run("assert");
  CHECK(result.output.find("Assertion `threadIdx.x < limit` failed.") != std::string::npos);
}

}  // namespace
}  // namespace vgpu::test
