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
  /* Device pointer mode: where alpha/beta are read when the GEMM runs (0: host). */
  uint64_t alpha_ptr, beta_ptr;
} VgpuBlasGemm;

/* Routine numbers: proto/vgpu.proto's BlasRoutine. */
enum {
  VGPU_BLAS_AXPY = 1, VGPU_BLAS_DOT = 2, VGPU_BLAS_DOTC = 3, VGPU_BLAS_NRM2 = 4, VGPU_BLAS_SCAL = 5,
  VGPU_BLAS_SCAL_REAL = 6, VGPU_BLAS_COPY = 7, VGPU_BLAS_SWAP = 8, VGPU_BLAS_IAMAX = 9, VGPU_BLAS_IAMIN = 10,
  VGPU_BLAS_ASUM = 11,
  VGPU_BLAS_GEMV = 20, VGPU_BLAS_GER = 21, VGPU_BLAS_GERC = 22,
  VGPU_BLAS_GEMM = 30, VGPU_BLAS_SYMM = 31, VGPU_BLAS_SYRK = 32, VGPU_BLAS_TRSM = 33
};

/* A scalar: `size` bytes by value (host pointer mode), or the device address
   it is read from when the call runs (device pointer mode, size 0). */
typedef struct VgpuBlasScalar {
  uint8_t value[16];
  uint32_t size;
  uint64_t device;
} VgpuBlasScalar;

/* One BLAS-1/2/3 routine (BlasLevel1/2/3 in proto/vgpu.proto); the level
   follows from `op`. Each level reads only its fields. */
typedef struct VgpuBlasCall {
  uint64_t handle;
  int32_t op;
  int32_t type; /* cudaDataType_t */
  int32_t side, uplo, trans_a, trans_b, diag;
  int64_t m, n, k;
  VgpuBlasScalar alpha, beta;
  uint64_t a, b, c;
  int64_t lda, ldb, ldc;
  uint64_t x, y;
  int64_t incx, incy;
  uint64_t result; /* level 1, device pointer mode: device address of the result */
  int64_t batch;
  int pointer_arrays;
  int64_t stride_a, stride_b, stride_c;
} VgpuBlasCall;

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
  /* Posts (or captures) a BLAS-1/2/3 routine. A level-1 result wanted in host
     memory (host_result != NULL, result_size bytes) makes it a round trip
     that returns once the result has landed there. */
  CUresult (*blas_call)(const VgpuBlasCall* call, CUstream stream, void* host_result, size_t result_size);
  /* cublasSetMatrix: rows x cols elements of elem_size bytes from host `src`
     (leading dimension lda) to device `dst` (leading dimension ldb), in
     stream order; posted. cublasGetMatrix: the reverse; returns once the
     data has landed. Vectors are 1 x n with ld = inc. */
  CUresult (*blas_set_matrix)(int64_t rows, int64_t cols, int64_t elem_size, const void* src, int64_t lda,
                              uint64_t dst, int64_t ldb, CUstream stream);
  CUresult (*blas_get_matrix)(int64_t rows, int64_t cols, int64_t elem_size, uint64_t src, int64_t lda, void* dst,
                              int64_t ldb, CUstream stream);
} VgpuSessionTable;

#ifdef __cplusplus
}
#endif

#endif /* VGPU_LIBCUDA_SESSION_TABLE_H_ */
