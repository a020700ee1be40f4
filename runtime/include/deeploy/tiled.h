/* Deeploy runtime: the executor of a tiled layer (tiled.c).
 *
 * The compiler tiles a layer into a static schedule and emits it as tables; this executor
 * walks them: per tile it moves the operand boxes that change between the operands' home
 * buffers and their L1 buffers (through the DMA layer, deeploy/dma.h) and calls the
 * layer's compute function on the L1 buffers. With double buffering, the loads of the next
 * tile overlap the computation of the current one, and stores complete in the background
 * until their L1 buffer is needed again.
 *
 * Tables (K operands, inputs and outputs in the kernel's order; R = copy record rank):
 *   tile_class[t]             which compute variant tile t runs (its shapes and parameters)
 *   flags[t * K + k]          DEEPLOY_TILE_MOVE: operand k moves (load before, store after)
 *                             DEEPLOY_TILE_BUFFER1: tile t uses operand k's second buffer
 *   home_offset[t * K + k]    byte offset of the box in operand k's home buffer
 *   copies[(c * K + k) * (1 + 3 * R) + ...]
 *                             the box of class c, operand k: its rank r <= R, counts[R]
 *                             (rows per dimension, the last one in contiguous bytes), the
 *                             strides of its r - 1 outer dimensions in the home buffer and
 *                             in L1 (bytes)
 *   l1_offset[2 * k + b]      byte offset of operand k's buffer b in the L1 arena
 *   staging[k]                for a home level away from L1 (L3): an L2 buffer each box
 *                             passes through, else NULL
 */
#ifndef DEEPLOY_TILED_H_
#define DEEPLOY_TILED_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DEEPLOY_TILED_MAX_OPERANDS 16
#define DEEPLOY_TILE_MOVE 1u
#define DEEPLOY_TILE_BUFFER1 2u

typedef void (*deeploy_tile_compute_t)(int32_t tile_class, void **l1);

typedef struct {
    int32_t tiles, operands, outputs, rank; /* outputs: the last `outputs` operands */
    int32_t double_buffer;
    int32_t l1_level, staging_level;
    const uint16_t *tile_class;
    const uint8_t *flags;
    const int32_t *home_offset;
    const int32_t *copies;
    const int32_t *l1_offset;
} deeploy_tiled_layer_t;

/* Run one layer: home[k] is operand k's home buffer in level home_level[k]; l1 the L1
 * arena; staging[k] an L2 buffer for operands whose home is not next to L1 (or NULL). */
void deeploy_tiled_run(const deeploy_tiled_layer_t *layer, void *const *home,
                       const int32_t *home_level, void *const *staging, uint8_t *l1,
                       deeploy_tile_compute_t compute);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_TILED_H_ */
