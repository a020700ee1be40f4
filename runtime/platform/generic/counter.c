/* Instruction counting on the host (see deeploy/counter.h). The program does not count:
 * `deeploy run` runs it under valgrind's callgrind, which counts the network's run
 * function (--toggle-collect) and, for layer profiling, dumps its counts on entering
 * deeploy_profile_begin and deeploy_profile_end (--dump-before), so each layer's count is
 * the dump that deeploy_profile_end triggers. The markers are never inlined, so every
 * call reaches them, and the line deeploy_profile_end prints falls after its dump: the
 * printing is in no layer's count. */
#include "deeploy/counter.h"

#include <stdio.h>

void deeploy_count_start(void) {}

void deeploy_count_stop(void) {}

uint64_t deeploy_count_instructions(void) { return 0; }

__attribute__((noinline)) void deeploy_profile_begin(void) { __asm__ volatile(""); }

__attribute__((noinline)) void deeploy_profile_end(int32_t index, const char *name) {
    __asm__ volatile("");
    /* the count is callgrind's: the harness adds it to this line */
    printf("DEEPLOY_LAYER %ld %s\n", (long)index, name);
}
