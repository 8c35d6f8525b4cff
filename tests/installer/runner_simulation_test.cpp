// The reported bug, reproduced: Ollama starts its runner with
// LD_LIBRARY_PATH=<lib/ollama>:<lib/ollama/cuda_v13> and no LD_PRELOAD, and
// the runner dlopens libggml-cuda.so with RTLD_NOW. Before install that finds
// no libcuda.so.1 (or NVIDIA's runtime with no driver: 0 devices); after
// install it must reach vgpu-server's emulated GPU; after rollback, 0 again.
#include <catch2/catch.hpp>
#include <filesystem>

#include "fixture.h"
#include "tests/e2e/harness/server_process.h"

using vgpu::install_test::Era;
using vgpu::install_test::OllamaFixture;
using vgpu::install_test::RunProcess;
using vgpu::install_test::RunResult;

namespace {

// "count=N" from the runner child, -1 for a load failure.
int RunnerDeviceCount(const OllamaFixture& f, const std::string& server_address, std::string* log) {
  const std::string d = f.ollama_dir();
  std::vector<std::pair<std::string, std::string>> env = {{"LD_LIBRARY_PATH", d + ":" + d + "/cuda_v13"}};
  if (!server_address.empty()) env.push_back({"VGPU_SERVER", server_address});
  RunResult r = RunProcess({VGPU_RUNNER_SIM, d + "/cuda_v13/libggml-cuda.so"}, env);
  *log = "exit " + std::to_string(r.exit_code) + "\n" + r.out + r.err;
  auto pos = r.out.find("count=");
  if (pos == std::string::npos) return -1;
  return std::stoi(r.out.substr(pos + 6));
}

}  // namespace

TEST_CASE("runner simulation: before install, after install, after rollback", "[installer][e2e][runner]") {
  const Era era = GENERATE(Era::kB, Era::kC);
  DYNAMIC_SECTION("era " << vgpu::install_test::EraName(era)) {
    OllamaFixture f(era);
    const std::string ggml = f.ollama_dir() + "/cuda_v13/libggml-cuda.so";
    std::filesystem::remove(ggml);
    std::filesystem::copy_file(VGPU_FAKE_GGML_CUDA, ggml);
    // The fixture's cuda_v12 stand-in is no ELF file; doctor would (rightly) fail to load it.
    std::filesystem::remove(f.ollama_dir() + "/cuda_v12/libggml-cuda.so");

    auto server = vgpu::test::ServerProcess::Start();
    const std::string address = server->address();
    std::string log;

    int before = RunnerDeviceCount(f, address, &log);
    INFO("before install: " << log);
    CHECK((before == -1 || before == 0));

    std::vector<std::string> args = {"--lib-dir", VGPU_CLIENT_LIB_DIR};
    RunResult install = f.Vgpu("install", args);
    INFO(install.out << install.err);
    REQUIRE(install.exit_code == 0);
    int after = RunnerDeviceCount(f, address, &log);
    INFO("after install: " << log);
    CHECK(after == 1);

    // doctor sees the same through client.conf alone, with no VGPU_SERVER.
    RunResult conf = f.Vgpu("install", {"--lib-dir", VGPU_CLIENT_LIB_DIR, "--server", address});
    REQUIRE(conf.exit_code == 0);
    RunResult doctor = f.Vgpu("doctor", {"--lib-dir", VGPU_CLIENT_LIB_DIR}, {{"VGPU_SERVER", ""}});
    INFO(doctor.out << doctor.err);
    CHECK(doctor.exit_code == 0);
    CHECK(doctor.out.find("cuda_v13: runner sees 1 device(s)") != std::string::npos);

    RunResult rollback = f.Vgpu("rollback");
    INFO(rollback.out << rollback.err);
    REQUIRE(rollback.exit_code == 0);
    int rolled_back = RunnerDeviceCount(f, address, &log);
    INFO("after rollback: " << log);
    CHECK((rolled_back == -1 || rolled_back == 0));
  }
}
