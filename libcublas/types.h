// Element types of the S, D, C and Z routines.
#pragma once

#include <cuComplex.h>
#include <library_types.h>

namespace vgpu::blas {

template <typename T> struct Elem;
template <> struct Elem<float> { static constexpr cudaDataType kType = CUDA_R_32F; using Real = float; };
template <> struct Elem<double> { static constexpr cudaDataType kType = CUDA_R_64F; using Real = double; };
template <> struct Elem<cuComplex> { static constexpr cudaDataType kType = CUDA_C_32F; using Real = float; };
template <> struct Elem<cuDoubleComplex> { static constexpr cudaDataType kType = CUDA_C_64F; using Real = double; };

inline uint64_t Addr(const void* p) { return reinterpret_cast<uint64_t>(p); }

}  // namespace vgpu::blas
