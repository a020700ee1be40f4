/* Deeploy runtime: counting the instructions of one inference, and of each layer.
 *
 * The harness brackets one inference with deeploy_count_start() / deeploy_count_stop().
 * On a core whose instruction counter the program can read (rv32: minstret, exact under
 * QEMU's -icount), deeploy_count_instructions() returns what ran in between. Where the
 * program cannot count (Cortex-M under QEMU, which does not model the DWT), the two
 * functions are markers at which an emulator plugin starts and stops counting, and
 * deeploy_count_instructions() returns 0.
 *
 * With layer profiling, the generated run function calls deeploy_profile_begin() before
 * and deeploy_profile_end() after each layer; the latter prints
 *   DEEPLOY_LAYER <index> <name> <instructions>
 * where the program counts (rv32), or `DEEPLOY_LAYER <index> <name>` where the two are
 * markers a counting tool brackets each layer with (Cortex-M under QEMU: the plugin; the
 * host: callgrind); the harness then adds the tool's counts to the lines, in order.
 */
#ifndef DEEPLOY_COUNTER_H_
#define DEEPLOY_COUNTER_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void deeploy_count_start(void);
void deeploy_count_stop(void);
uint64_t deeploy_count_instructions(void);

void deeploy_profile_begin(void);
void deeploy_profile_end(int32_t index, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_COUNTER_H_ */
