/* vgpu's session table (design principle 1): how libcublas reaches libcuda's
   one session. Fetched with cuGetExportTable(&table, &kVgpuSessionTableId).
   libcuda builds the wire messages (a second copy of vgpu.proto's generated
   code in another library would abort at load), so the table takes plain C
   structs. Stream-ordered calls are posted without a round trip, or recorded
   into the capture while the stream captures, as launches are. Plain C. */
#ifndef VGPU_LIBCUDA_SESSION_TABLE_H_
#define VGPU_LIBCUDA_SESSION_TABLE_H_

#include <cuda.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* {6a1c9f2e-7b34-4d0a-9e5f-5647505553ab} */
static const CUuuid kVgpuSessionTableId = {{(char)0x6a, (char)0x1c, (char)0x9f, (char)0x2e, (char)0x7b, (char)0x34,
                                           (char)0x4d, (char)0x0a, (char)0x9e, (char)0x5f, (char)0x56, (char)0x47,
                                           (char)0x50, (char)0x55, (char)0x53, (char)0xab}};

/* One GEMM (see BlasGemm in proto/vgpu.proto); scalars already read by the
   caller in its compute type. */
typedef struct VgpuBlasGemm {
  uint64_t handle;
  int trans_a, trans_b;
  int64_t m, n, k;
  double alpha, beta;
  uint64_t a, b, c;
  int32_t a_type, b_type, c_type, compute;
  int64_t lda, ldb, ldc;
  int64_t batch;
  int pointer_arrays;
  int64_t stride_a, stride_b, stride_c;
} VgpuBlasGemm;

typedef struct VgpuSessionTable {
  size_t size; /* sizeof(VgpuSessionTable) */
  /* Connects if needed and creates a handle bound to the current context
     (posted; the id is minted here). */
  CUresult (*blas_create)(uint64_t* handle);
  CUresult (*blas_destroy)(uint64_t handle);
  /* Posts (or captures) a GEMM on `stream` (0, CU_STREAM_LEGACY,
     CU_STREAM_PER_THREAD or a stream); errors surface at the next
     synchronizing call. */
  CUresult (*blas_gemm)(const VgpuBlasGemm* gemm, CUstream stream);
} VgpuSessionTable;

#ifdef __cplusplus
}
#endif

#endif /* VGPU_LIBCUDA_SESSION_TABLE_H_ */
