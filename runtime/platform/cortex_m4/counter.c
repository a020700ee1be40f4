/* Instruction counting on Cortex-M under QEMU (see deeploy/counter.h). QEMU does not
 * model the DWT cycle counter, so the program cannot count: deeploy_count_start/stop are
 * markers at whose first instruction the insn_window plugin (runtime/platform/qemu)
 * starts and stops counting, and deeploy_profile_begin/end open and close one layer's
 * window the same way. They live in their own translation unit and are never inlined,
 * so their addresses exist and every call reaches them. */
#include "deeploy/counter.h"

#include <stdio.h>

__attribute__((noinline, used)) void deeploy_count_start(void) { __asm__ volatile(""); }

__attribute__((noinline, used)) void deeploy_count_stop(void) { __asm__ volatile(""); }

uint64_t deeploy_count_instructions(void) { return 0; }

__attribute__((noinline, used)) void deeploy_profile_begin(void) { __asm__ volatile(""); }

/* The layer's window closes at this function's first instruction, before the print; the
 * plugin writes the counts to a file and the harness adds each to its line, in order. */
__attribute__((noinline, used)) void deeploy_profile_end(int32_t index, const char *name) {
    __asm__ volatile("");
    printf("DEEPLOY_LAYER %ld %s\n", (long)index, name);
}
