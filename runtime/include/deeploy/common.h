/*
 * Deeploy-on-xDSL runtime: definitions shared by every kernel family.
 *
 * Kernels are portable C99 without dynamic allocation. Every buffer argument is a
 * `restrict` pointer: the compiler's memory planner never lets an output overlap an input
 * unless the kernel is declared in-place safe, so the promise holds and C compilers may
 * vectorise freely even though all buffers live in one arena. Sizes are int32_t element
 * counts; layouts are row-major (NCHW for images).
 */
#ifndef DEEPLOY_COMMON_H_
#define DEEPLOY_COMMON_H_

#include <stddef.h>
#include <stdint.h>

#define DEEPLOY_MAX_RANK 8

#endif /* DEEPLOY_COMMON_H_ */
