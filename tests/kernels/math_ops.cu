// Assorted integer and float operations with host-checkable results.
extern "C" __global__ void mathOps(const float* f, const int* v, float* fo, int* io, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float x = f[i];
  int a = v[i];
  fo[i * 8 + 0] = sqrtf(fabsf(x));
  fo[i * 8 + 1] = x / 3.0f;
  fo[i * 8 + 2] = fminf(x, 1.5f) + fmaxf(x, -2.0f);
  fo[i * 8 + 3] = __saturatef(x);
  fo[i * 8 + 4] = (float)(a / 7) + (float)(a % 7);
  fo[i * 8 + 5] = rintf(x) + truncf(x) + floorf(x) + ceilf(x);
  fo[i * 8 + 6] = (float)((double)x * 1.25);
  fo[i * 8 + 7] = __int_as_float(__float_as_int(x) ^ 0x80000000);
  io[i * 8 + 0] = __popc(a) + __clz(a) * 100;
  io[i * 8 + 1] = __brev(a);
  io[i * 8 + 2] = __mulhi(a, 0x12345678);
  io[i * 8 + 3] = (int)(((unsigned long long)(unsigned)a * 0x9E3779B9ull) >> 17);
  io[i * 8 + 4] = __byte_perm(a, 0x76543210, 0x1357);
  io[i * 8 + 5] = (a >> 3) ^ (int)((unsigned)a >> 5) ^ (a << 2);
  io[i * 8 + 6] = (int)x + (int)(unsigned)fabsf(x);
  io[i * 8 + 7] = abs(a) - min(a, 5) + max(a, -5);
}
