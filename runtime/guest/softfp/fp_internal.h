/* Shared by the zkfp sources: formats, the unpacked form and rounding.
   Integer code only (RV64IM): no float types anywhere. */
#ifndef ZKFP_INTERNAL_H
#define ZKFP_INTERNAL_H
#include <stdint.h>

typedef uint64_t u64;
typedef int64_t i64;
typedef uint32_t u32;
typedef unsigned __int128 u128;

/* fflags bits, as in fcsr and in Berkeley SoftFloat */
#define FLAG_NX 1u
#define FLAG_UF 2u
#define FLAG_OF 4u
#define FLAG_DZ 8u
#define FLAG_NV 16u

enum { RM_RNE = 0, RM_RTZ = 1, RM_RDN = 2, RM_RUP = 3, RM_RMM = 4 };

/* An IEEE binary format: binary32 (S) or binary64 (D). */
typedef struct {
  int mant;        /* stored fraction bits: 23, 52 */
  int bias;        /* 127, 1023 */
  u64 exp_ones;    /* the all-ones exponent field: 0xFF, 0x7FF */
  int sign_bit;    /* 31, 63 */
  u64 qnan;        /* the canonical NaN */
} fp_format;

extern const fp_format FMT_S, FMT_D;

enum { CLS_ZERO, CLS_FINITE, CLS_INF, CLS_QNAN, CLS_SNAN };

/* A value taken apart. For CLS_FINITE: value = sig * 2^(exp - 62) with
   sig in [2^62, 2^63): every format's significand, normalised to bit 62,
   leaving bits below it for rounding and bit 63 for a carry. */
typedef struct {
  int cls;
  int sign;
  int exp;
  u64 sig;
} fp_value;

/* All operations take the rounding mode and OR exception flags into *flags. */
fp_value fp_unpack(const fp_format *f, u64 bits);
u64 fp_round_pack(const fp_format *f, int sign, int exp, u64 sig, int rm, u32 *flags);
u64 fp_zero(const fp_format *f, int sign);
u64 fp_inf(const fp_format *f, int sign);
int fp_is_nan(const fp_value *v);
u64 shift_right_jam(u64 x, int n);
int clz64(u64 x);
int round_increment(u64 rest, int nbits, u64 lsb, int rm, int sign);

u64 fp_add(const fp_format *f, u64 a, u64 b, int negate_b, int rm, u32 *flags);
u64 fp_mul(const fp_format *f, u64 a, u64 b, int rm, u32 *flags);
u64 fp_div(const fp_format *f, u64 a, u64 b, int rm, u32 *flags);
u64 fp_sqrt(const fp_format *f, u64 a, int rm, u32 *flags);
u64 fp_fma(const fp_format *f, u64 a, u64 b, u64 c, int negate_product, int negate_c, int rm, u32 *flags);

u64 fp_to_int(const fp_format *f, u64 a, int is_signed, int width, int rm, u32 *flags);
u64 fp_from_int(const fp_format *f, u64 x, int is_signed, int width, int rm, u32 *flags);
u64 fp_convert(const fp_format *to, const fp_format *from, u64 a, int rm, u32 *flags);

int fp_eq(const fp_format *f, u64 a, u64 b, u32 *flags);
int fp_lt(const fp_format *f, u64 a, u64 b, u32 *flags);
int fp_le(const fp_format *f, u64 a, u64 b, u32 *flags);
u64 fp_min_max(const fp_format *f, u64 a, u64 b, int want_max, u32 *flags);
u64 fp_classify(const fp_format *f, u64 a);
u64 fp_sign_inject(const fp_format *f, u64 a, u64 b, int kind);
#endif
