// Session benchmark: what one CUDA call costs through vgpu, next to a raw
// TCP ping-pong measured in the same run on the same loopback.
//
//   bench_round_trip [vector_add.ptx]
//
// Starts its own vgpu-server (software GPU, or $VGPU_TEST_BACKEND) unless
// VGPU_SERVER is set.
// Prints figures; it is not a test and has no thresholds.
#include <arpa/inet.h>
#include <cuda.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/bench_server.h"
#include "bench/common/tcp_ping_pong.h"
#include "tests/e2e/harness/server_process.h"

namespace {

using Clock = std::chrono::steady_clock;

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

#define CHECK(call)                                                 \
  do {                                                              \
    CUresult r_ = (call);                                           \
    if (r_ != CUDA_SUCCESS) {                                       \
      std::fprintf(stderr, "%s failed: %d\n", #call, r_);           \
      std::exit(1);                                                 \
    }                                                               \
  } while (0)

}  // namespace

int main(int argc, char** argv) {
  std::string ptx_path = argc > 1 ? argv[1] : VGPU_BENCH_VECTOR_ADD_PTX;
  vgpu::bench::BenchServer bench_server;
  if (!vgpu::bench::UseOrStartServer(&bench_server)) return 1;
  const auto& server = bench_server.started;
  const std::string& address = bench_server.address;

  const int rounds = 2000;
  double tcp = vgpu::bench::TcpPingPongMicros(rounds);

  CUdevice dev;
  CUcontext ctx;
  CHECK(cuInit(0));
  CHECK(cuDeviceGet(&dev, 0));
  CHECK(cuCtxCreate(&ctx, nullptr, 0, dev));

  // One synchronizing call = one round trip, when it has something to wait
  // for (the record); with nothing in flight it is answered locally.
  CUevent event;
  CHECK(cuEventCreate(&event, CU_EVENT_DISABLE_TIMING));
  CHECK(cuCtxSynchronize());
  auto start = Clock::now();
  for (int i = 0; i < rounds; ++i) {
    CHECK(cuEventRecord(event, nullptr));
    CHECK(cuCtxSynchronize());
  }
  double sync = Micros(Clock::now() - start) / rounds;
  start = Clock::now();
  for (int i = 0; i < rounds * 100; ++i) CHECK(cuCtxSynchronize());
  double idle_sync = Micros(Clock::now() - start) / (rounds * 100);

  // Local queries never cross the network.
  int value = 0;
  start = Clock::now();
  for (int i = 0; i < rounds * 100; ++i) CHECK(cuDeviceGetAttribute(&value, CU_DEVICE_ATTRIBUTE_WARP_SIZE, dev));
  double attribute = Micros(Clock::now() - start) / (rounds * 100);

  // A decode-like step: many small launches, then one small read-back.
  std::ifstream file(ptx_path);
  std::string ptx((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  CUmodule module;
  CUfunction add;
  CHECK(cuModuleLoadData(&module, ptx.c_str()));
  CHECK(cuModuleGetFunction(&add, module, "vectorAdd"));
  CUdeviceptr a, b, c;
  const int n = 32;
  CHECK(cuMemAlloc(&a, n * 4));
  CHECK(cuMemAlloc(&b, n * 4));
  CHECK(cuMemAlloc(&c, n * 4));
  CHECK(cuMemsetD32(a, 0, n));
  CHECK(cuMemsetD32(b, 0, n));
  int count = n;
  void* args[] = {&a, &b, &c, &count};
  const int launches = 500, steps = 20;
  float result[n];
  Clock::duration client_side{};
  start = Clock::now();
  for (int step = 0; step < steps; ++step) {
    auto issue = Clock::now();
    for (int i = 0; i < launches; ++i) CHECK(cuLaunchKernel(add, 1, 1, 1, 32, 1, 1, 0, nullptr, args, nullptr));
    client_side += Clock::now() - issue;
    CHECK(cuMemcpyDtoH(result, c, sizeof(result)));
  }
  double step_us = Micros(Clock::now() - start) / steps;
  double issue_us = Micros(client_side) / steps / launches;

  // Bulk copies.
  const size_t bytes = 64 << 20;
  std::vector<char> host(bytes, 1);
  CUdeviceptr big;
  CHECK(cuMemAlloc(&big, bytes));
  start = Clock::now();
  CHECK(cuMemcpyHtoD(big, host.data(), bytes));
  CHECK(cuCtxSynchronize());
  double htod = bytes / Micros(Clock::now() - start);
  start = Clock::now();
  CHECK(cuMemcpyDtoH(host.data(), big, bytes));
  double dtoh = bytes / Micros(Clock::now() - start);

  std::printf("vgpu session benchmark (server %s, backend %s)\n", address.c_str(),
              server ? vgpu::test::TestBackend().c_str() : "as configured");
  std::printf("  baseline: raw TCP ping-pong          %8.1f us/round trip\n", tcp);
  std::printf("  record + cuCtxSynchronize (1 round trip) %8.1f us  (%.1fx baseline)\n", sync, sync / tcp);
  std::printf("  cuCtxSynchronize, nothing in flight (local) %8.3f us\n", idle_sync);
  std::printf("  cuDeviceGetAttribute (local)         %8.3f us\n", attribute);
  std::printf("  decode-like step: %d launches + 1 read-back %8.1f us  (%.2f round trips of baseline)\n",
              launches, step_us, step_us / tcp);
  std::printf("    of which issuing one launch (client) %8.2f us\n", issue_us);
  std::printf("  HtoD 64 MiB                          %8.1f MB/s\n", htod);
  std::printf("  DtoH 64 MiB                          %8.1f MB/s\n", dtoh);
  return 0;
}
