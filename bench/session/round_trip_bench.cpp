// Session benchmark: what one CUDA call costs through vgpu, next to a raw
// TCP ping-pong measured in the same run on the same loopback.
//
//   bench_round_trip [vector_add.ptx]
//
// Starts its own vgpu-server (software GPU) unless VGPU_SERVER is set.
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

// Baseline: 1-byte request/response over loopback TCP, nothing else.
double TcpPingPongMicros(int rounds) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t length = sizeof(addr);
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &length);
  listen(listener, 1);
  std::thread echo([&] {
    int fd = accept(listener, nullptr, nullptr);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    char byte;
    while (read(fd, &byte, 1) == 1) {
      if (write(fd, &byte, 1) != 1) break;
    }
    close(fd);
  });
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  char byte = 1;
  auto start = Clock::now();
  for (int i = 0; i < rounds; ++i) {
    if (write(fd, &byte, 1) != 1 || read(fd, &byte, 1) != 1) break;
  }
  double per = Micros(Clock::now() - start) / rounds;
  close(fd);
  echo.join();
  close(listener);
  return per;
}

pid_t StartServer(std::string* address) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t length = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  close(fd);
  *address = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  pid_t pid = fork();
  if (pid == 0) {
    execl(VGPU_BENCH_SERVER_BIN, VGPU_BENCH_SERVER_BIN, "--backend", "emu", "--listen", address->c_str(),
          "--log-level", "warn", static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    bool up = connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(probe);
    if (up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pid;
}

}  // namespace

int main(int argc, char** argv) {
  std::string ptx_path = argc > 1 ? argv[1] : VGPU_BENCH_VECTOR_ADD_PTX;
  pid_t server = 0;
  std::string address;
  if (const char* env = std::getenv("VGPU_SERVER"); env && *env) {
    address = env;
  } else {
    server = StartServer(&address);
    setenv("VGPU_SERVER", address.c_str(), 1);
  }

  const int rounds = 2000;
  double tcp = TcpPingPongMicros(rounds);

  CUdevice dev;
  CUcontext ctx;
  CHECK(cuInit(0));
  CHECK(cuDeviceGet(&dev, 0));
  CHECK(cuCtxCreate(&ctx, nullptr, 0, dev));

  // One synchronizing call = one round trip.
  CHECK(cuCtxSynchronize());
  auto start = Clock::now();
  for (int i = 0; i < rounds; ++i) CHECK(cuCtxSynchronize());
  double sync = Micros(Clock::now() - start) / rounds;

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
  start = Clock::now();
  for (int step = 0; step < steps; ++step) {
    for (int i = 0; i < launches; ++i) CHECK(cuLaunchKernel(add, 1, 1, 1, 32, 1, 1, 0, nullptr, args, nullptr));
    CHECK(cuMemcpyDtoH(result, c, sizeof(result)));
  }
  double step_us = Micros(Clock::now() - start) / steps;

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

  std::printf("vgpu session benchmark (server %s, software GPU)\n", address.c_str());
  std::printf("  baseline: raw TCP ping-pong          %8.1f us/round trip\n", tcp);
  std::printf("  cuCtxSynchronize (1 round trip)      %8.1f us  (%.1fx baseline)\n", sync, sync / tcp);
  std::printf("  cuDeviceGetAttribute (local)         %8.3f us\n", attribute);
  std::printf("  decode-like step: %d launches + 1 read-back %8.1f us  (%.2f round trips of baseline)\n",
              launches, step_us, step_us / tcp);
  std::printf("  HtoD 64 MiB                          %8.1f MB/s\n", htod);
  std::printf("  DtoH 64 MiB                          %8.1f MB/s\n", dtoh);
  if (server > 0) {
    kill(server, SIGTERM);
    waitpid(server, nullptr, 0);
  }
  return 0;
}
