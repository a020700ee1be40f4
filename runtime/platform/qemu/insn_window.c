/* A QEMU TCG plugin that counts the guest instructions executed between two marker
 * functions, for targets whose emulated core has no usable instruction counter
 * (QEMU does not model the Cortex-M DWT cycle counter).
 *
 *   qemu-system-arm ... -icount shift=0 \
 *     -plugin insn_window.so,start=0x1234,stop=0x1240,out=count.txt
 *
 * Counting starts at the first instruction of the `start` function and stops just before
 * the first instruction of `stop`; the harness calls them around one inference, so the
 * count is the run function, its callees and a handful of call/return instructions.
 * Each time the window closes, the total so far is written to `out` (one number). Thumb
 * function addresses may be given with their interworking bit set; it is ignored.
 *
 * Counting is per translation block, corrected at the markers, so the cost is one
 * callback per executed block rather than per instruction.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static uint64_t start_addr, stop_addr;
static const char *out_path;
static int counting;
static uint64_t total;

/* A block's instructions are added when it starts; a marker inside a block corrects for
 * the instructions before (start) or after (stop) it. */
static void on_block(unsigned int vcpu, void *udata) {
    (void)vcpu;
    if (counting) total += (uint64_t)(uintptr_t)udata;
}

static void on_start(unsigned int vcpu, void *udata) {
    (void)vcpu;
    if (!counting) total += (uint64_t)(uintptr_t)udata; /* this and later insns of the block */
    counting = 1;
}

static void write_total(void) {
    FILE *f = fopen(out_path, "w");
    if (f == NULL) {
        fprintf(stderr, "insn_window: cannot write %s\n", out_path);
        return;
    }
    fprintf(f, "%" PRIu64 "\n", total);
    fclose(f);
}

static void on_stop(unsigned int vcpu, void *udata) {
    (void)vcpu;
    if (counting) total -= (uint64_t)(uintptr_t)udata; /* counted with the block, not run */
    counting = 0;
    write_total();
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    const size_t n = qemu_plugin_tb_n_insns(tb);
    qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block, QEMU_PLUGIN_CB_NO_REGS,
                                         (void *)(uintptr_t)n);
    for (size_t i = 0; i < n; ++i) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        const uint64_t pc = qemu_plugin_insn_vaddr(insn);
        if (pc == start_addr)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_start, QEMU_PLUGIN_CB_NO_REGS,
                                                   (void *)(uintptr_t)(n - i));
        else if (pc == stop_addr)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_stop, QEMU_PLUGIN_CB_NO_REGS,
                                                   (void *)(uintptr_t)(n - i));
    }
}

static int parse_address(const char *text, uint64_t *value) {
    char *end = NULL;
    *value = strtoull(text, &end, 0) & ~(uint64_t)1;
    return end != text && *end == '\0';
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv) {
    (void)info;
    int have_start = 0, have_stop = 0;
    for (int i = 0; i < argc; ++i) {
        const char *arg = argv[i];
        if (strncmp(arg, "start=", 6) == 0)
            have_start = parse_address(arg + 6, &start_addr);
        else if (strncmp(arg, "stop=", 5) == 0)
            have_stop = parse_address(arg + 5, &stop_addr);
        else if (strncmp(arg, "out=", 4) == 0)
            out_path = arg + 4;
        else {
            fprintf(stderr, "insn_window: unknown argument '%s'\n", arg);
            return -1;
        }
    }
    if (!have_start || !have_stop || out_path == NULL) {
        fprintf(stderr, "insn_window: needs start=ADDR,stop=ADDR,out=PATH\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    return 0;
}
