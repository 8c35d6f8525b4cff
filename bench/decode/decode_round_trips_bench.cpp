// Decode benchmark: blocking round trips per token for the call pattern
// ggml-cuda issues per decoded token (measured on node-llama-cpp's
// libggml-cuda.so through vgpu): its scheduler synchronizes the compute
// stream S 7 times with nothing new on it, sets 6 small inputs with
// cudaMemcpyAsync on the per-thread stream followed by
// cudaStreamSynchronize(cudaStreamPerThread) (each after another S
// synchronize), runs the graph on S, and reads the logits back with an async
// copy and a last S synchronize. 19 waits per token; the one that must reach
// the server is the last.
//
//   bench_decode_round_trips [tokens] [launches-per-token] [vector_add.ptx]
//
// Round trips are counted by libcuda itself (VGPU_STATS) in child processes
// decoding `tokens` and 2 x `tokens` tokens, so setup cancels out. Starts its
// own vgpu-server (software GPU, or $VGPU_TEST_BACKEND) unless VGPU_SERVER is
// set. Prints figures; it is not a test and has no thresholds.
#include <cuda.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bench/common/bench_server.h"
#include "bench/common/tcp_ping_pong.h"
#include "tests/e2e/harness/server_process.h"

namespace {

using Clock = std::chrono::steady_clock;

#define CHECK(call)                                                 \
  do {                                                              \
    CUresult r_ = (call);                                           \
    if (r_ != CUDA_SUCCESS) {                                       \
      std::fprintf(stderr, "%s failed: %d\n", #call, r_);           \
      std::exit(1);                                                 \
    }                                                               \
  } while (0)

constexpr int kIdleSyncs = 7;
constexpr int kInputs = 6;

// The child: decodes `tokens` tokens of the pattern and prints microseconds per token.
int Decode(int tokens, int launches, const std::string& ptx_path) {
  std::ifstream file(ptx_path);
  std::string ptx((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  CUdevice dev;
  CUcontext ctx;
  CUstream s;
  CUmodule module;
  CUfunction add;
  CHECK(cuInit(0));
  CHECK(cuDeviceGet(&dev, 0));
  CHECK(cuCtxCreate(&ctx, nullptr, 0, dev));
  CHECK(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
  CHECK(cuModuleLoadData(&module, ptx.c_str()));
  CHECK(cuModuleGetFunction(&add, module, "vectorAdd"));
  const int n = 64;
  CUdeviceptr a, b, c, inputs;
  CHECK(cuMemAlloc(&a, n * 4));
  CHECK(cuMemAlloc(&b, n * 4));
  CHECK(cuMemAlloc(&c, n * 4));
  CHECK(cuMemAlloc(&inputs, kInputs * 256));
  CHECK(cuMemsetD32(a, 0, n));
  CHECK(cuMemsetD32(b, 0, n));
  // Warm-up token, so that the per-thread stream exists before timing.
  CHECK(cuMemcpyHtoDAsync(inputs, &n, sizeof(n), CU_STREAM_PER_THREAD));
  CHECK(cuStreamSynchronize(CU_STREAM_PER_THREAD));
  CHECK(cuCtxSynchronize());
  int count = n;
  void* args[] = {&a, &b, &c, &count};
  std::vector<char> input(256, 1);
  float logits[n];
  auto start = Clock::now();
  for (int token = 0; token < tokens; ++token) {
    for (int i = 0; i < kIdleSyncs; ++i) CHECK(cuStreamSynchronize(s));
    for (int i = 0; i < kInputs; ++i) {
      CHECK(cuStreamSynchronize(s));
      input[0] = static_cast<char>(token + i);
      CHECK(cuMemcpyHtoDAsync(inputs + i * 256, input.data(), input.size(), CU_STREAM_PER_THREAD));
      CHECK(cuStreamSynchronize(CU_STREAM_PER_THREAD));
    }
    for (int i = 0; i < launches; ++i) CHECK(cuLaunchKernel(add, 1, 1, 1, 64, 1, 1, 0, s, args, nullptr));
    CHECK(cuMemcpyDtoHAsync(logits, c, sizeof(logits), s));
    CHECK(cuStreamSynchronize(s));
  }
  double per_token = std::chrono::duration<double, std::micro>(Clock::now() - start).count() / tokens;
  std::printf("us_per_token=%.1f\n", per_token);
  return 0;
}

// The last vgpu-stats line of `path` as key -> value.
std::map<std::string, std::string> ReadStats(const std::string& path) {
  std::ifstream file(path);
  std::string line, last;
  while (std::getline(file, line)) {
    if (line.rfind("vgpu-stats ", 0) == 0) last = line;
  }
  std::map<std::string, std::string> stats;
  std::istringstream words(last);
  std::string word;
  while (words >> word) {
    auto eq = word.find('=');
    if (eq != std::string::npos) stats[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return stats;
}

struct Run {
  double round_trips = 0, answered_locally = 0, fence_calls = 0, us_per_token = 0;
};

Run RunChild(const char* self, int tokens, int launches, const std::string& ptx) {
  char path[] = "/tmp/vgpu-decode-bench-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) std::exit(1);
  close(fd);
  setenv("VGPU_STATS", path, 1);
  std::string command = std::string(self) + " --child " + std::to_string(tokens) + " " + std::to_string(launches) +
                        " '" + ptx + "'";
  Run run;
  FILE* child = popen(command.c_str(), "r");
  char line[256];
  while (child && std::fgets(line, sizeof(line), child)) std::sscanf(line, "us_per_token=%lf", &run.us_per_token);
  if (!child || pclose(child) != 0) {
    std::fprintf(stderr, "the decoding child failed\n");
    std::exit(1);
  }
  unsetenv("VGPU_STATS");
  auto stats = ReadStats(path);
  unlink(path);
  run.round_trips = std::atof(stats["round_trips"].c_str());
  run.answered_locally = std::atof(stats["answered_locally"].c_str());
  run.fence_calls = std::atof(stats["fence_calls"].c_str());
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 5 && std::strcmp(argv[1], "--child") == 0) return Decode(std::atoi(argv[2]), std::atoi(argv[3]), argv[4]);
  const int tokens = argc > 1 ? std::atoi(argv[1]) : 20;
  const int launches = argc > 2 ? std::atoi(argv[2]) : 50;
  const std::string ptx = argc > 3 ? argv[3] : VGPU_BENCH_VECTOR_ADD_PTX;
  vgpu::bench::BenchServer bench_server;
  if (!vgpu::bench::UseOrStartServer(&bench_server)) return 1;
  const auto& server = bench_server.started;
  const std::string& address = bench_server.address;
  const double tcp = vgpu::bench::TcpPingPongMicros(2000);
  Run once = RunChild(argv[0], tokens, launches, ptx);
  Run twice = RunChild(argv[0], 2 * tokens, launches, ptx);
  const double per = tokens;
  std::printf("vgpu decode benchmark (server %s, backend %s): ggml-like token of %d waits, %d launches\n",
              address.c_str(), server ? vgpu::test::TestBackend().c_str() : "as configured",
              kIdleSyncs + 2 * kInputs + 1, launches);
  std::printf("  blocking round trips per token       %8.2f  (every wait a round trip: %d)\n",
              (twice.round_trips - once.round_trips) / per, kIdleSyncs + 2 * kInputs + 1);
  std::printf("  waits answered locally per token     %8.2f\n", (twice.answered_locally - once.answered_locally) / per);
  std::printf("  fence calls posted per token         %8.2f\n", (twice.fence_calls - once.fence_calls) / per);
  std::printf("  baseline: raw TCP ping-pong          %8.1f us/round trip\n", tcp);
  std::printf("  time per token                       %8.1f us  (%.1f baseline round trips)\n", twice.us_per_token,
              twice.us_per_token / tcp);
  return 0;
}
