/*
 * Deeploy-on-xDSL runtime: definitions shared by every kernel family.
 *
 * Kernels are portable C99 without dynamic allocation. Buffer arguments are `restrict`
 * pointers: the compiler's memory planner never lets an output overlap an input, so the
 * promise holds and C compilers may vectorise freely even though all buffers live in one
 * arena. The one exception is a kernel declared in-place safe (reuse-input-buffers may pass
 * it the same buffer as an input and its output): that input/output pair is not `restrict`,
 * and the kernel reads each element before writing it. Sizes are int32_t element counts;
 * layouts are row-major (NCHW for images).
 *
 * File names: runtime/kernels/<family>_<type>.c, <type> the element type as a suffix (f32,
 * int), left out only where the types vary by function (cast.c, compare.c, qlinear.c, ...);
 * each is declared by runtime/include/deeploy/ with the same name, <family>_<type>.h. Every
 * public function is declared there by its full literal name (grep finds a generated call);
 * macros may stamp out the definitions in the .c files, never the prototypes.
 */
#ifndef DEEPLOY_COMMON_H_
#define DEEPLOY_COMMON_H_

#include <stddef.h>
#include <stdint.h>

#define DEEPLOY_MAX_RANK 8

#endif /* DEEPLOY_COMMON_H_ */
