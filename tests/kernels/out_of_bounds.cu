// Intentionally out-of-bounds: thread 0 writes far past the end of the buffer.
extern "C" __global__ void outOfBounds(int* data, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) data[i] = i;
  if (i == 0) data[n + (1 << 24)] = 1;
}
