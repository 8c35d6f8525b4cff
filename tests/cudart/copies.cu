// Every copy direction, pageable and pinned host memory, cudaMemcpyDefault,
// async copies on a stream, 2D copies, memsets, peer copies.
#include <cstdint>
#include <cstring>
#include <vector>

#include "check.h"

static void Fill(std::vector<unsigned char>& v, int seed) {
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<unsigned char>(i * 31 + seed);
}

int main() {
  const size_t n = 1 << 20;
  std::vector<unsigned char> a(n), b(n);
  Fill(a, 1);
  unsigned char *d1, *d2;
  CHECK_CUDA(cudaMalloc(&d1, n));
  CHECK_CUDA(cudaMalloc(&d2, n));

  // Explicit kinds, pageable host memory.
  CHECK_CUDA(cudaMemcpy(d1, a.data(), n, cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(d2, d1, n, cudaMemcpyDeviceToDevice));
  CHECK_CUDA(cudaMemcpy(b.data(), d2, n, cudaMemcpyDeviceToHost));
  EXPECT(a == b);

  // cudaMemcpyDefault classifies each pointer.
  Fill(a, 2);
  CHECK_CUDA(cudaMemcpy(d1, a.data(), n, cudaMemcpyDefault));
  CHECK_CUDA(cudaMemcpy(d2, d1, n, cudaMemcpyDefault));
  std::fill(b.begin(), b.end(), 0);
  CHECK_CUDA(cudaMemcpy(b.data(), d2, n, cudaMemcpyDefault));
  EXPECT(a == b);
  std::vector<unsigned char> c(n);
  CHECK_CUDA(cudaMemcpy(c.data(), a.data(), n, cudaMemcpyDefault));
  EXPECT(a == c);

  // Pinned memory and async copies on a stream.
  unsigned char *pinned_in, *pinned_out;
  CHECK_CUDA(cudaMallocHost(&pinned_in, n));
  CHECK_CUDA(cudaHostAlloc(&pinned_out, n, cudaHostAllocPortable));
  EXPECT(reinterpret_cast<uintptr_t>(pinned_in) % 256 == 0);
  unsigned int flags = 0;
  CHECK_CUDA(cudaHostGetFlags(&flags, pinned_out));
  EXPECT(flags == cudaHostAllocPortable);
  std::memcpy(pinned_in, a.data(), n);
  cudaStream_t s;
  CHECK_CUDA(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  CHECK_CUDA(cudaMemcpyAsync(d1, pinned_in, n, cudaMemcpyHostToDevice, s));
  CHECK_CUDA(cudaMemsetAsync(d2, 0x5A, n, s));
  CHECK_CUDA(cudaMemcpyAsync(d2, d1, n / 2, cudaMemcpyDefault, s));
  CHECK_CUDA(cudaMemcpyAsync(pinned_out, d2, n, cudaMemcpyDeviceToHost, s));
  CHECK_CUDA(cudaStreamSynchronize(s));
  EXPECT(std::memcmp(pinned_out, a.data(), n / 2) == 0);
  EXPECT(pinned_out[n / 2] == 0x5A && pinned_out[n - 1] == 0x5A);

  // Async from pageable memory: the source may be reused at once.
  std::vector<unsigned char> scratch(a);
  CHECK_CUDA(cudaMemcpyAsync(d1, scratch.data(), n, cudaMemcpyHostToDevice, s));
  std::fill(scratch.begin(), scratch.end(), 0);
  CHECK_CUDA(cudaMemcpyAsync(b.data(), d1, n, cudaMemcpyDeviceToHost, s));
  CHECK_CUDA(cudaStreamSynchronize(s));
  EXPECT(a == b);

  // 2D: a 64x32 window with pitches 100 (host) and 128 (device).
  const size_t w = 64, h = 32, hp = 100, dp = 128;
  std::vector<unsigned char> host2d(hp * h), back2d(hp * h, 0);
  Fill(host2d, 3);
  CHECK_CUDA(cudaMemset2D(d1, dp, 0, dp, h));
  CHECK_CUDA(cudaMemcpy2D(d1, dp, host2d.data(), hp, w, h, cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy2DAsync(d2, dp, d1, dp, w, h, cudaMemcpyDeviceToDevice, s));
  CHECK_CUDA(cudaMemcpy2DAsync(back2d.data(), hp, d2, dp, w, h, cudaMemcpyDeviceToHost, s));
  CHECK_CUDA(cudaStreamSynchronize(s));
  for (size_t r = 0; r < h; ++r) {
    EXPECT(std::memcmp(&back2d[r * hp], &host2d[r * hp], w) == 0);
    EXPECT(back2d[r * hp + w] == 0);
  }
  CHECK_CUDA(cudaMemset2D(d1, dp, 0x11, 8, 4));
  std::vector<unsigned char> row(dp);
  CHECK_CUDA(cudaMemcpy(row.data(), d1 + 3 * dp, dp, cudaMemcpyDeviceToHost));
  EXPECT(row[0] == 0x11 && row[7] == 0x11 && row[8] == host2d[3 * hp + 8]);
  EXPECT(cudaMemcpy2D(d1, 16, host2d.data(), hp, w, h, cudaMemcpyHostToDevice) == cudaErrorInvalidPitchValue);
  EXPECT(cudaGetLastError() == cudaErrorInvalidPitchValue);

  // Peer copy within device 0, and memset.
  CHECK_CUDA(cudaMemcpyPeer(d2, 0, d1, 0, n));
  CHECK_CUDA(cudaMemset(d1, 0xC3, 1000));
  CHECK_CUDA(cudaMemcpy(b.data(), d1, 1001, cudaMemcpyDeviceToHost));
  EXPECT(b[0] == 0xC3 && b[999] == 0xC3);

  // Pointer attributes.
  cudaPointerAttributes attr;
  CHECK_CUDA(cudaPointerGetAttributes(&attr, d1 + 10));
  EXPECT(attr.type == cudaMemoryTypeDevice);
  CHECK_CUDA(cudaPointerGetAttributes(&attr, pinned_in));
  EXPECT(attr.type == cudaMemoryTypeHost);

  CHECK_CUDA(cudaStreamDestroy(s));
  CHECK_CUDA(cudaFreeHost(pinned_in));
  CHECK_CUDA(cudaFreeHost(pinned_out));
  CHECK_CUDA(cudaFree(d1));
  CHECK_CUDA(cudaFree(d2));
  CHECK_CUDA(cudaDeviceSynchronize());
  std::printf("PASS\n");
  return 0;
}
