/* The tiled-layer executor (see deeploy/tiled.h). */
#include "deeploy/tiled.h"

#include "deeploy/dma.h"

typedef struct {
    const deeploy_tiled_layer_t *layer;
    void *const *home;
    const int32_t *home_level;
    void *const *staging;
    uint8_t *l1;
    int32_t pending[DEEPLOY_TILED_MAX_OPERANDS][2]; /* DMA handle per L1 buffer, or -1 */
} run_t;

static uint8_t flags_of(const run_t *r, int32_t t, int32_t k) {
    return r->layer->flags[t * r->layer->operands + k];
}

static int32_t buffer_of(const run_t *r, int32_t t, int32_t k) {
    return (flags_of(r, t, k) & DEEPLOY_TILE_BUFFER1) ? 1 : 0;
}

static uint8_t *l1_buffer(const run_t *r, int32_t k, int32_t b) {
    return r->l1 + r->layer->l1_offset[2 * k + b];
}

static int32_t is_output(const run_t *r, int32_t k) {
    return k >= r->layer->operands - r->layer->outputs;
}

static void wait_buffer(run_t *r, int32_t k, int32_t b) {
    deeploy_dma_wait(r->pending[k][b]);
    r->pending[k][b] = -1;
}

/* Move operand k's box of tile t between its home buffer and L1 buffer b (through its
 * staging buffer, synchronously, when it has one). */
static void move(run_t *r, int32_t t, int32_t k) {
    const deeploy_tiled_layer_t *layer = r->layer;
    const int32_t R = layer->rank;
    const int32_t c = layer->tile_class[t];
    const int32_t *record = layer->copies + (c * layer->operands + k) * (1 + 3 * R);
    const int32_t rank = record[0];
    const int32_t *counts = record + 1, *home_strides = record + 1 + R;
    const int32_t *l1_strides = record + 1 + 2 * R;
    const int32_t b = buffer_of(r, t, k);
    uint8_t *home = (uint8_t *)r->home[k] + layer->home_offset[t * layer->operands + k];
    uint8_t *local = l1_buffer(r, k, b);
    const int32_t level = r->home_level[k];
    int32_t bytes = counts[rank - 1];
    for (int32_t i = 0; i < rank - 1; ++i) bytes *= counts[i];
    uint8_t *stage = r->staging ? (uint8_t *)r->staging[k] : NULL;
    if (!is_output(r, k)) {
        if (stage) {
            deeploy_dma_wait(deeploy_dma_start(layer->staging_level, stage, l1_strides, level,
                                               home, home_strides, counts, rank));
            r->pending[k][b] = deeploy_dma_start_1d(layer->l1_level, local,
                                                    layer->staging_level, stage, bytes);
        } else {
            r->pending[k][b] = deeploy_dma_start(layer->l1_level, local, l1_strides, level,
                                                 home, home_strides, counts, rank);
        }
    } else if (stage) {
        deeploy_dma_wait(deeploy_dma_start_1d(layer->staging_level, stage, layer->l1_level,
                                              local, bytes));
        r->pending[k][b] = deeploy_dma_start(level, home, home_strides, layer->staging_level,
                                             stage, l1_strides, counts, rank);
        deeploy_dma_wait(r->pending[k][b]); /* the staging buffer is reused right away */
        r->pending[k][b] = -1;
    } else {
        r->pending[k][b] = deeploy_dma_start(level, home, home_strides, layer->l1_level, local,
                                             l1_strides, counts, rank);
    }
}

static void load_inputs(run_t *r, int32_t t) {
    for (int32_t k = 0; k < r->layer->operands; ++k) {
        if (is_output(r, k) || !(flags_of(r, t, k) & DEEPLOY_TILE_MOVE)) continue;
        wait_buffer(r, k, buffer_of(r, t, k));
        move(r, t, k);
    }
}

void deeploy_tiled_run(const deeploy_tiled_layer_t *layer, void *const *home,
                       const int32_t *home_level, void *const *staging, uint8_t *l1,
                       deeploy_tile_compute_t compute) {
    run_t r = {layer, home, home_level, staging, l1, {{0}}};
    for (int32_t k = 0; k < DEEPLOY_TILED_MAX_OPERANDS; ++k) r.pending[k][0] = r.pending[k][1] = -1;
    void *l1_ptrs[DEEPLOY_TILED_MAX_OPERANDS];
    if (layer->double_buffer && layer->tiles > 0) load_inputs(&r, 0);
    for (int32_t t = 0; t < layer->tiles; ++t) {
        if (!layer->double_buffer) load_inputs(&r, t);
        for (int32_t k = 0; k < layer->operands; ++k) {
            const int32_t b = buffer_of(&r, t, k);
            /* an input's box has arrived; an output's buffer is no longer being stored */
            wait_buffer(&r, k, b);
            l1_ptrs[k] = l1_buffer(&r, k, b);
        }
        if (layer->double_buffer && t + 1 < layer->tiles) load_inputs(&r, t + 1);
        compute(layer->tile_class[t], l1_ptrs);
        for (int32_t k = layer->operands - layer->outputs; k < layer->operands; ++k)
            if (flags_of(&r, t, k) & DEEPLOY_TILE_MOVE) move(&r, t, k);
    }
    deeploy_dma_wait_all();
}
