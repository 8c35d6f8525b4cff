// Block-wide inclusive prefix scan (Hillis-Steele, double-buffered in dynamic shared memory).
extern "C" __global__ void blockScan(const int* in, int* out, int n) {
  extern __shared__ int buf[];
  int tid = threadIdx.x;
  int gid = blockIdx.x * blockDim.x + tid;
  int pout = 0, pin = 1;
  buf[tid] = gid < n ? in[gid] : 0;
  __syncthreads();
  for (int offset = 1; offset < blockDim.x; offset <<= 1) {
    pout = 1 - pout;
    pin = 1 - pout;
    int v = buf[pin * blockDim.x + tid];
    if (tid >= offset) v += buf[pin * blockDim.x + tid - offset];
    buf[pout * blockDim.x + tid] = v;
    __syncthreads();
  }
  if (gid < n) out[gid] = buf[pout * blockDim.x + tid];
}
