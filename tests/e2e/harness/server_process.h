// End-to-end test harness: a real vgpu-server on a free loopback port, and
// real programs run against it with vgpu's client libraries first on the
// library path. Every wait is bounded, so a broken build fails, never hangs.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace vgpu::test {

class ServerProcess {
 public:
  // Starts `vgpu-server --backend <TestBackend()>` (plus `extra_args`) on
  // `listen_host`:<free port> and waits until it accepts connections on
  // 127.0.0.1. Returns null if it does not come up (with the cuda backend: no
  // usable GPU here). address() is always the loopback one.
  static std::unique_ptr<ServerProcess> Start(std::vector<std::string> extra_args = {},
                                              const std::string& listen_host = "127.0.0.1");
  ~ServerProcess();

  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }
  // Sends `signal` and reaps the process.
  void Kill(int signal);
  // Sends `signal`; true when the process then exits by itself within
  // `timeout_seconds` (else it is killed). Reaps it either way.
  bool Terminate(int signal, int timeout_seconds);

 private:
  ServerProcess(pid_t pid, std::string address) : pid_(pid), address_(std::move(address)) {}
  pid_t pid_;
  std::string address_;
};

struct ProgramResult {
  int exit_code = -1;  // -1 if killed by the timeout
  std::string output;  // stdout and stderr together
};

// Runs `path args...` with `env` added to this process's environment, and
// LD_LIBRARY_PATH pointing at vgpu's client libraries first.
ProgramResult RunProgram(const std::string& path, const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env, int timeout_seconds = 120);

// The backend end-to-end tests run on: $VGPU_TEST_BACKEND, default "emu".
// The gpu-labelled variants of the e2e tests set it to "cuda".
std::string TestBackend();

// Paths of the build, from CMake.
std::string ServerBinary();
std::string ClientLibraryDir();
std::string ProgramDir();
std::string FixtureDir();

// A TCP port on 127.0.0.1 nobody listens on right now.
int FreePort();

}  // namespace vgpu::test
