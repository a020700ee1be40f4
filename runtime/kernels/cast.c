/* Element type conversions between every pair of DEEPLOY_CAST_TYPES (see cast.h). */
#include "deeploy/cast.h"

#define CONVERT_f32(v) ((float)(v))
#define CONVERT_i8(v) ((int8_t)(v))
#define CONVERT_u8(v) ((uint8_t)(v))
#define CONVERT_i16(v) ((int16_t)(v))
#define CONVERT_u16(v) ((uint16_t)(v))
#define CONVERT_i32(v) ((int32_t)(v))
#define CONVERT_i64(v) ((int64_t)(v))
#define CONVERT_bool(v) ((uint8_t)((v) != 0))

#define DEFINE_CAST(from, From, to, To)                                                   \
    void deeploy_cast_##from##_##to(const From *x, To *y, int32_t n) {                   \
        for (int32_t i = 0; i < n; ++i) y[i] = CONVERT_##to(x[i]);                        \
    }
#define DEFINE_CASTS_FROM(from, From) DEEPLOY_CAST_TARGETS(DEFINE_CAST, from, From)

DEEPLOY_CAST_TYPES(DEFINE_CASTS_FROM)
