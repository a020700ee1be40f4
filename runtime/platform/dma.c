/* The portable DMA layer (see deeploy/dma.h): bounds-checked, deferred memcpy. */
#include "deeploy/dma.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A platform may route fatal errors elsewhere (e.g. a semihosting exit). */
#ifndef DEEPLOY_DMA_FATAL
#define DEEPLOY_DMA_FATAL() abort()
#endif

typedef struct {
    uintptr_t base;
    size_t bytes;
    int32_t level;
    const char *name;
} region_t;

typedef struct {
    int32_t active;
    uint8_t *dst;
    const uint8_t *src;
    int32_t rank;
    int32_t counts[DEEPLOY_DMA_MAX_RANK];
    int32_t dst_strides[DEEPLOY_DMA_MAX_RANK];
    int32_t src_strides[DEEPLOY_DMA_MAX_RANK];
    uintptr_t dst_lo, dst_hi, src_lo, src_hi; /* footprints, [lo, hi) */
} job_t;

static region_t regions[DEEPLOY_MAX_REGIONS];
static int32_t n_regions;
static job_t jobs[DEEPLOY_DMA_CHANNELS];
static deeploy_dma_counters_t counters;

static const char *level_name(int32_t level) {
    for (int32_t i = 0; i < n_regions; ++i)
        if (regions[i].level == level) return regions[i].name;
    return "an unknown level";
}

void deeploy_mem_add_region(int32_t level, const char *name, const void *base, size_t bytes) {
    if (level < 0 || level >= DEEPLOY_MAX_LEVELS || n_regions == DEEPLOY_MAX_REGIONS) {
        fprintf(stderr, "deeploy: cannot add a region to level %d (%d regions)\n", (int)level,
                (int)n_regions);
        DEEPLOY_DMA_FATAL();
    }
    region_t r = {(uintptr_t)base, bytes, level, name};
    regions[n_regions++] = r;
}

void deeploy_mem_remove_region(const void *base) {
    for (int32_t i = 0; i < n_regions; ++i) {
        if (regions[i].base == (uintptr_t)base) {
            regions[i] = regions[--n_regions];
            return;
        }
    }
}

static int32_t inside(int32_t level, uintptr_t lo, uintptr_t hi) {
    for (int32_t i = 0; i < n_regions; ++i) {
        const region_t *r = &regions[i];
        if (r->level == level && lo >= r->base && hi <= r->base + r->bytes) return 1;
    }
    return 0;
}

static void check_side(const char *side, int32_t level, uintptr_t lo, uintptr_t hi) {
    if (inside(level, lo, hi)) return;
    fprintf(stderr,
            "deeploy: DMA %s [%p, %p) (%lu bytes) is not inside memory level %s\n", side,
            (void *)lo, (void *)hi, (unsigned long)(hi - lo), level_name(level));
    for (int32_t i = 0; i < n_regions; ++i)
        fprintf(stderr, "  %s region [%p, %p)\n", regions[i].name, (void *)regions[i].base,
                (void *)(regions[i].base + regions[i].bytes));
    DEEPLOY_DMA_FATAL();
}

static int32_t overlap(uintptr_t a_lo, uintptr_t a_hi, uintptr_t b_lo, uintptr_t b_hi) {
    return a_lo < b_hi && b_lo < a_hi;
}

/* One side of a transfer: the bytes it touches, a strided block. */
typedef struct {
    uintptr_t base;
    const int32_t *counts, *strides;
    int32_t rank;
} side_t;

/* The span of the block's dimensions from `dim` inwards (first to last byte + 1). */
static uintptr_t span(const side_t *b, int32_t dim) {
    uintptr_t extent = (uintptr_t)b->counts[b->rank - 1];
    for (int32_t i = dim; i < b->rank - 1; ++i)
        extent += (uintptr_t)(b->counts[i] - 1) * (uintptr_t)b->strides[i];
    return extent;
}

/* Whether [lo, hi) meets a byte of block b's dimensions from `dim` inwards at `base`. */
static int32_t meets(const side_t *b, int32_t dim, uintptr_t base, uintptr_t lo, uintptr_t hi) {
    if (dim == b->rank - 1) return overlap(base, base + (uintptr_t)b->counts[dim], lo, hi);
    const uintptr_t inner = span(b, dim + 1);
    const uintptr_t step = (uintptr_t)b->strides[dim];
    int32_t first = 0, last = b->counts[dim] - 1;
    if (step > 0) { /* only the steps whose inner block can reach [lo, hi) */
        if (lo + 1 > base + inner) first = (int32_t)((lo + 1 - base - inner + step - 1) / step);
        if (hi <= base) return 0;
        const uintptr_t reach = (hi - 1 - base) / step;
        if (reach < (uintptr_t)last) last = (int32_t)reach;
    }
    for (int32_t i = first; i <= last; ++i)
        if (meets(b, dim + 1, base + (uintptr_t)i * step, lo, hi)) return 1;
    return 0;
}

/* Whether two blocks share a byte: each contiguous run of `a` against `b`. */
static int32_t blocks_meet(const side_t *a, int32_t dim, uintptr_t base, const side_t *b) {
    if (dim == a->rank - 1) return meets(b, 0, b->base, base, base + (uintptr_t)a->counts[dim]);
    for (int32_t i = 0; i < a->counts[dim]; ++i)
        if (blocks_meet(a, dim + 1, base + (uintptr_t)i * (uintptr_t)a->strides[dim], b)) return 1;
    return 0;
}

static int32_t sides_meet(const side_t *a, uintptr_t a_hi, const side_t *b, uintptr_t b_hi) {
    return overlap(a->base, a_hi, b->base, b_hi) && blocks_meet(a, 0, a->base, b);
}

int32_t deeploy_dma_start(int32_t dst_level, void *dst, const int32_t *dst_strides,
                          int32_t src_level, const void *src, const int32_t *src_strides,
                          const int32_t *counts, int32_t rank) {
    if (rank < 1 || rank > DEEPLOY_DMA_MAX_RANK) {
        fprintf(stderr, "deeploy: DMA of rank %d (at most %d)\n", (int)rank,
                DEEPLOY_DMA_MAX_RANK);
        DEEPLOY_DMA_FATAL();
    }
    int32_t channel = 0;
    while (channel < DEEPLOY_DMA_CHANNELS && jobs[channel].active) ++channel;
    if (channel == DEEPLOY_DMA_CHANNELS) {
        fprintf(stderr, "deeploy: more than %d DMA transfers pending\n", DEEPLOY_DMA_CHANNELS);
        DEEPLOY_DMA_FATAL();
    }
    job_t *job = &jobs[channel];
    uintptr_t dst_extent = (uintptr_t)counts[rank - 1], src_extent = dst_extent;
    uint64_t bytes = (uint64_t)counts[rank - 1];
    for (int32_t i = 0; i < rank; ++i) {
        if (counts[i] <= 0 || (i < rank - 1 && (dst_strides[i] < 0 || src_strides[i] < 0))) {
            fprintf(stderr, "deeploy: DMA with a non-positive count or a negative stride\n");
            DEEPLOY_DMA_FATAL();
        }
        job->counts[i] = counts[i];
        if (i < rank - 1) {
            job->dst_strides[i] = dst_strides[i];
            job->src_strides[i] = src_strides[i];
            dst_extent += (uintptr_t)(counts[i] - 1) * (uintptr_t)dst_strides[i];
            src_extent += (uintptr_t)(counts[i] - 1) * (uintptr_t)src_strides[i];
            bytes *= (uint64_t)counts[i];
        }
    }
    job->dst = (uint8_t *)dst;
    job->src = (const uint8_t *)src;
    job->rank = rank;
    job->dst_lo = (uintptr_t)dst;
    job->dst_hi = (uintptr_t)dst + dst_extent;
    job->src_lo = (uintptr_t)src;
    job->src_hi = (uintptr_t)src + src_extent;
    check_side("destination", dst_level, job->dst_lo, job->dst_hi);
    check_side("source", src_level, job->src_lo, job->src_hi);
    const side_t dst_side = {job->dst_lo, job->counts, job->dst_strides, rank};
    const side_t src_side = {job->src_lo, job->counts, job->src_strides, rank};
    for (int32_t k = 0; k < DEEPLOY_DMA_CHANNELS; ++k) {
        const job_t *other = &jobs[k];
        if (!other->active) continue;
        const side_t other_dst = {other->dst_lo, other->counts, other->dst_strides, other->rank};
        const side_t other_src = {other->src_lo, other->counts, other->src_strides, other->rank};
        /* strided blocks may interleave without sharing a byte: compare bytes, not spans */
        if (sides_meet(&dst_side, job->dst_hi, &other_dst, other->dst_hi) ||
            sides_meet(&dst_side, job->dst_hi, &other_src, other->src_hi) ||
            sides_meet(&src_side, job->src_hi, &other_dst, other->dst_hi)) {
            fprintf(stderr,
                    "deeploy: DMA race: a transfer to [%p, %p) from [%p, %p) overlaps a "
                    "pending one to [%p, %p) from [%p, %p)\n",
                    (void *)job->dst_lo, (void *)job->dst_hi, (void *)job->src_lo,
                    (void *)job->src_hi, (void *)other->dst_lo, (void *)other->dst_hi,
                    (void *)other->src_lo, (void *)other->src_hi);
            DEEPLOY_DMA_FATAL();
        }
    }
    job->active = 1;
    counters.transfers += 1;
    counters.bytes += bytes;
    return channel;
}

int32_t deeploy_dma_start_1d(int32_t dst_level, void *dst, int32_t src_level, const void *src,
                             int32_t bytes) {
    return deeploy_dma_start(dst_level, dst, NULL, src_level, src, NULL, &bytes, 1);
}

int32_t deeploy_dma_start_2d(int32_t dst_level, void *dst, int32_t dst_stride,
                             int32_t src_level, const void *src, int32_t src_stride,
                             int32_t rows, int32_t row_bytes) {
    const int32_t counts[2] = {rows, row_bytes};
    return deeploy_dma_start(dst_level, dst, &dst_stride, src_level, src, &src_stride, counts,
                             2);
}

void deeploy_dma_copy(int32_t dst_level, void *dst, int32_t src_level, const void *src,
                      int32_t bytes) {
    deeploy_dma_wait(deeploy_dma_start_1d(dst_level, dst, src_level, src, bytes));
}

/* Copy dimension `dim` of a job and everything inside it. */
static void copy_dim(const job_t *job, int32_t dim, uint8_t *dst, const uint8_t *src) {
    if (dim == job->rank - 1) {
        memcpy(dst, src, (size_t)job->counts[dim]);
        return;
    }
    for (int32_t i = 0; i < job->counts[dim]; ++i)
        copy_dim(job, dim + 1, dst + (size_t)i * (size_t)job->dst_strides[dim],
                 src + (size_t)i * (size_t)job->src_strides[dim]);
}

void deeploy_dma_wait(int32_t handle) {
    if (handle < 0) return;
    if (handle >= DEEPLOY_DMA_CHANNELS || !jobs[handle].active) {
        fprintf(stderr, "deeploy: waiting for DMA transfer %d, which is not pending\n",
                (int)handle);
        DEEPLOY_DMA_FATAL();
    }
    copy_dim(&jobs[handle], 0, jobs[handle].dst, jobs[handle].src);
    jobs[handle].active = 0;
}

void deeploy_dma_wait_all(void) {
    for (int32_t k = 0; k < DEEPLOY_DMA_CHANNELS; ++k)
        if (jobs[k].active) deeploy_dma_wait(k);
}

deeploy_dma_counters_t deeploy_dma_counters(void) { return counters; }

void deeploy_dma_reset_counters(void) {
    counters.transfers = 0;
    counters.bytes = 0;
}
