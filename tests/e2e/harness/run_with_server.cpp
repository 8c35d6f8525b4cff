// Runs one CUDA program against a fresh vgpu-server (emu backend):
//   vgpu_e2e_runner <program> [args...]
// The program sees VGPU_SERVER=<address> and LD_LIBRARY_PATH=<client libs>,
// so it loads vgpu's libraries (libcudart, libcublas, libcuda). Exit status: the program's
// (1 if it was killed or ran past the harness's time limit).
#include <cstdio>
#include <string>
#include <vector>

#include "tests/e2e/harness/server_process.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <program> [args...]\n", argv[0]);
    return 2;
  }
  auto server = vgpu::test::ServerProcess::Start();
  if (!server) {
    std::fprintf(stderr, "vgpu-server did not start\n");
    return 2;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  vgpu::test::ProgramResult result = vgpu::test::RunProgram(argv[1], args, {{"VGPU_SERVER", server->address()}});
  std::fputs(result.output.c_str(), stdout);
  return result.exit_code == 0 ? 0 : 1;
}
