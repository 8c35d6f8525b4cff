// cuBLAS BLAS-1/2/3 over vgpu against vgpu-server --backend emu, for S, D, C
// and Z, checked against a naive complex<double> host reference: level 1
// (results in host and device pointer mode, positive and negative strides),
// gemv/ger, gemm (+batched, +strided), symm, syrk, trsm (+batched), device
// pointer mode for GemmEx, Set/GetVector and Set/GetMatrix (+Async) with
// padded leading dimensions; then bad arguments give clear statuses.
#include <cublas_api.h>
#include <cuComplex.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <cstring>
#include <random>
#include <type_traits>
#include <vector>

namespace {

int g_failures = 0;
#define EXPECT(cond)                                                                      \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "%s:%d: FAILED %s (%s)\n", __FILE__, __LINE__, #cond, g_what); \
      ++g_failures;                                                                       \
    }                                                                                     \
  } while (0)
#define CUDA_OK(x) EXPECT((x) == cudaSuccess)
#define BLAS_OK(x) EXPECT((x) == CUBLAS_STATUS_SUCCESS)
const char* g_what = "";

using cd = std::complex<double>;
std::mt19937 g_rng(3);

cd ToCd(float v) { return v; }
cd ToCd(double v) { return v; }
cd ToCd(cuComplex v) { return {v.x, v.y}; }
cd ToCd(cuDoubleComplex v) { return {v.x, v.y}; }
template <typename T> T FromCd(cd v);
template <> float FromCd<float>(cd v) { return float(v.real()); }
template <> double FromCd<double>(cd v) { return v.real(); }
template <> cuComplex FromCd<cuComplex>(cd v) { return {float(v.real()), float(v.imag())}; }
template <> cuDoubleComplex FromCd<cuDoubleComplex>(cd v) { return {v.real(), v.imag()}; }

template <typename T>
constexpr bool kComplex = std::is_same_v<T, cuComplex> || std::is_same_v<T, cuDoubleComplex>;
template <typename T>
double Tol() { return std::is_same_v<T, float> || std::is_same_v<T, cuComplex> ? 3e-4 : 1e-10; }
template <typename T> bool Close(cd got, cd want, double scale = 1) {
  return std::abs(got - want) <= Tol<T>() * std::max(1.0, scale);
}

// Typed entry points.
template <typename T> struct Api;
#define VGPU_API(T, P, R, I, NORM, DOTU, DOTC, GER, GERC)                 \
  template <> struct Api<T> {                                             \
    using Real = R;                                                       \
    static constexpr auto axpy = &cublas##P##axpy_v2;                     \
    static constexpr auto scal = &cublas##P##scal_v2;                     \
    static constexpr auto copy = &cublas##P##copy_v2;                     \
    static constexpr auto swap = &cublas##P##swap_v2;                     \
    static constexpr auto dot = &cublas##DOTU##_v2;                       \
    static constexpr auto dotc = &cublas##DOTC##_v2;                      \
    static constexpr auto nrm2 = &cublas##NORM##nrm2_v2;                  \
    static constexpr auto asum = &cublas##NORM##asum_v2;                  \
    static constexpr auto iamax = &cublasI##I##amax_v2;                   \
    static constexpr auto iamin = &cublasI##I##amin_v2;                   \
    static constexpr auto gemv = &cublas##P##gemv_v2;                     \
    static constexpr auto ger = &cublas##GER##_v2;                        \
    static constexpr auto gerc = &cublas##GERC##_v2;                      \
    static constexpr auto gemm = &cublas##P##gemm_v2;                     \
    static constexpr auto gemm_batched = &cublas##P##gemmBatched;         \
    static constexpr auto gemm_strided = &cublas##P##gemmStridedBatched;  \
    static constexpr auto symm = &cublas##P##symm_v2;                     \
    static constexpr auto syrk = &cublas##P##syrk_v2;                     \
    static constexpr auto trsm = &cublas##P##trsm_v2;                     \
    static constexpr auto trsm_batched = &cublas##P##trsmBatched;         \
  };
VGPU_API(float, S, float, s, S, Sdot, Sdot, Sger, Sger)
VGPU_API(double, D, double, d, D, Ddot, Ddot, Dger, Dger)
VGPU_API(cuComplex, C, float, c, Sc, Cdotu, Cdotc, Cgeru, Cgerc)
VGPU_API(cuDoubleComplex, Z, double, z, Dz, Zdotu, Zdotc, Zgeru, Zgerc)

// A device copy of host data, moved with cublasSet/GetVector.
template <typename T>
struct Dev {
  T* p = nullptr;
  size_t n = 0;
  explicit Dev(const std::vector<T>& host) : n(host.size()) {
    CUDA_OK(cudaMalloc(reinterpret_cast<void**>(&p), std::max<size_t>(1, n) * sizeof(T)));
    if (n) BLAS_OK(cublasSetVector(int(n), sizeof(T), host.data(), 1, p, 1));
  }
  ~Dev() { cudaFree(p); }
  std::vector<T> Get() const {
    std::vector<T> out(n);
    if (n) BLAS_OK(cublasGetVector(int(n), sizeof(T), p, 1, out.data(), 1));
    return out;
  }
};

template <typename T>
std::vector<T> Random(size_t n) {
  std::uniform_real_distribution<double> d(-1, 1);
  std::vector<T> v(n);
  for (auto& x : v) x = FromCd<T>({d(g_rng), kComplex<T> ? d(g_rng) : 0.0});
  return v;
}

size_t At(int i, int n, int inc) { return size_t(inc >= 0 ? i * inc : (n - 1 - i) * -inc); }
cd Apply(cd v, cublasOperation_t op) { return op == CUBLAS_OP_C ? std::conj(v) : v; }

template <typename T>
void Level1(cublasHandle_t h, cublasPointerMode_t mode) {
  using A = Api<T>;
  using R = typename A::Real;
  BLAS_OK(cublasSetPointerMode_v2(h, mode));
  const bool device = mode == CUBLAS_POINTER_MODE_DEVICE;
  const int n = 29;
  for (int incx : {1, 2, -1}) {
    const int incy = incx == 2 ? 3 : 1;
    const auto hx = Random<T>(size_t((n - 1) * std::abs(incx) + 1)), hy = Random<T>(size_t((n - 1) * incy + 1));
    const T alpha = FromCd<T>({0.5, kComplex<T> ? 0.25 : 0});
    Dev<T> dalpha(std::vector<T>{alpha});
    const T* palpha = device ? dalpha.p : &alpha;
    auto x_at = [&](const std::vector<T>& v, int i) { return ToCd(v[At(i, n, incx)]); };
    auto y_at = [&](const std::vector<T>& v, int i) { return ToCd(v[At(i, n, incy)]); };
    {  // axpy
      Dev<T> x(hx), y(hy);
      BLAS_OK(A::axpy(h, n, palpha, x.p, incx, y.p, incy));
      const auto got = y.Get();
      for (int i = 0; i < n; ++i) EXPECT(Close<T>(y_at(got, i), y_at(hy, i) + ToCd(alpha) * x_at(hx, i)));
    }
    {  // scal (skipped by BLAS for a negative stride)
      Dev<T> x(hx);
      BLAS_OK(A::scal(h, n, palpha, x.p, incx));
      const auto got = x.Get();
      for (int i = 0; i < n; ++i) EXPECT(Close<T>(x_at(got, i), incx > 0 ? ToCd(alpha) * x_at(hx, i) : x_at(hx, i)));
    }
    {  // copy and swap
      Dev<T> x(hx), y(hy);
      BLAS_OK(A::copy(h, n, x.p, incx, y.p, incy));
      auto got = y.Get();
      for (int i = 0; i < n; ++i) EXPECT(y_at(got, i) == x_at(hx, i));
      Dev<T> x2(hx), y2(hy);
      BLAS_OK(A::swap(h, n, x2.p, incx, y2.p, incy));
      const auto gx = x2.Get(), gy = y2.Get();
      for (int i = 0; i < n; ++i) EXPECT((x_at(gx, i) == y_at(hy, i) && y_at(gy, i) == x_at(hx, i)));
    }
    // Reductions: into host memory (a round trip) or device memory (posted).
    Dev<T> x(hx), y(hy);
    Dev<T> dres(std::vector<T>(1));
    Dev<int> dindex(std::vector<int>(2));
    for (int which = 0; which < 6; ++which) {
      T tres{};
      R rres{};
      int ires = 0;
      cd want = 0;
      double scale = n;
      switch (which) {
        case 0:
        case 1: {
          const bool conj = which == 1 && kComplex<T>;
          for (int i = 0; i < n; ++i) want += (conj ? std::conj(x_at(hx, i)) : x_at(hx, i)) * y_at(hy, i);
          BLAS_OK((conj ? A::dotc : A::dot)(h, n, x.p, incx, y.p, incy, device ? dres.p : &tres));
          break;
        }
        case 2:
        case 3: {
          double sum = 0;
          for (int i = 0; i < n && incx > 0; ++i) {
            const cd v = x_at(hx, i);
            sum += which == 2 ? std::norm(v) : std::fabs(v.real()) + std::fabs(v.imag());
          }
          want = which == 2 ? std::sqrt(sum) : sum;
          R* out = device ? reinterpret_cast<R*>(dres.p) : &rres;
          BLAS_OK((which == 2 ? A::nrm2 : A::asum)(h, n, x.p, incx, out));
          break;
        }
        default: {
          double best = 0;
          int index = 0;
          for (int i = 0; i < n && incx > 0; ++i) {
            const cd v = x_at(hx, i);
            const double mag = std::fabs(v.real()) + std::fabs(v.imag());
            if (i == 0 || (which == 4 ? mag > best : mag < best)) best = mag, index = i + 1;
          }
          want = index;
          scale = 0;
          BLAS_OK((which == 4 ? A::iamax : A::iamin)(h, n, x.p, incx, device ? dindex.p + 1 : &ires));
          break;
        }
      }
      cd got;
      if (device) {
        CUDA_OK(cudaDeviceSynchronize());
        if (which < 2) got = ToCd(dres.Get()[0]);
        else if (which < 4) { R r; CUDA_OK(cudaMemcpy(&r, dres.p, sizeof r, cudaMemcpyDeviceToHost)); got = r; }
        else got = dindex.Get()[1];
      } else {
        got = which < 2 ? ToCd(tres) : which < 4 ? cd(rres) : cd(ires);
      }
      EXPECT(Close<T>(got, want, scale));
    }
  }
  BLAS_OK(cublasSetPointerMode_v2(h, CUBLAS_POINTER_MODE_HOST));
}

template <typename T>
void Level2(cublasHandle_t h) {
  using A = Api<T>;
  const int m = 11, n = 6, lda = m + 2;
  const T alpha = FromCd<T>({1.5, kComplex<T> ? -0.5 : 0}), beta = FromCd<T>({-0.25, kComplex<T> ? 0.75 : 0});
  const auto ha = Random<T>(size_t(lda * n));
  for (cublasOperation_t op : {CUBLAS_OP_N, CUBLAS_OP_T, CUBLAS_OP_C}) {
    const int lx = op == CUBLAS_OP_N ? n : m, ly = op == CUBLAS_OP_N ? m : n;
    const auto hx = Random<T>(size_t(lx * 2)), hy = Random<T>(size_t(ly));
    Dev<T> a(ha), x(hx), y(hy);
    BLAS_OK(A::gemv(h, op, m, n, &alpha, a.p, lda, x.p, 2, &beta, y.p, 1));
    const auto got = y.Get();
    for (int i = 0; i < ly; ++i) {
      cd sum = 0;
      for (int p = 0; p < lx; ++p) {
        const cd av = op == CUBLAS_OP_N ? ToCd(ha[size_t(p * lda + i)]) : Apply(ToCd(ha[size_t(i * lda + p)]), op);
        sum += av * ToCd(hx[size_t(p * 2)]);
      }
      EXPECT(Close<T>(ToCd(got[size_t(i)]), ToCd(alpha) * sum + ToCd(beta) * ToCd(hy[size_t(i)]), lx));
    }
  }
  for (int conj = 0; conj < (kComplex<T> ? 2 : 1); ++conj) {
    const auto hx = Random<T>(size_t(m)), hy = Random<T>(size_t(n * 3));
    Dev<T> a(ha), x(hx), y(hy);
    BLAS_OK((conj ? A::gerc : A::ger)(h, m, n, &alpha, x.p, 1, y.p, 3, a.p, lda));
    const auto got = a.Get();
    for (int j = 0; j < n; ++j) {
      for (int i = 0; i < m; ++i) {
        cd yv = ToCd(hy[size_t(j * 3)]);
        if (conj) yv = std::conj(yv);
        const size_t at = size_t(j * lda + i);
        EXPECT(Close<T>(ToCd(got[at]), ToCd(ha[at]) + ToCd(alpha) * ToCd(hx[size_t(i)]) * yv));
      }
    }
  }
}

template <typename T>
cd OpAt(const std::vector<T>& v, int ld, cublasOperation_t op, int i, int j, size_t base = 0) {
  return op == CUBLAS_OP_N ? ToCd(v[base + size_t(j * ld + i)]) : Apply(ToCd(v[base + size_t(i * ld + j)]), op);
}

template <typename T>
void Level3(cublasHandle_t h) {
  using A = Api<T>;
  const int m = 6, n = 5, k = 4, batch = 3;
  const T alpha = FromCd<T>({0.75, kComplex<T> ? 0.5 : 0}), beta = FromCd<T>({0.5, kComplex<T> ? -0.25 : 0});
  const cd ca = ToCd(alpha), cb = ToCd(beta);
  for (cublasOperation_t ta : {CUBLAS_OP_N, CUBLAS_OP_T, CUBLAS_OP_C}) {
    for (cublasOperation_t tb : {CUBLAS_OP_N, CUBLAS_OP_C}) {
      const int lda = (ta == CUBLAS_OP_N ? m : k) + 1, ldb = (tb == CUBLAS_OP_N ? k : n) + 2, ldc = m + 1;
      const size_t sa = size_t(lda * (ta == CUBLAS_OP_N ? k : m)), sb = size_t(ldb * (tb == CUBLAS_OP_N ? n : k)),
                   sc = size_t(ldc * n);
      const auto ha = Random<T>(sa * batch), hb = Random<T>(sb * batch), hc = Random<T>(sc * batch);
      for (int form = 0; form < 3; ++form) {  // plain, pointer arrays, strided
        Dev<T> a(ha), b(hb), c(hc);
        if (form == 0) {
          BLAS_OK(A::gemm(h, ta, tb, m, n, k, &alpha, a.p, lda, b.p, ldb, &beta, c.p, ldc));
        } else if (form == 1) {
          std::vector<T*> pa, pb, pc;
          for (int i = 0; i < batch; ++i) pa.push_back(a.p + sa * i), pb.push_back(b.p + sb * i), pc.push_back(c.p + sc * i);
          Dev<T*> dpa(pa), dpb(pb), dpc(pc);
          BLAS_OK(A::gemm_batched(h, ta, tb, m, n, k, &alpha, const_cast<const T**>(dpa.p), lda,
                                  const_cast<const T**>(dpb.p), ldb, &beta, dpc.p, ldc, batch));
          CUDA_OK(cudaDeviceSynchronize());
        } else {
          BLAS_OK(A::gemm_strided(h, ta, tb, m, n, k, &alpha, a.p, lda, sa, b.p, ldb, sb, &beta, c.p, ldc, sc, batch));
        }
        const auto got = c.Get();
        const int entries = form == 0 ? 1 : batch;
        for (int e = 0; e < batch; ++e) {
          for (int j = 0; j < n; ++j) {
            for (int i = 0; i < ldc; ++i) {
              const size_t at = sc * e + size_t(j * ldc + i);
              if (i >= m || e >= entries) {
                EXPECT(ToCd(got[at]) == ToCd(hc[at]));
                continue;
              }
              cd sum = 0;
              for (int p = 0; p < k; ++p) sum += OpAt(ha, lda, ta, i, p, sa * e) * OpAt(hb, ldb, tb, p, j, sb * e);
              EXPECT(Close<T>(ToCd(got[at]), ca * sum + cb * ToCd(hc[at]), k));
            }
          }
        }
      }
    }
  }
  for (cublasSideMode_t side : {CUBLAS_SIDE_LEFT, CUBLAS_SIDE_RIGHT}) {
    for (cublasFillMode_t uplo : {CUBLAS_FILL_MODE_LOWER, CUBLAS_FILL_MODE_UPPER}) {
      const int ka = side == CUBLAS_SIDE_LEFT ? m : n, lda = ka + 1, ldb = m + 2, ldc = m;
      const auto ha = Random<T>(size_t(lda * ka)), hb = Random<T>(size_t(ldb * n)), hc = Random<T>(size_t(ldc * n));
      auto sym = [&](int i, int j) {
        const bool stored = uplo == CUBLAS_FILL_MODE_LOWER ? i >= j : i <= j;
        return ToCd(stored ? ha[size_t(j * lda + i)] : ha[size_t(i * lda + j)]);
      };
      {  // symm
        Dev<T> a(ha), b(hb), c(hc);
        BLAS_OK(A::symm(h, side, uplo, m, n, &alpha, a.p, lda, b.p, ldb, &beta, c.p, ldc));
        const auto got = c.Get();
        for (int j = 0; j < n; ++j) {
          for (int i = 0; i < m; ++i) {
            cd sum = 0;
            if (side == CUBLAS_SIDE_LEFT) for (int p = 0; p < m; ++p) sum += sym(i, p) * ToCd(hb[size_t(j * ldb + p)]);
            else for (int p = 0; p < n; ++p) sum += ToCd(hb[size_t(p * ldb + i)]) * sym(p, j);
            EXPECT(Close<T>(ToCd(got[size_t(j * ldc + i)]), ca * sum + cb * ToCd(hc[size_t(j * ldc + i)]), ka));
          }
        }
      }
      // trsm and trsmBatched: multiply the solution back.
      for (cublasOperation_t op : {CUBLAS_OP_N, CUBLAS_OP_T}) {
        for (cublasDiagType_t diag : {CUBLAS_DIAG_NON_UNIT, CUBLAS_DIAG_UNIT}) {
          auto ta = ha;
          for (int i = 0; i < ka; ++i) ta[size_t(i * lda + i)] = FromCd<T>(ToCd(ta[size_t(i * lda + i)]) + 4.0);
          auto tri = [&](int i, int j) {
            if (i == j) return diag == CUBLAS_DIAG_UNIT ? cd(1) : ToCd(ta[size_t(j * lda + i)]);
            const bool stored = uplo == CUBLAS_FILL_MODE_LOWER ? i > j : i < j;
            return stored ? ToCd(ta[size_t(j * lda + i)]) : cd(0);
          };
          auto opa = [&](int i, int j) { return op == CUBLAS_OP_N ? tri(i, j) : tri(j, i); };
          for (int batched = 0; batched < 2; ++batched) {
            Dev<T> a(ta), b(hb);
            if (batched) {
              Dev<const T*> dpa(std::vector<const T*>{a.p});
              Dev<T*> dpb(std::vector<T*>{b.p});
              BLAS_OK(A::trsm_batched(h, side, uplo, op, diag, m, n, &alpha, dpa.p, lda, dpb.p, ldb, 1));
              CUDA_OK(cudaDeviceSynchronize());
            } else {
              BLAS_OK(A::trsm(h, side, uplo, op, diag, m, n, &alpha, a.p, lda, b.p, ldb));
            }
            const auto x = b.Get();
            for (int j = 0; j < n; ++j) {
              for (int i = 0; i < m; ++i) {
                cd sum = 0;
                if (side == CUBLAS_SIDE_LEFT) for (int p = 0; p < m; ++p) sum += opa(i, p) * ToCd(x[size_t(j * ldb + p)]);
                else for (int p = 0; p < n; ++p) sum += ToCd(x[size_t(p * ldb + i)]) * opa(p, j);
                EXPECT(Close<T>(sum, ca * ToCd(hb[size_t(j * ldb + i)]), 4.0 * ka));
              }
            }
          }
        }
      }
    }
  }
  for (cublasFillMode_t uplo : {CUBLAS_FILL_MODE_LOWER, CUBLAS_FILL_MODE_UPPER}) {
    for (cublasOperation_t op : {CUBLAS_OP_N, CUBLAS_OP_T}) {
      const int lda = (op == CUBLAS_OP_N ? n : k) + 1, ldc = n + 1;
      const auto ha = Random<T>(size_t(lda * (op == CUBLAS_OP_N ? k : n))), hc = Random<T>(size_t(ldc * n));
      Dev<T> a(ha), c(hc);
      BLAS_OK(A::syrk(h, uplo, op, n, k, &alpha, a.p, lda, &beta, c.p, ldc));
      const auto got = c.Get();
      for (int j = 0; j < n; ++j) {
        for (int i = 0; i < n; ++i) {
          const size_t at = size_t(j * ldc + i);
          if (uplo == CUBLAS_FILL_MODE_LOWER ? i < j : i > j) {
            EXPECT(ToCd(got[at]) == ToCd(hc[at]));
            continue;
          }
          cd sum = 0;
          for (int p = 0; p < k; ++p) sum += OpAt(ha, lda, op, i, p) * OpAt(ha, lda, op, j, p);
          EXPECT(Close<T>(ToCd(got[at]), ca * sum + cb * ToCd(hc[at]), k));
        }
      }
    }
  }
}

template <typename T>
void RunType(cublasHandle_t h, const char* name) {
  g_what = name;
  Level1<T>(h, CUBLAS_POINTER_MODE_HOST);
  Level1<T>(h, CUBLAS_POINTER_MODE_DEVICE);
  Level2<T>(h);
  Level3<T>(h);
}

void Matrices(cudaStream_t stream) {
  g_what = "Set/GetMatrix";
  const int rows = 5, cols = 4, lda = 7, ldb = 6;
  std::vector<double> host(size_t(lda * cols));
  for (size_t i = 0; i < host.size(); ++i) host[i] = double(i);
  double* dev = nullptr;
  CUDA_OK(cudaMalloc(reinterpret_cast<void**>(&dev), sizeof(double) * ldb * cols));
  CUDA_OK(cudaMemset(dev, 0, sizeof(double) * ldb * cols));
  BLAS_OK(cublasSetMatrix(rows, cols, sizeof(double), host.data(), lda, dev, ldb));
  std::vector<double> flat(size_t(ldb * cols), -1);
  CUDA_OK(cudaMemcpy(flat.data(), dev, flat.size() * sizeof(double), cudaMemcpyDeviceToHost));
  for (int j = 0; j < cols; ++j)
    for (int i = 0; i < ldb; ++i) EXPECT(flat[size_t(j * ldb + i)] == (i < rows ? host[size_t(j * lda + i)] : 0.0));
  std::vector<double> back(size_t(lda * cols), -1);
  BLAS_OK(cublasGetMatrixAsync(rows, cols, sizeof(double), dev, ldb, back.data(), lda, stream));
  CUDA_OK(cudaStreamSynchronize(stream));
  for (int j = 0; j < cols; ++j)
    for (int i = 0; i < lda; ++i) EXPECT(back[size_t(j * lda + i)] == (i < rows ? host[size_t(j * lda + i)] : -1.0));
  // Strided vectors: every third element on the device, every second on the host.
  std::vector<float> hv(8), out(16, -1);
  for (size_t i = 0; i < hv.size(); ++i) hv[i] = float(i + 1);
  BLAS_OK(cublasSetVectorAsync(4, sizeof(float), hv.data(), 2, dev, 3, stream));
  BLAS_OK(cublasGetVector(4, sizeof(float), dev, 3, out.data(), 1));
  EXPECT((out[0] == 1 && out[1] == 3 && out[2] == 5 && out[3] == 7 && out[4] == -1));
  // A matrix larger than one message chunk.
  const int big_rows = 1025, big_cols = 1100;
  std::vector<float> big(size_t(big_rows) * big_cols), big_back(big.size());
  for (size_t i = 0; i < big.size(); ++i) big[i] = float(i % 9973);
  float* dbig = nullptr;
  CUDA_OK(cudaMalloc(reinterpret_cast<void**>(&dbig), big.size() * sizeof(float) + 64 * big_cols));
  BLAS_OK(cublasSetMatrix(big_rows, big_cols, sizeof(float), big.data(), big_rows, dbig, big_rows + 16));
  BLAS_OK(cublasGetMatrix(big_rows, big_cols, sizeof(float), dbig, big_rows + 16, big_back.data(), big_rows));
  EXPECT(big == big_back);
  // Bad arguments.
  EXPECT(cublasSetMatrix(rows, cols, sizeof(double), host.data(), rows - 1, dev, ldb) == CUBLAS_STATUS_INVALID_VALUE);
  EXPECT(cublasSetVector(4, 0, hv.data(), 1, dev, 1) == CUBLAS_STATUS_INVALID_VALUE);
  EXPECT(cublasGetVector(4, sizeof(float), dev, 0, out.data(), 1) == CUBLAS_STATUS_INVALID_VALUE);
  EXPECT(cublasGetMatrix(rows, cols, sizeof(double), reinterpret_cast<void*>(0x1000), ldb, back.data(), lda) ==
         CUBLAS_STATUS_MAPPING_ERROR);
  cudaFree(dbig);
  cudaFree(dev);
}

// GemmEx and Sgemm with alpha/beta in device memory.
void DevicePointerGemm(cublasHandle_t h) {
  g_what = "device pointer mode GEMM";
  const float ha[4] = {1, 2, 3, 4}, hb[4] = {5, 6, 7, 8}, hc[4] = {1, 1, 1, 1}, scalars[2] = {2, 3};
  float *a, *b, *c, *s;
  CUDA_OK(cudaMalloc(reinterpret_cast<void**>(&a), 16));
  CUDA_OK(cudaMalloc(reinterpret_cast<void**>(&b), 16));
  CUDA_OK(cudaMalloc(reinterpret_cast<void**>(&c), 16));
  CUDA_OK(cudaMalloc(reinterpret_cast<void**>(&s), 8));
  CUDA_OK(cudaMemcpy(a, ha, 16, cudaMemcpyHostToDevice));
  CUDA_OK(cudaMemcpy(b, hb, 16, cudaMemcpyHostToDevice));
  CUDA_OK(cudaMemcpy(c, hc, 16, cudaMemcpyHostToDevice));
  CUDA_OK(cudaMemcpy(s, scalars, 8, cudaMemcpyHostToDevice));
  BLAS_OK(cublasSetPointerMode_v2(h, CUBLAS_POINTER_MODE_DEVICE));
  BLAS_OK(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 2, s, a, CUDA_R_32F, 2, b, CUDA_R_32F, 2, s + 1, c,
                       CUDA_R_32F, 2, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  float got[4];
  CUDA_OK(cudaMemcpy(got, c, 16, cudaMemcpyDeviceToHost));
  // 2 * A*B + 3 * 1, A*B = [[23, 31], [34, 46]] column-major {23, 34, 31, 46}
  EXPECT((got[0] == 49 && got[1] == 71 && got[2] == 65 && got[3] == 95));
  // The scalars are read when the GEMM runs, in stream order.
  const float later[2] = {1, 0};
  CUDA_OK(cudaMemcpy(s, later, 8, cudaMemcpyHostToDevice));
  BLAS_OK(cublasSgemm_v2(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 2, s, a, 2, b, 2, s + 1, c, 2));
  CUDA_OK(cudaMemcpy(got, c, 16, cudaMemcpyDeviceToHost));
  EXPECT((got[0] == 23 && got[1] == 34 && got[2] == 31 && got[3] == 46));
  // f16 operands with a 16F compute type: the device scalars are halves.
  const __half h16[4] = {__float2half(1), __float2half(2), __float2half(3), __float2half(4)};
  const __half s16[2] = {__float2half(0.5f), __float2half(0)};
  CUDA_OK(cudaMemcpy(a, h16, 8, cudaMemcpyHostToDevice));
  CUDA_OK(cudaMemcpy(s, s16, 4, cudaMemcpyHostToDevice));
  BLAS_OK(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 2, s, a, CUDA_R_16F, 2, a, CUDA_R_16F, 2,
                       reinterpret_cast<__half*>(s) + 1, c, CUDA_R_16F, 2, CUBLAS_COMPUTE_16F, CUBLAS_GEMM_DEFAULT));
  __half g16[4];
  CUDA_OK(cudaMemcpy(g16, c, 8, cudaMemcpyDeviceToHost));
  // 0.5 * A*A, A = [[1, 3], [2, 4]]: A*A = {7, 10, 15, 22} column-major
  EXPECT((__half2float(g16[0]) == 3.5f && __half2float(g16[1]) == 5 && __half2float(g16[2]) == 7.5f &&
          __half2float(g16[3]) == 11));
  BLAS_OK(cublasSetPointerMode_v2(h, CUBLAS_POINTER_MODE_HOST));
  cudaFree(a), cudaFree(b), cudaFree(c), cudaFree(s);
}

// GemmEx on complex types matches Cgemm/Zgemm; the _64 iamax widens the index.
void ComplexGemmExAndIndex64(cublasHandle_t h) {
  g_what = "complex GemmEx, Isamax_v2_64";
  const int m = 3, n = 2, k = 4;
  const auto ha = Random<cuComplex>(size_t(m * k)), hb = Random<cuComplex>(size_t(k * n)),
             hc = Random<cuComplex>(size_t(m * n));
  const cuComplex alpha{0.5f, 1.0f}, beta{-1.0f, 0.25f};
  Dev<cuComplex> a(ha), b(hb), c1(hc), c2(hc);
  BLAS_OK(cublasCgemm_v2(h, CUBLAS_OP_C, CUBLAS_OP_N, m, n, k, &alpha, a.p, k, b.p, k, &beta, c1.p, m));
  BLAS_OK(cublasGemmEx(h, CUBLAS_OP_C, CUBLAS_OP_N, m, n, k, &alpha, a.p, CUDA_C_32F, k, b.p, CUDA_C_32F, k, &beta,
                       c2.p, CUDA_C_32F, m, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  const auto g1 = c1.Get(), g2 = c2.Get();
  for (size_t i = 0; i < g1.size(); ++i) EXPECT((g1[i].x == g2[i].x && g1[i].y == g2[i].y));
  const std::vector<float> hx = {1, -7, 3, 7};
  Dev<float> x(hx);
  int64_t index = 0;
  BLAS_OK(cublasIsamax_v2_64(h, 4, x.p, 1, &index));
  EXPECT(index == 2);
}

void BadArguments(cublasHandle_t h) {
  g_what = "bad arguments";
  float one = 1, r = 0;
  float* x = nullptr;
  CUDA_OK(cudaMalloc(reinterpret_cast<void**>(&x), 64));
  EXPECT(cublasSgemv_v2(h, CUBLAS_OP_N, 4, 4, &one, x, 3, x, 1, &one, x, 1) == CUBLAS_STATUS_INVALID_VALUE);
  EXPECT(cublasSgemv_v2(h, static_cast<cublasOperation_t>(9), 1, 1, &one, x, 1, x, 1, &one, x, 1) ==
         CUBLAS_STATUS_INVALID_VALUE);
  EXPECT(cublasStrsm_v2(h, CUBLAS_SIDE_LEFT, static_cast<cublasFillMode_t>(5), CUBLAS_OP_N, CUBLAS_DIAG_UNIT, 2, 2,
                        &one, x, 2, x, 2) == CUBLAS_STATUS_INVALID_VALUE);
  EXPECT(cublasSaxpy_v2(h, 4, nullptr, x, 1, x, 1) == CUBLAS_STATUS_INVALID_VALUE);
  EXPECT(cublasSdot_v2(h, 4, x, 1, x, 1, nullptr) == CUBLAS_STATUS_INVALID_VALUE);
  // n <= 0: a quick return with a zero result, nothing sent.
  r = 5;
  BLAS_OK(cublasSnrm2_v2(h, 0, x, 1, &r));
  EXPECT(r == 0);
  // Out of range: the host-mode dot is answered with the error.
  EXPECT(cublasSdot_v2(h, 1000, x, 1, x, 1, &r) != CUBLAS_STATUS_SUCCESS);
  // Posted calls report it at the next synchronizing call; the server stays up.
  BLAS_OK(cublasSaxpy_v2(h, 1000, &one, x, 1, x, 1));
  EXPECT(cudaDeviceSynchronize() != cudaSuccess);
  cublasHandle_t dead = nullptr;
  BLAS_OK(cublasCreate_v2(&dead));
  BLAS_OK(cublasDestroy_v2(dead));
  EXPECT(cublasSaxpy_v2(dead, 1, &one, x, 1, x, 1) == CUBLAS_STATUS_NOT_INITIALIZED);
  BLAS_OK(cublasSscal_v2(h, 4, &one, x, 1));
  CUDA_OK(cudaDeviceSynchronize());
  cudaFree(x);
}

}  // namespace

int main() {
  CUDA_OK(cudaSetDevice(0));
  CUDA_OK(cudaFree(nullptr));
  cublasHandle_t h = nullptr;
  BLAS_OK(cublasCreate_v2(&h));
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreate(&stream));
  BLAS_OK(cublasSetStream_v2(h, stream));
  RunType<float>(h, "S");
  RunType<double>(h, "D");
  RunType<cuComplex>(h, "C");
  RunType<cuDoubleComplex>(h, "Z");
  Matrices(stream);
  DevicePointerGemm(h);
  ComplexGemmExAndIndex64(h);
  BadArguments(h);
  BLAS_OK(cublasDestroy_v2(h));
  if (g_failures) {
    std::fprintf(stderr, "%d failure(s)\n", g_failures);
    return 1;
  }
  std::printf("cublas blas e2e: ok\n");
  return 0;
}
