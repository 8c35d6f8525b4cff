// cudaMemcpy3D(Async) and cudaMemset3D on pitched memory, with offsets in
// every dimension, checked against the same copies done on host mirrors.
#include <cstring>
#include <vector>

#include "check.h"

namespace {

constexpr size_t kW = 40, kH = 9, kD = 5;  // bytes per row, rows per slice, slices

struct Box {
  unsigned char* base;
  size_t pitch, ysize;
  unsigned char* At(size_t x, size_t y, size_t z) const { return base + (z * ysize + y) * pitch + x; }
};

void CopyBox(const Box& dst, cudaPos dp, const Box& src, cudaPos sp, cudaExtent e) {
  for (size_t z = 0; z < e.depth; ++z)
    for (size_t y = 0; y < e.height; ++y)
      std::memmove(dst.At(dp.x, dp.y + y, dp.z + z), src.At(sp.x, sp.y + y, sp.z + z), e.width);
}

}  // namespace

int main() {
  // Device: two pitched allocations of kD slices of kH rows; host: odd pitch.
  size_t pitch = 0;
  void *d1 = nullptr, *d2 = nullptr;
  CHECK_CUDA(cudaMallocPitch(&d1, &pitch, kW, kH * kD));
  CHECK_CUDA(cudaMallocPitch(&d2, &pitch, kW, kH * kD));
  const size_t hp = kW + 3, bytes = pitch * kH * kD;
  std::vector<unsigned char> host(hp * kH * kD), back(hp * kH * kD, 0xEE);
  for (size_t i = 0; i < host.size(); ++i) host[i] = static_cast<unsigned char>(i * 13 + 7);
  std::vector<unsigned char> m1(bytes, 0), m2(bytes, 0), mback(back);  // mirrors
  CHECK_CUDA(cudaMemset(d1, 0, bytes));
  CHECK_CUDA(cudaMemset(d2, 0, bytes));

  Box h{host.data(), hp, kH}, hb{back.data(), hp, kH}, b1{m1.data(), pitch, kH}, b2{m2.data(), pitch, kH},
      bb{mback.data(), hp, kH};
  cudaPitchedPtr p1 = make_cudaPitchedPtr(d1, pitch, kW, kH), p2 = make_cudaPitchedPtr(d2, pitch, kW, kH);
  cudaPitchedPtr ph = make_cudaPitchedPtr(host.data(), hp, kW, kH), pb = make_cudaPitchedPtr(back.data(), hp, kW, kH);

  // Host to device with offsets in x, y and z on both sides.
  cudaMemcpy3DParms up = {};
  up.srcPtr = ph, up.srcPos = make_cudaPos(2, 1, 0);
  up.dstPtr = p1, up.dstPos = make_cudaPos(5, 0, 1);
  up.extent = make_cudaExtent(kW - 8, kH - 2, kD - 1);
  up.kind = cudaMemcpyHostToDevice;
  CHECK_CUDA(cudaMemcpy3D(&up));
  CopyBox(b1, up.dstPos, h, up.srcPos, up.extent);

  // Device to device, asynchronously, into another position.
  cudaStream_t stream;
  CHECK_CUDA(cudaStreamCreate(&stream));
  cudaMemcpy3DParms d2d = {};
  d2d.srcPtr = p1, d2d.srcPos = make_cudaPos(4, 1, 1);
  d2d.dstPtr = p2, d2d.dstPos = make_cudaPos(0, 2, 0);
  d2d.extent = make_cudaExtent(kW - 4, kH - 3, kD - 2);
  d2d.kind = cudaMemcpyDefault;
  CHECK_CUDA(cudaMemcpy3DAsync(&d2d, stream));
  CopyBox(b2, d2d.dstPos, b1, d2d.srcPos, d2d.extent);

  // A memset of a sub-box, then everything back to the host.
  cudaPitchedPtr corner = make_cudaPitchedPtr(static_cast<char*>(d2) + pitch * kH, pitch, kW, kH);
  CHECK_CUDA(cudaMemset3DAsync(corner, 0x5A, make_cudaExtent(7, 3, 2), stream));
  for (size_t z = 0; z < 2; ++z)
    for (size_t y = 0; y < 3; ++y) std::memset(b2.At(0, y, z + 1), 0x5A, 7);
  cudaMemcpy3DParms down = {};
  down.srcPtr = p2, down.dstPtr = pb;
  down.extent = make_cudaExtent(kW, kH, kD);
  down.kind = cudaMemcpyDeviceToHost;
  CHECK_CUDA(cudaMemcpy3DAsync(&down, stream));
  CopyBox(bb, make_cudaPos(0, 0, 0), b2, make_cudaPos(0, 0, 0), down.extent);
  CHECK_CUDA(cudaStreamSynchronize(stream));
  for (size_t i = 0; i < back.size(); ++i) {
    if (back[i] != mback[i]) {
      std::fprintf(stderr, "byte %zu is %u, expected %u\n", i, back[i], mback[i]);
      return 1;
    }
  }
  CHECK_CUDA(cudaStreamDestroy(stream));
  CHECK_CUDA(cudaFree(d1));
  CHECK_CUDA(cudaFree(d2));
  std::printf("3D copies and memsets on pitched memory: ok\n");
  return 0;
}
