// libdevice math as nvcc inlines it: accurate and fast-intrinsic float functions, doubles.
extern "C" __global__ void floatMath(const float* in, float* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float x = in[i];
  float* o = out + i * 12;
  o[0] = expf(x);
  o[1] = logf(fabsf(x) + 1.0f);
  o[2] = sinf(x);
  o[3] = cosf(x);
  o[4] = tanhf(x);
  o[5] = powf(fabsf(x), 1.7f);
  o[6] = rsqrtf(fabsf(x) + 0.5f);
  o[7] = __expf(x * 0.1f);
  o[8] = __sinf(x);
  o[9] = erff(x * 0.3f);
  o[10] = atan2f(x, 1.5f);
  o[11] = fmodf(x, 0.75f);
}

extern "C" __global__ void doubleMath(const double* in, double* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  double x = in[i];
  double* o = out + i * 6;
  o[0] = exp(x);
  o[1] = log(fabs(x) + 1.0);
  o[2] = sin(x);
  o[3] = sqrt(fabs(x));
  o[4] = x / 7.0;
  o[5] = pow(fabs(x) + 0.5, 0.3);
}
