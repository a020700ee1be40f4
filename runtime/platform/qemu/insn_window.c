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
 * Layer profiling adds begin=ADDR,end=ADDR,layers=PATH: each run from the first
 * instruction of `begin` to just before the first instruction of `end` is one layer's
 * window (the run function brackets every layer with the two), counted apart from the
 * whole window; when the whole window closes, `layers` gets one count per line, in the
 * order the layers ran. The program prints a line per layer after `end`'s first
 * instruction, so the printing is in no layer.
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

static uint64_t begin_addr, end_addr;
static const char *layers_path;
static int in_layer;
static uint64_t layer;           /* the open layer's count so far */
static uint64_t *layer_counts;   /* the closed layers', in order */
static size_t n_layers, layer_capacity;

/* A block's instructions are added when it starts; a marker inside a block corrects for
 * the instructions before (start) or after (stop) it. */
static void on_block(unsigned int vcpu, void *udata) {
    (void)vcpu;
    if (counting) total += (uint64_t)(uintptr_t)udata;
    if (in_layer) layer += (uint64_t)(uintptr_t)udata;
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

static void write_layers(void) {
    if (layers_path == NULL) return;
    FILE *f = fopen(layers_path, "w");
    if (f == NULL) {
        fprintf(stderr, "insn_window: cannot write %s\n", layers_path);
        return;
    }
    for (size_t i = 0; i < n_layers; ++i) fprintf(f, "%" PRIu64 "\n", layer_counts[i]);
    fclose(f);
}

static void on_stop(unsigned int vcpu, void *udata) {
    (void)vcpu;
    if (counting) total -= (uint64_t)(uintptr_t)udata; /* counted with the block, not run */
    counting = 0;
    write_total();
    write_layers();
}

/* A layer's window: the same corrections as the whole window's, on its own count. */
static void on_begin(unsigned int vcpu, void *udata) {
    (void)vcpu;
    layer = (uint64_t)(uintptr_t)udata; /* this and later insns of the block */
    in_layer = 1;
}

static void on_end(unsigned int vcpu, void *udata) {
    (void)vcpu;
    if (!in_layer) return;
    in_layer = 0;
    if (n_layers == layer_capacity) {
        const size_t grown = layer_capacity ? 2 * layer_capacity : 64;
        uint64_t *more = realloc(layer_counts, grown * sizeof *more);
        if (more == NULL) {
            fprintf(stderr, "insn_window: out of memory for layer counts\n");
            return;
        }
        layer_counts = more;
        layer_capacity = grown;
    }
    layer_counts[n_layers++] = layer - (uint64_t)(uintptr_t)udata;
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
        else if (layers_path != NULL && pc == begin_addr)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_begin, QEMU_PLUGIN_CB_NO_REGS,
                                                   (void *)(uintptr_t)(n - i));
        else if (layers_path != NULL && pc == end_addr)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS,
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
    int have_start = 0, have_stop = 0, have_begin = 0, have_end = 0;
    for (int i = 0; i < argc; ++i) {
        const char *arg = argv[i];
        if (strncmp(arg, "start=", 6) == 0)
            have_start = parse_address(arg + 6, &start_addr);
        else if (strncmp(arg, "stop=", 5) == 0)
            have_stop = parse_address(arg + 5, &stop_addr);
        else if (strncmp(arg, "out=", 4) == 0)
            out_path = arg + 4;
        else if (strncmp(arg, "begin=", 6) == 0)
            have_begin = parse_address(arg + 6, &begin_addr);
        else if (strncmp(arg, "end=", 4) == 0)
            have_end = parse_address(arg + 4, &end_addr);
        else if (strncmp(arg, "layers=", 7) == 0)
            layers_path = arg + 7;
        else {
            fprintf(stderr, "insn_window: unknown argument '%s'\n", arg);
            return -1;
        }
    }
    if (!have_start || !have_stop || out_path == NULL) {
        fprintf(stderr, "insn_window: needs start=ADDR,stop=ADDR,out=PATH\n");
        return -1;
    }
    if ((have_begin || have_end || layers_path != NULL) &&
        !(have_begin && have_end && layers_path != NULL)) {
        fprintf(stderr, "insn_window: layers need begin=ADDR,end=ADDR,layers=PATH\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    return 0;
}
