/* Deeploy runtime: memory levels and the DMA engine of a tiled network (dma.c).
 *
 * A tiled network keeps its tensors in a home level (L2 or L3) and computes on tiles in
 * L1; tiles move between levels only through this DMA layer. The layer here is the
 * portable one used on the host and on cores without a DMA engine: it knows, per level,
 * the address ranges that belong to it (regions), checks every transfer against them, and
 * aborts loudly when a transfer reads or writes outside its levels. It also counts
 * transfers and bytes.
 *
 * Transfers are asynchronous, as on a real DMA engine: deeploy_dma_start() checks and
 * queues a copy, deeploy_dma_wait() performs it. Code that reads a destination before
 * waiting therefore sees stale data here too, and a start whose destination overlaps a
 * pending transfer is reported as a race.
 */
#ifndef DEEPLOY_DMA_H_
#define DEEPLOY_DMA_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DEEPLOY_MAX_LEVELS 4
#define DEEPLOY_MAX_REGIONS 64
#define DEEPLOY_DMA_CHANNELS 16
#define DEEPLOY_DMA_MAX_RANK 6

/* Declare that [base, base + bytes) belongs to memory level `level` (0 <= level <
 * DEEPLOY_MAX_LEVELS) named `name` (kept for messages). Regions may be added and removed
 * at any time, e.g. a caller's input and output buffers for the duration of one run. */
void deeploy_mem_add_region(int32_t level, const char *name, const void *base, size_t bytes);
void deeploy_mem_remove_region(const void *base);

/* A copy of a `rank`-dimensional block: counts[rank - 1] contiguous bytes per row,
 * counts[0..rank - 2] rows per dimension (outermost first); strides in bytes for the
 * outer dimensions (dst_strides[i], src_strides[i] for i < rank - 1). Returns a handle
 * for deeploy_dma_wait(). */
int32_t deeploy_dma_start(int32_t dst_level, void *dst, const int32_t *dst_strides,
                          int32_t src_level, const void *src, const int32_t *src_strides,
                          const int32_t *counts, int32_t rank);
/* Shorthands: one contiguous run of `bytes`; `rows` rows of `row_bytes`. */
int32_t deeploy_dma_start_1d(int32_t dst_level, void *dst, int32_t src_level, const void *src,
                             int32_t bytes);
int32_t deeploy_dma_start_2d(int32_t dst_level, void *dst, int32_t dst_stride,
                             int32_t src_level, const void *src, int32_t src_stride,
                             int32_t rows, int32_t row_bytes);
/* A blocking copy of `bytes` contiguous bytes (start and wait). */
void deeploy_dma_copy(int32_t dst_level, void *dst, int32_t src_level, const void *src,
                      int32_t bytes);
/* Complete one transfer (a handle of -1 is ignored), or every pending one. */
void deeploy_dma_wait(int32_t handle);
void deeploy_dma_wait_all(void);

typedef struct {
    uint32_t transfers;
    uint64_t bytes;
} deeploy_dma_counters_t;

/* Transfers started and bytes moved since the last reset. */
deeploy_dma_counters_t deeploy_dma_counters(void);
void deeploy_dma_reset_counters(void);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_DMA_H_ */
