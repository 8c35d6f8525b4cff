/* A stand-in for libggml-cuda.so: a shared library that imports what ggml
   imports from libcudart.so.VGPU_RT_ABI. Linked against vgpu's library, every
   reference carries that library's version node (cudaMalloc@libcudart.so.12),
   exactly as in a binary built against NVIDIA's runtime. Prototypes do not
   matter for binding, so every import is declared as void(void). */
#define VGPU_IMPORT_ALL(name) extern void name(void);
#if VGPU_RT_ABI == 12
#define VGPU_IMPORT_12(name) extern void name(void);
#define VGPU_IMPORT_13(name)
#else
#define VGPU_IMPORT_12(name)
#define VGPU_IMPORT_13(name) extern void name(void);
#endif
#include "ggml_imports.def"
#undef VGPU_IMPORT_ALL
#undef VGPU_IMPORT_12
#undef VGPU_IMPORT_13

#define VGPU_IMPORT_ALL(name) (void*)&name,
#if VGPU_RT_ABI == 12
#define VGPU_IMPORT_12(name) (void*)&name,
#define VGPU_IMPORT_13(name)
#else
#define VGPU_IMPORT_12(name)
#define VGPU_IMPORT_13(name) (void*)&name,
#endif
__attribute__((visibility("default"))) void* const vgpu_ggml_imports[] = {
#include "ggml_imports.def"
    0};
