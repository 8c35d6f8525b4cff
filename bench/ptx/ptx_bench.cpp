// Prints the interpreter's throughput on the project's matmul and reduction kernels, as
// thread-instructions per second of wall time and per CPU-second (i.e. per busy core).
// Usage: ptx_bench [fixture_dir]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bench/ptx/host_memory.h"
#include "server/backends/emu/ptx/ptx.h"

namespace {

using vgpu::ptx::DeviceMemory;
using vgpu::ptx::Kernel;
using vgpu::ptx::LaunchConfig;
using vgpu::ptx::Module;

using vgpu::bench::CpuSeconds;
using vgpu::bench::HostMemory;

template <typename T>
void Put(std::vector<uint8_t>& params, const Kernel& k, size_t i, T v) {
  std::memcpy(params.data() + k.params[i].offset, &v, sizeof(T));
}

int Bench(const char* label, const Module& m, const std::string& kernel, const LaunchConfig& cfg,
          const std::vector<uint8_t>& params, DeviceMemory& mem, int reps) {
  uint64_t before = vgpu::ptx::ExecutedThreadInstructions();
  double cpu0 = CpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) {
    vgpu::Status s = vgpu::ptx::Launch(m, kernel, cfg, params, mem, {});
    if (!s.ok()) {
      std::fprintf(stderr, "%s: %s\n", label, s.ToString().c_str());
      return 1;
    }
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = CpuSeconds() - cpu0;
  double n = double(vgpu::ptx::ExecutedThreadInstructions() - before);
  std::printf("%-24s %12.0f thread-instr  %8.3f s wall  %8.3f s cpu  %8.1f M/s  %8.1f M/s per core\n", label, n,
              wall, cpu, n / wall / 1e6, n / cpu / 1e6);
  return 0;
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : VGPU_FIXTURE_DIR;
  auto mm = Module::Parse(Read(dir + "/ptx/matmul.ptx"));
  auto rm = Module::Parse(Read(dir + "/ptx/reduce_shared.ptx"));
  auto vm = Module::Parse(Read(dir + "/ptx/vector_add.ptx"));
  if (!mm.ok() || !rm.ok() || !vm.ok()) {
    std::fprintf(stderr, "cannot load fixtures from %s\n", dir.c_str());
    return 1;
  }
  HostMemory mem;
  int rc = 0;
  {
    const int n = 256;
    const Kernel& k = *(*mm)->FindKernel("matmulF32");
    std::vector<uint8_t> p(k.param_bytes);
    Put(p, k, 0, mem.Alloc(n * n * 4));
    Put(p, k, 1, mem.Alloc(n * n * 4));
    Put(p, k, 2, mem.Alloc(n * n * 4));
    Put(p, k, 3, n);
    LaunchConfig cfg{{n / 16, n / 16, 1}, {16, 16, 1}, 0};
    rc |= Bench("matmulF32 256x256", **mm, "matmulF32", cfg, p, mem, 3);
  }
  {
    const int n = 128;
    const Kernel& k = *(*mm)->FindKernel("matmulF16");
    std::vector<uint8_t> p(k.param_bytes);
    Put(p, k, 0, mem.Alloc(n * n * 2));
    Put(p, k, 1, mem.Alloc(n * n * 2));
    Put(p, k, 2, mem.Alloc(n * n * 2));
    Put(p, k, 3, n);
    LaunchConfig cfg{{n / 16, n / 16, 1}, {16, 16, 1}, 0};
    rc |= Bench("matmulF16 128x128", **mm, "matmulF16", cfg, p, mem, 3);
  }
  {
    const uint32_t n = 1 << 22, threads = 256, blocks = n / (threads * 2);
    const Kernel& k = *(*rm)->FindKernel("reduceShared");
    std::vector<uint8_t> p(k.param_bytes);
    Put(p, k, 0, mem.Alloc(n * 4));
    Put(p, k, 1, mem.Alloc(blocks * 4));
    Put(p, k, 2, n);
    LaunchConfig cfg{{blocks, 1, 1}, {threads, 1, 1}, 0};
    rc |= Bench("reduceShared 4M floats", **rm, "reduceShared", cfg, p, mem, 3);
  }
  {
    // Many small blocks: per-block setup cost dominates.
    const int n = 1 << 22;
    const Kernel& k = *(*vm)->FindKernel("vectorAdd");
    std::vector<uint8_t> p(k.param_bytes);
    Put(p, k, 0, mem.Alloc(n * 4));
    Put(p, k, 1, mem.Alloc(n * 4));
    Put(p, k, 2, mem.Alloc(n * 4));
    Put(p, k, 3, n);
    LaunchConfig cfg{{uint32_t(n / 256), 1, 1}, {256, 1, 1}, 0};
    rc |= Bench("vectorAdd 4M floats", **vm, "vectorAdd", cfg, p, mem, 3);
  }
  return rc;
}
