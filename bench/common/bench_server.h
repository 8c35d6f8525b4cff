// The server a session benchmark talks to: the one VGPU_SERVER names, or else a
// vgpu-server the benchmark starts on a free loopback port (and exports as VGPU_SERVER).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "tests/e2e/harness/server_process.h"

namespace vgpu::bench {

struct BenchServer {
  std::unique_ptr<test::ServerProcess> started;  // null when VGPU_SERVER was given
  std::string address;
};

// False (with a message) when no server was given and none could be started.
inline bool UseOrStartServer(BenchServer* out) {
  if (const char* env = std::getenv("VGPU_SERVER"); env && *env) {
    out->address = env;
    return true;
  }
  out->started = test::ServerProcess::Start();
  if (!out->started) {
    std::fprintf(stderr, "vgpu-server did not start\n");
    return false;
  }
  out->address = out->started->address();
  setenv("VGPU_SERVER", out->address.c_str(), 1);
  return true;
}

}  // namespace vgpu::bench
