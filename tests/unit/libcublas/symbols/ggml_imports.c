/* Stand-in for libggml-cuda.so: references each cuBLAS name ggml imports, so
   that linking it against libcublas.so.NN records the version node and loading
   it with RTLD_NOW binds them. */
#include <cublas_api.h>

typedef void (*vgpu_fn)(void);
#define VGPU_IMPORT(name) (vgpu_fn)&name,
__attribute__((visibility("default"))) vgpu_fn vgpu_ggml_cublas_imports[] = {
#include "ggml_imports.def"
    0};
