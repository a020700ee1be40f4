/*
 * Integer ReduceSum / ReduceMean over any axes. The kept axes (kept_sizes, their element
 * strides in x) enumerate the outputs, written contiguously; the reduced axes (red_sizes,
 * red_strides) enumerate each output's inputs. Sums are int64; a mean rounds half up,
 * floor((sum + n/2) / n); the result is stored in y_type (DEEPLOY_I8, ...).
 */
#ifndef DEEPLOY_REDUCE_INT_H_
#define DEEPLOY_REDUCE_INT_H_

#include "deeploy/common.h"
#include "deeploy/common_int.h"
#include "deeploy/requant.h"

void deeploy_reduce_sum_int(const void *x, int32_t x_type, void *y, int32_t y_type,
                            int32_t mean, int32_t kept_rank, const int32_t *kept_sizes,
                            const int32_t *kept_strides, int32_t red_rank,
                            const int32_t *red_sizes, const int32_t *red_strides);

#endif /* DEEPLOY_REDUCE_INT_H_ */
