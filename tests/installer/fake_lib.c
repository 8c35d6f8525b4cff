/* A tiny shared object standing in for a library the tests only copy and
 * compare: NVIDIA's runtime in Ollama fixtures, or vgpu's libraries in a fake
 * --lib-dir. FAKE_LIB_NAME makes each build's bytes different. */
#ifndef FAKE_LIB_NAME
#define FAKE_LIB_NAME "fake"
#endif

const char vgpu_fake_lib_name[] = FAKE_LIB_NAME;

const char* vgpu_fake_lib(void) { return vgpu_fake_lib_name; }
