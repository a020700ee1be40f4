/* Instruction counting on rv32 from the minstret CSR (see deeploy/counter.h). Under QEMU
 * with -icount shift=0 it counts every retired instruction exactly and repeatably. */
#include "deeploy/counter.h"

#include <stdio.h>

/* binutils >= 2.38 wants Zicsr named for csrr; enabling it around the instruction keeps
 * the whole program's -march (and picolibc's multilib choice) unchanged. */
static uint32_t read_csr_low(void) {
    uint32_t value;
    __asm__ volatile(".option push\n.option arch, +zicsr\ncsrr %0, minstret\n.option pop"
                     : "=r"(value));
    return value;
}

static uint32_t read_csr_high(void) {
    uint32_t value;
    __asm__ volatile(".option push\n.option arch, +zicsr\ncsrr %0, minstreth\n.option pop"
                     : "=r"(value));
    return value;
}

static uint64_t read_instret(void) {
    uint32_t high, low;
    do { /* the low word may carry into the high one between the reads */
        high = read_csr_high();
        low = read_csr_low();
    } while (high != read_csr_high());
    return ((uint64_t)high << 32) | low;
}

static uint64_t started, counted, layer_started;

void deeploy_count_start(void) { started = read_instret(); }

void deeploy_count_stop(void) { counted = read_instret() - started; }

uint64_t deeploy_count_instructions(void) { return counted; }

void deeploy_profile_begin(void) { layer_started = read_instret(); }

void deeploy_profile_end(int32_t index, const char *name) {
    const uint64_t spent = read_instret() - layer_started;
    printf("DEEPLOY_LAYER %ld %s %llu\n", (long)index, name, (unsigned long long)spent);
    /* the print is not the next layer's work */
    layer_started = read_instret();
}
