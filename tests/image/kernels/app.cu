// Fixture source: a tiny program whose executable's .nv_fatbin section holds
// several concatenated containers (this file's, params.cu's and the dlink one).
#include <cstdio>

extern "C" __global__ void store42(int* p) { *p = 42; }

int main() {
  std::printf("fixture only\n");
  return 0;
}
