/* 2D/3D copies and 2D memsets through vgpu's libcuda.so.1, every direction,
 * odd pitches and offsets, checked byte for byte against the same operation
 * done on host mirrors of the device buffers. Each subcommand is one
 * scenario; exit 0 when everything matched. */
#include <cuda.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define EXPECT_RESULT(call, expected)                                                             \
  do {                                                                                            \
    CUresult r_ = (call);                                                                         \
    if (r_ != (expected)) {                                                                       \
      fprintf(stderr, "%s:%d: %s -> %d, expected %d\n", __FILE__, __LINE__, #call, r_, expected); \
      exit(1);                                                                                    \
    }                                                                                             \
  } while (0)

enum { kBufferBytes = 1 << 16 };

/* Two device buffers and two host buffers, each with a host mirror. */
typedef struct {
  CUdeviceptr dev[2];
  unsigned char* mirror[2]; /* what dev[i] must hold */
  unsigned char* host[2];
  unsigned char* host_mirror[2];
} Buffers;

static uint32_t rng = 12345;
static unsigned char Next(void) {
  rng = rng * 1664525u + 1013904223u;
  return (unsigned char)(rng >> 24);
}

static void Fill(Buffers* b) {
  for (int i = 0; i < 2; ++i) {
    for (size_t j = 0; j < kBufferBytes; ++j) b->mirror[i][j] = Next();
    for (size_t j = 0; j < kBufferBytes; ++j) b->host[i][j] = b->host_mirror[i][j] = Next();
    CHECK(cuMemcpyHtoD(b->dev[i], b->mirror[i], kBufferBytes));
  }
}

static Buffers Make(void) {
  Buffers b;
  for (int i = 0; i < 2; ++i) {
    CHECK(cuMemAlloc(&b.dev[i], kBufferBytes));
    b.mirror[i] = malloc(kBufferBytes);
    b.host[i] = malloc(kBufferBytes);
    b.host_mirror[i] = malloc(kBufferBytes);
  }
  Fill(&b);
  return b;
}

static int Compare(Buffers* b, const char* what) {
  unsigned char* got = malloc(kBufferBytes);
  int bad = 0;
  for (int i = 0; i < 2 && !bad; ++i) {
    CHECK(cuMemcpyDtoH(got, b->dev[i], kBufferBytes));
    for (size_t j = 0; j < kBufferBytes; ++j) {
      if (got[j] != b->mirror[i][j]) {
        fprintf(stderr, "%s: device buffer %d byte %zu is %u, expected %u\n", what, i, j, got[j], b->mirror[i][j]);
        bad = 1;
        break;
      }
    }
    for (size_t j = 0; j < kBufferBytes && !bad; ++j) {
      if (b->host[i][j] != b->host_mirror[i][j]) {
        fprintf(stderr, "%s: host buffer %d byte %zu is %u, expected %u\n", what, i, j, b->host[i][j],
                b->host_mirror[i][j]);
        bad = 1;
      }
    }
  }
  free(got);
  return bad;
}

/* One side of a copy in CUDA_MEMCPY3D's terms. kind: 'h' host, 'd' device,
 * 'u' unified (a device or host pointer in srcDevice/dstDevice). */
typedef struct {
  char kind;
  int index; /* which buffer */
  size_t x, y, z, pitch, height;
} Side;

static unsigned char* MirrorOf(Buffers* b, const Side* s) {
  return s->kind == 'h' || (s->kind == 'u' && s->index >= 2) ? b->host_mirror[s->index & 1] : b->mirror[s->index & 1];
}

static void SetSide(const Buffers* b, const Side* s, CUmemorytype* type, const void** host, CUdeviceptr* dev) {
  if (s->kind == 'h') {
    *type = CU_MEMORYTYPE_HOST;
    *host = b->host[s->index];
  } else if (s->kind == 'd') {
    *type = CU_MEMORYTYPE_DEVICE;
    *dev = b->dev[s->index];
  } else {
    *type = CU_MEMORYTYPE_UNIFIED;
    *dev = s->index >= 2 ? (CUdeviceptr)(uintptr_t)b->host[s->index & 1] : b->dev[s->index];
  }
}

static void Reference(Buffers* b, const Side* src, const Side* dst, size_t width, size_t height, size_t depth) {
  unsigned char* from = MirrorOf(b, src);
  unsigned char* to = MirrorOf(b, dst);
  for (size_t z = 0; z < depth; ++z) {
    for (size_t y = 0; y < height; ++y) {
      memmove(to + (dst->z + z) * dst->pitch * dst->height + (dst->y + y) * dst->pitch + dst->x,
              from + (src->z + z) * src->pitch * src->height + (src->y + y) * src->pitch + src->x, width);
    }
  }
}

static void Copy3D(Buffers* b, const Side* src, const Side* dst, size_t width, size_t height, size_t depth,
                   CUstream stream, int async) {
  CUDA_MEMCPY3D m;
  memset(&m, 0, sizeof(m));
  const void* src_host = NULL;
  const void* dst_host = NULL;
  SetSide(b, src, &m.srcMemoryType, &src_host, &m.srcDevice);
  SetSide(b, dst, &m.dstMemoryType, &dst_host, &m.dstDevice);
  m.srcHost = src_host;
  m.dstHost = (void*)dst_host;
  m.srcXInBytes = src->x, m.srcY = src->y, m.srcZ = src->z, m.srcPitch = src->pitch, m.srcHeight = src->height;
  m.dstXInBytes = dst->x, m.dstY = dst->y, m.dstZ = dst->z, m.dstPitch = dst->pitch, m.dstHeight = dst->height;
  m.WidthInBytes = width, m.Height = height, m.Depth = depth;
  if (async) {
    CHECK(cuMemcpy3DAsync(&m, stream));
  } else {
    CHECK(cuMemcpy3D(&m));
  }
}

static void Copy2D(Buffers* b, const Side* src, const Side* dst, size_t width, size_t height, CUstream stream,
                   int variant) {
  CUDA_MEMCPY2D m;
  memset(&m, 0, sizeof(m));
  const void* src_host = NULL;
  const void* dst_host = NULL;
  SetSide(b, src, &m.srcMemoryType, &src_host, &m.srcDevice);
  SetSide(b, dst, &m.dstMemoryType, &dst_host, &m.dstDevice);
  m.srcHost = src_host;
  m.dstHost = (void*)dst_host;
  m.srcXInBytes = src->x, m.srcY = src->y, m.srcPitch = src->pitch;
  m.dstXInBytes = dst->x, m.dstY = dst->y, m.dstPitch = dst->pitch;
  m.WidthInBytes = width, m.Height = height;
  switch (variant) {
    case 0: CHECK(cuMemcpy2D(&m)); break;
    case 1: CHECK(cuMemcpy2DUnaligned(&m)); break;
    default: CHECK(cuMemcpy2DAsync(&m, stream)); break;
  }
}

/* Every direction (host, device, unified host, unified device) x odd shapes. */
static int Pitched(int three_d) {
  CUcontext ctx;
  CUstream stream;
  CHECK(cuInit(0));
  CHECK(cuCtxCreate(&ctx, NULL, 0, 0));
  CHECK(cuStreamCreate(&stream, 0));
  Buffers b = Make();
  const char kinds[] = {'h', 'd', 'u', 'U'}; /* U: unified pointer to host memory */
  struct Shape {
    size_t width, height, depth, src_pitch, dst_pitch, sx, sy, sz, dx, dy, dz, src_height, dst_height;
  } shapes[] = {
      {13, 7, 1, 37, 101, 3, 2, 0, 5, 1, 0, 0, 0},
      {1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0},
      {64, 9, 1, 64, 64, 0, 3, 0, 0, 0, 0, 0, 0},   /* dense rows */
      {31, 17, 1, 257, 33, 200, 1, 0, 1, 4, 0, 0, 0},
      {11, 5, 3, 23, 19, 7, 1, 1, 2, 2, 0, 9, 8},   /* 3D */
      {7, 3, 4, 9, 17, 1, 2, 2, 9, 0, 1, 6, 5},
  };
  int failures = 0, cases = 0;
  for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); ++s) {
    struct Shape* sh = &shapes[s];
    if (!three_d && sh->depth > 1) continue;
    for (int si = 0; si < 4; ++si) {
      for (int di = 0; di < 4; ++di) {
        for (int variant = 0; variant < 3; ++variant) {
          Side src = {kinds[si] == 'U' ? 'u' : kinds[si], kinds[si] == 'U' ? 2 : 0, sh->sx, sh->sy, sh->sz,
                      sh->src_pitch, sh->src_height};
          Side dst = {kinds[di] == 'U' ? 'u' : kinds[di], kinds[di] == 'U' ? 3 : 1, sh->dx, sh->dy, sh->dz,
                      sh->dst_pitch, sh->dst_height};
          Reference(&b, &src, &dst, sh->width, sh->height, sh->depth);
          if (three_d) {
            Copy3D(&b, &src, &dst, sh->width, sh->height, sh->depth, stream, variant == 2);
          } else {
            Copy2D(&b, &src, &dst, sh->width, sh->height, stream, variant);
          }
          if (variant == 2) CHECK(cuStreamSynchronize(stream));
          char what[128];
          snprintf(what, sizeof(what), "shape %zu %c->%c variant %d", s, kinds[si], kinds[di], variant);
          failures += Compare(&b, what);
          ++cases;
        }
      }
    }
  }
  printf("%d %s copies, %d mismatches\n", cases, three_d ? "3D" : "2D", failures);
  return failures != 0;
}

/* cuMemsetD2D8/16/32 (+Async) with odd pitches, against the mirror. */
static int Memsets2D(void) {
  CUcontext ctx;
  CUstream stream;
  CHECK(cuInit(0));
  CHECK(cuCtxCreate(&ctx, NULL, 0, 0));
  CHECK(cuStreamCreate(&stream, 0));
  Buffers b = Make();
  int failures = 0;
  for (int size = 1; size <= 4; size *= 2) {
    for (int async = 0; async < 2; ++async) {
      size_t pitch = 36 * size + (size == 1 ? 3 : 0), width = 9, height = 11, offset = 4 * size;
      uint32_t value = 0xA1B2C3D4u + size + async;
      for (size_t y = 0; y < height; ++y) {
        for (size_t x = 0; x < width; ++x) memcpy(b.mirror[0] + offset + y * pitch + x * size, &value, size);
      }
      CUdeviceptr dst = b.dev[0] + offset;
      if (size == 1) {
        if (async) CHECK(cuMemsetD2D8Async(dst, pitch, (unsigned char)value, width, height, stream));
        else CHECK(cuMemsetD2D8(dst, pitch, (unsigned char)value, width, height));
      } else if (size == 2) {
        if (async) CHECK(cuMemsetD2D16Async(dst, pitch, (unsigned short)value, width, height, stream));
        else CHECK(cuMemsetD2D16(dst, pitch, (unsigned short)value, width, height));
      } else {
        if (async) CHECK(cuMemsetD2D32Async(dst, pitch, value, width, height, stream));
        else CHECK(cuMemsetD2D32(dst, pitch, value, width, height));
      }
      CHECK(cuStreamSynchronize(stream));
      CHECK(cuCtxSynchronize());
      char what[64];
      snprintf(what, sizeof(what), "memset %d-byte async=%d", size, async);
      failures += Compare(&b, what);
    }
  }
  printf("2D memsets: %d mismatches\n", failures);
  return failures != 0;
}

/* Copies larger than one wire chunk (4 MiB): many rows, and rows wider than
 * a chunk, both ways, with odd pitches on both sides. */
static int Chunked(void) {
  CUcontext ctx;
  CHECK(cuInit(0));
  CHECK(cuCtxCreate(&ctx, NULL, 0, 0));
  struct {
    size_t width, height, host_pitch, dev_pitch;
  } shapes[] = {{3001, 2999, 3007, 3072}, {(5u << 20) + 3, 3, (5u << 20) + 11, (5u << 20) + 512}};
  int failures = 0;
  for (int s = 0; s < 2; ++s) {
    size_t w = shapes[s].width, h = shapes[s].height, hp = shapes[s].host_pitch, dp = shapes[s].dev_pitch;
    unsigned char* src = malloc(hp * h);
    unsigned char* back = calloc(hp, h);
    for (size_t i = 0; i < hp * h; ++i) src[i] = Next();
    CUdeviceptr dev;
    CHECK(cuMemAlloc(&dev, dp * h));
    CUDA_MEMCPY2D up;
    memset(&up, 0, sizeof(up));
    up.srcMemoryType = CU_MEMORYTYPE_HOST, up.srcHost = src, up.srcPitch = hp;
    up.dstMemoryType = CU_MEMORYTYPE_DEVICE, up.dstDevice = dev, up.dstPitch = dp;
    up.WidthInBytes = w, up.Height = h;
    CHECK(cuMemcpy2D(&up));
    CUDA_MEMCPY2D down;
    memset(&down, 0, sizeof(down));
    down.srcMemoryType = CU_MEMORYTYPE_DEVICE, down.srcDevice = dev, down.srcPitch = dp;
    down.dstMemoryType = CU_MEMORYTYPE_HOST, down.dstHost = back, down.dstPitch = hp;
    down.WidthInBytes = w, down.Height = h;
    CHECK(cuMemcpy2D(&down));
    for (size_t y = 0; y < h && !failures; ++y) {
      if (memcmp(src + y * hp, back + y * hp, w) != 0) {
        fprintf(stderr, "shape %d: row %zu differs after the round trip\n", s, y);
        failures = 1;
      }
      for (size_t x = w; x < hp && !failures; ++x) {
        if (back[y * hp + x] != 0) {
          fprintf(stderr, "shape %d: row %zu padding byte %zu was written\n", s, y, x);
          failures = 1;
        }
      }
    }
    CHECK(cuMemFree(dev));
    free(src);
    free(back);
  }
  printf("chunked copies: %s\n", failures ? "mismatch" : "ok");
  return failures;
}

/* What the driver must refuse, without a crash. */
static int Errors(void) {
  CUcontext ctx;
  CHECK(cuInit(0));
  CHECK(cuCtxCreate(&ctx, NULL, 0, 0));
  CUdeviceptr dev;
  CHECK(cuMemAlloc(&dev, 4096));
  unsigned char host[4096];
  CUDA_MEMCPY2D m;
  memset(&m, 0, sizeof(m));
  m.srcMemoryType = CU_MEMORYTYPE_HOST, m.srcHost = host, m.srcPitch = 64;
  m.dstMemoryType = CU_MEMORYTYPE_DEVICE, m.dstDevice = dev, m.dstPitch = 64;
  m.WidthInBytes = 64, m.Height = 64;
  CHECK(cuMemcpy2D(&m)); /* exactly fills the allocation */
  m.Height = 65;         /* one row past its end */
  EXPECT_RESULT(cuMemcpy2D(&m), CUDA_ERROR_INVALID_VALUE);
  m.Height = 2, m.dstPitch = 32; /* pitch below width */
  EXPECT_RESULT(cuMemcpy2D(&m), CUDA_ERROR_INVALID_VALUE);
  m.dstPitch = 64, m.dstXInBytes = 1; /* x + width > pitch */
  EXPECT_RESULT(cuMemcpy2D(&m), CUDA_ERROR_INVALID_VALUE);
  m.dstXInBytes = 0, m.dstMemoryType = CU_MEMORYTYPE_ARRAY;
  EXPECT_RESULT(cuMemcpy2D(&m), CUDA_ERROR_NOT_SUPPORTED);
  m.dstMemoryType = (CUmemorytype)77;
  EXPECT_RESULT(cuMemcpy2D(&m), CUDA_ERROR_INVALID_VALUE);
  EXPECT_RESULT(cuMemcpy2D(NULL), CUDA_ERROR_INVALID_VALUE);
  m.dstMemoryType = CU_MEMORYTYPE_DEVICE, m.dstDevice = dev + 8192;
  EXPECT_RESULT(cuMemcpy2D(&m), CUDA_ERROR_INVALID_VALUE);
  CUDA_MEMCPY3D m3;
  memset(&m3, 0, sizeof(m3));
  m3.srcMemoryType = CU_MEMORYTYPE_DEVICE, m3.srcDevice = dev, m3.srcPitch = 64, m3.srcHeight = 4;
  m3.dstMemoryType = CU_MEMORYTYPE_HOST, m3.dstHost = host, m3.dstPitch = 64, m3.dstHeight = 4;
  m3.WidthInBytes = 64, m3.Height = 4, m3.Depth = 16;
  CHECK(cuMemcpy3D(&m3)); /* 16 slices of 4 rows: the whole allocation */
  m3.srcHeight = 3;       /* slice height below the copy height */
  EXPECT_RESULT(cuMemcpy3D(&m3), CUDA_ERROR_INVALID_VALUE);
  m3.srcHeight = 4, m3.srcZ = 1; /* one slice past the end */
  EXPECT_RESULT(cuMemcpy3D(&m3), CUDA_ERROR_INVALID_VALUE);
  EXPECT_RESULT(cuMemsetD2D32(dev + 2, 64, 0, 4, 4), CUDA_ERROR_INVALID_VALUE);  /* misaligned */
  EXPECT_RESULT(cuMemsetD2D8(dev, 8, 0, 16, 4), CUDA_ERROR_INVALID_VALUE);       /* pitch < width */
  EXPECT_RESULT(cuMemsetD2D8(dev, 1024, 0, 16, 5), CUDA_ERROR_INVALID_VALUE);    /* past the end */
  /* Zero extents are no-ops. */
  m.dstDevice = dev, m.dstPitch = 64, m.Height = 0;
  CHECK(cuMemcpy2D(&m));
  CHECK(cuCtxSynchronize()); /* nothing asynchronous failed either */
  printf("errors: ok\n");
  return 0;
}

/* A captured 2D upload + download replays with the host bytes of each launch. */
static int Capture(void) {
  CUcontext ctx;
  CUstream stream;
  CHECK(cuInit(0));
  CHECK(cuCtxCreate(&ctx, NULL, 0, 0));
  CHECK(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
  enum { W = 10, H = 6, HP = 13, DP = 16 };
  unsigned char in[HP * H], out[HP * H];
  CUdeviceptr dev;
  CHECK(cuMemAlloc(&dev, DP * H));
  CUDA_MEMCPY2D up, down;
  memset(&up, 0, sizeof(up));
  up.srcMemoryType = CU_MEMORYTYPE_HOST, up.srcHost = in, up.srcPitch = HP;
  up.dstMemoryType = CU_MEMORYTYPE_DEVICE, up.dstDevice = dev, up.dstPitch = DP;
  up.WidthInBytes = W, up.Height = H;
  memset(&down, 0, sizeof(down));
  down.srcMemoryType = CU_MEMORYTYPE_DEVICE, down.srcDevice = dev, down.srcPitch = DP;
  down.dstMemoryType = CU_MEMORYTYPE_HOST, down.dstHost = out, down.dstPitch = HP;
  down.WidthInBytes = W, down.Height = H;
  CUgraph graph;
  CUgraphExec exec;
  CHECK(cuStreamBeginCapture(stream, CU_STREAM_CAPTURE_MODE_GLOBAL));
  CHECK(cuMemcpy2DAsync(&up, stream));
  CHECK(cuMemcpy2DAsync(&down, stream));
  CHECK(cuStreamEndCapture(stream, &graph));
  CHECK(cuGraphInstantiate(&exec, graph, 0));
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < HP * H; ++i) in[i] = (unsigned char)(i * 7 + round * 3), out[i] = 0xEE;
    CHECK(cuGraphLaunch(exec, stream));
    CHECK(cuStreamSynchronize(stream));
    for (int y = 0; y < H; ++y) {
      for (int x = 0; x < HP; ++x) {
        unsigned char want = x < W ? in[y * HP + x] : 0xEE;
        if (out[y * HP + x] != want) {
          fprintf(stderr, "round %d: out[%d][%d] = %u, expected %u\n", round, y, x, out[y * HP + x], want);
          return 1;
        }
      }
    }
  }
  printf("captured 2D copies: ok\n");
  return 0;
}

/* One 2D upload and one 2D download of 512 rows each, for the message count
 * (the test reads VGPU_STATS). */
static int Count(void) {
  CUcontext ctx;
  CHECK(cuInit(0));
  CHECK(cuCtxCreate(&ctx, NULL, 0, 0));
  enum { W = 100, H = 512, HP = 128, DP = 256 };
  static unsigned char host[HP * H];
  CUdeviceptr dev;
  CHECK(cuMemAlloc(&dev, DP * H));
  CUDA_MEMCPY2D m;
  memset(&m, 0, sizeof(m));
  m.srcMemoryType = CU_MEMORYTYPE_HOST, m.srcHost = host, m.srcPitch = HP;
  m.dstMemoryType = CU_MEMORYTYPE_DEVICE, m.dstDevice = dev, m.dstPitch = DP;
  m.WidthInBytes = W, m.Height = H;
  CHECK(cuMemcpy2D(&m));
  m.srcMemoryType = CU_MEMORYTYPE_DEVICE, m.srcDevice = dev, m.srcPitch = DP;
  m.dstMemoryType = CU_MEMORYTYPE_HOST, m.dstHost = host, m.dstPitch = HP;
  CHECK(cuMemcpy2D(&m));
  printf("count: done\n");
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s copies2d|copies3d|memsets2d|chunked|errors|capture|count\n", argv[0]);
    return 2;
  }
  const char* what = argv[1];
  if (strcmp(what, "copies2d") == 0) return Pitched(0);
  if (strcmp(what, "copies3d") == 0) return Pitched(1);
  if (strcmp(what, "memsets2d") == 0) return Memsets2D();
  if (strcmp(what, "chunked") == 0) return Chunked();
  if (strcmp(what, "errors") == 0) return Errors();
  if (strcmp(what, "capture") == 0) return Capture();
  if (strcmp(what, "count") == 0) return Count();
  fprintf(stderr, "unknown scenario %s\n", what);
  return 2;
}
