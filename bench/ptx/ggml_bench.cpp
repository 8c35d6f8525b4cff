// The interpreter against plain C++ on ggml-shaped work, in the same run: a tiled f16
// tensor-core matmul (prompt processing), a q8_0 mat-vec with dp4a (the decode step's
// output layer), soft-max and RMS-norm, at the shapes of a 17M-parameter llama (dim 288,
// ffn 768, vocab 32000). Prints thread-instructions per second and the slowdown against
// the C++ loop (one host thread; the interpreter spreads blocks over all cores), and
// checks that both computed the same numbers.
// Usage: ptx_ggml_bench [ggml_like.ptx]
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "server/backends/emu/ptx/math.h"
#include "bench/ptx/host_memory.h"
#include "server/backends/emu/ptx/ptx.h"

namespace {

using vgpu::ptx::Kernel;
using vgpu::ptx::LaunchConfig;
using vgpu::ptx::Module;

using vgpu::bench::CpuSeconds;
using vgpu::bench::HostMemory;

struct Timing {
  double wall = 0, cpu = 0;
};

Timing Time(int reps, const std::function<bool()>& body) {
  double cpu0 = CpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r)
    if (!body()) return {-1, -1};
  Timing t;
  t.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
  t.cpu = (CpuSeconds() - cpu0) / reps;
  return t;
}

class Params {
 public:
  explicit Params(const Kernel& k) : k_(k), bytes_(k.param_bytes) {}
  template <typename T>
  Params& Set(size_t i, T v) {
    std::memcpy(bytes_.data() + k_.params[i].offset, &v, sizeof(T));
    return *this;
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  const Kernel& k_;
  std::vector<uint8_t> bytes_;
};

double MaxRelError(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(double(a[i]) - b[i]) / std::max(1e-3, std::fabs(double(b[i]))));
  return worst;
}

int Report(const char* label, const Module& m, const std::string& kernel, const LaunchConfig& cfg,
           const Params& params, HostMemory& mem, int reps, const std::function<void()>& native,
           const std::function<double()>& error) {
  uint64_t before = vgpu::ptx::ExecutedThreadInstructions();
  vgpu::Status status;
  Timing interp = Time(reps, [&] {
    status = vgpu::ptx::Launch(m, kernel, cfg, params.bytes(), mem, {});
    return status.ok();
  });
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s\n", label, status.ToString().c_str());
    return 1;
  }
  double instrs = double(vgpu::ptx::ExecutedThreadInstructions() - before) / reps;
  // Enough native repetitions for a measurable time.
  int native_reps = 1;
  Timing host = Time(1, [&] { native(); return true; });
  if (host.wall < 0.05) {
    native_reps = std::max(1, int(0.05 / std::max(host.wall, 1e-7)));
    host = Time(native_reps, [&] { native(); return true; });
  }
  double err = error();
  std::printf("%-34s %10.2f ms  %8.1f M thread-instr/s (%6.1f M/s per core)  C++ %8.3f ms  slowdown %6.0fx "
              "(%6.0fx per core)  max rel err %.1e\n",
              label, interp.wall * 1e3, instrs / interp.wall / 1e6, instrs / interp.cpu / 1e6, host.wall * 1e3,
              interp.wall / host.wall, interp.cpu / host.cpu, err);
  return err < 1e-3 ? 0 : 1;
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct BlockQ80 {
  uint16_t d;
  int8_t qs[32];
};
static_assert(sizeof(BlockQ80) == 34);

}  // namespace

int main(int argc, char** argv) {
  std::string path = argc > 1 ? argv[1] : VGPU_GGML_LIKE_PTX;
  auto parsed = Module::Parse(Read(path));
  if (!parsed.ok()) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), parsed.status().ToString().c_str());
    return 1;
  }
  const Module& m = **parsed;
  HostMemory mem;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> uni(-1, 1);
  int rc = 0;
  using vgpu::ptx::F16ToF32;
  using vgpu::ptx::F32ToF16;
  using vgpu::ptx::kRn;

  {  // Prompt processing: ffn_up of 64 tokens, f16 x f16 -> f32 on tensor cores.
    const int M = 768, N = 64, K = 288;
    std::vector<uint16_t> A(M * K), B(N * K);
    for (auto& x : A) x = F32ToF16(uni(rng), kRn);
    for (auto& x : B) x = F32ToF16(uni(rng), kRn);
    std::vector<float> Af(A.size()), Bf(B.size()), ref(M * N);
    for (size_t i = 0; i < A.size(); ++i) Af[i] = F16ToF32(A[i]);
    for (size_t i = 0; i < B.size(); ++i) Bf[i] = F16ToF32(B[i]);
    uint64_t a = mem.Upload(A), b = mem.Upload(B), c = mem.Upload(std::vector<float>(M * N));
    Params p(*m.FindKernel("mma_matmul_f16"));
    p.Set(0, a).Set(1, b).Set(2, c).Set(3, M).Set(4, N).Set(5, K);
    LaunchConfig cfg{{M / 64, N / 8, 1}, {128, 1, 1}, 0};
    rc |= Report("mma f16 matmul 768x64x288", m, "mma_matmul_f16", cfg, p, mem, 3,
                 [&] {
                   for (int i = 0; i < M; ++i)
                     for (int j = 0; j < N; ++j) {
                       float s = 0;
                       for (int k = 0; k < K; ++k) s += Af[i * K + k] * Bf[j * K + k];
                       ref[i * N + j] = s;
                     }
                 },
                 [&] { return MaxRelError(mem.Download<float>(c, M * N), ref); });
  }
  {  // Decode: the output layer, 32000 x 288 q8_0 against a q8_0 activation.
    const int rows = 32000, cols = 288, nb = cols / 32;
    std::vector<BlockQ80> x(rows * nb), y(nb);
    auto quantize = [&](BlockQ80& blk) {
      blk.d = F32ToF16(uni(rng) * 0.01f, kRn);
      for (auto& q : blk.qs) q = static_cast<int8_t>(rng() % 255 - 127);
    };
    for (auto& blk : x) quantize(blk);
    for (auto& blk : y) quantize(blk);
    std::vector<float> ref(rows);
    uint64_t xd = mem.Upload(x), yd = mem.Upload(y), dd = mem.Upload(std::vector<float>(rows));
    Params p(*m.FindKernel("mul_mat_vec_q8_0"));
    p.Set(0, xd).Set(1, yd).Set(2, dd).Set(3, cols);
    LaunchConfig cfg{{rows / 4, 1, 1}, {32, 4, 1}, 0};
    rc |= Report("q8_0 mat-vec dp4a 32000x288", m, "mul_mat_vec_q8_0", cfg, p, mem, 3,
                 [&] {
                   for (int r = 0; r < rows; ++r) {
                     float s = 0;
                     for (int b = 0; b < nb; ++b) {
                       int dot = 0;
                       for (int i = 0; i < 32; ++i) dot += x[r * nb + b].qs[i] * y[b].qs[i];
                       s += F16ToF32(x[r * nb + b].d) * F16ToF32(y[b].d) * dot;
                     }
                     ref[r] = s;
                   }
                 },
                 [&] { return MaxRelError(mem.Download<float>(dd, rows), ref); });
  }
  {  // Attention scores: 6 heads x 64 tokens over 256 positions.
    const int rows = 384, cols = 256;
    const float scale = 0.125f;
    std::vector<float> x(rows * cols), ref(rows * cols);
    for (auto& v : x) v = uni(rng) * 8;
    uint64_t xd = mem.Upload(x), dd = mem.Upload(std::vector<float>(rows * cols));
    Params p(*m.FindKernel("soft_max_f32"));
    p.Set(0, xd).Set(1, dd).Set(2, cols).Set(3, scale);
    LaunchConfig cfg{{rows, 1, 1}, {128, 1, 1}, 0};
    rc |= Report("soft_max 384x256", m, "soft_max_f32", cfg, p, mem, 3,
                 [&] {
                   for (int r = 0; r < rows; ++r) {
                     const float* xr = &x[r * cols];
                     float* dr = &ref[r * cols];
                     float mx = -INFINITY, s = 0;
                     for (int c = 0; c < cols; ++c) mx = std::max(mx, xr[c] * scale);
                     for (int c = 0; c < cols; ++c) s += dr[c] = std::exp(xr[c] * scale - mx);
                     for (int c = 0; c < cols; ++c) dr[c] /= s;
                   }
                 },
                 [&] { return MaxRelError(mem.Download<float>(dd, rows * cols), ref); });
  }
  {  // RMS-norm of 64 tokens' hidden states.
    const int rows = 64, cols = 288;
    const float eps = 1e-5f;
    std::vector<float> x(rows * cols), ref(rows * cols);
    for (auto& v : x) v = uni(rng);
    uint64_t xd = mem.Upload(x), dd = mem.Upload(std::vector<float>(rows * cols));
    Params p(*m.FindKernel("rms_norm_f32"));
    p.Set(0, xd).Set(1, dd).Set(2, cols).Set(3, eps);
    LaunchConfig cfg{{rows, 1, 1}, {256, 1, 1}, 0};
    rc |= Report("rms_norm 64x288", m, "rms_norm_f32", cfg, p, mem, 10,
                 [&] {
                   for (int r = 0; r < rows; ++r) {
                     float s = 0;
                     for (int c = 0; c < cols; ++c) s += x[r * cols + c] * x[r * cols + c];
                     float k = 1.0f / std::sqrt(s / cols + eps);
                     for (int c = 0; c < cols; ++c) ref[r * cols + c] = x[r * cols + c] * k;
                   }
                 },
                 [&] { return MaxRelError(mem.Download<float>(dd, rows * cols), ref); });
  }
  return rc;
}
