/* Instruction counting on Cortex-M under QEMU (see deeploy/counter.h). QEMU does not
 * model the DWT cycle counter, so the program cannot count: deeploy_count_start/stop are
 * markers at whose first instruction the insn_window plugin (runtime/platform/qemu)
 * starts and stops counting. They live in their own translation unit and are never
 * inlined, so their addresses exist and every call reaches them. */
#include "deeploy/counter.h"

__attribute__((noinline, used)) void deeploy_count_start(void) { __asm__ volatile(""); }

__attribute__((noinline, used)) void deeploy_count_stop(void) { __asm__ volatile(""); }

uint64_t deeploy_count_instructions(void) { return 0; }

/* Layer profiling needs a counter the program can read; deeploy refuses the option for
 * this target, so these are never called. */
void deeploy_profile_begin(void) {}

void deeploy_profile_end(int32_t index, const char *name) {
    (void)index;
    (void)name;
}
