// Per-thread local arrays indexed at run time (so they stay in .local).
extern "C" __global__ void localArray(const int* in, int* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int buf[24];
  int seed = in[i];
  for (int k = 0; k < 24; ++k) buf[k] = seed * (k + 1) ^ k;
  int acc = 0;
  for (int k = 0; k < 24; ++k) acc += buf[(seed + k * 5) % 24] * (k & 3);
  out[i] = acc;
}
