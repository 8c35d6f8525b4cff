// Runs one CUDA program against a fresh vgpu-server (emu backend):
//   vgpu_cudart_e2e_runner <program> [args...]
// The program sees VGPU_SERVER=<address> and LD_LIBRARY_PATH=<client libs>,
// so it loads vgpu's libcudart and libcuda. Exit status: the program's.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/e2e/harness/server_process.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <program> [args...]\n", argv[0]);
    return 2;
  }
  auto server = vgpu::test::ServerProcess::Start();
  std::string address = server->address();
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    setenv("VGPU_SERVER", address.c_str(), 1);
    setenv("LD_LIBRARY_PATH", VGPU_CLIENT_BUILD_DIR, 1);
    execv(argv[1], argv + 1);
    std::perror("execv");
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return 2;
  if (WIFSIGNALED(status)) {
    std::fprintf(stderr, "%s killed by signal %d\n", argv[1], WTERMSIG(status));
    return 1;
  }
  return WEXITSTATUS(status);
}
