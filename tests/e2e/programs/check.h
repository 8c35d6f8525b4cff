/* CHECK(call) for the driver-API test programs: a call that fails prints where, what
   and the error's name, and ends the program with status 1. */
#ifndef VGPU_TESTS_E2E_PROGRAMS_CHECK_H_
#define VGPU_TESTS_E2E_PROGRAMS_CHECK_H_

#include <cuda.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(call)                                                                     \
  do {                                                                                  \
    CUresult check_result_ = (call);                                                    \
    if (check_result_ != CUDA_SUCCESS) {                                                \
      const char* name_ = NULL;                                                         \
      cuGetErrorName(check_result_, &name_);                                            \
      fprintf(stderr, "%s:%d: %s -> %d %s\n", __FILE__, __LINE__, #call, check_result_, \
              name_ ? name_ : "?");                                                     \
      exit(1);                                                                          \
    }                                                                                   \
  } while (0)

#endif
