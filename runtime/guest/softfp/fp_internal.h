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
typedef struct {       /* 16 bytes: returned in two registers */
  u64 sig;
  int32_t exp;
  uint8_t cls;
  uint8_t sign;
} fp_value;

/* Small helpers, inline: a call costs as many steps as their bodies. */
static inline u64 fp_zero(const fp_format *f, int sign) { return (u64)sign << f->sign_bit; }
static inline u64 fp_inf(const fp_format *f, int sign) { return fp_zero(f, sign) | (f->exp_ones << f->mant); }
static inline int fp_is_nan(const fp_value *v) { return v->cls == CLS_QNAN || v->cls == CLS_SNAN; }

/* x >> n, with any bit shifted out ORed into bit 0 (the sticky bit). */
static inline u64 shift_right_jam(u64 x, int n) {
  if (n <= 0) return x;
  if (n >= 64) return x != 0;
  return (x >> n) | ((x << (64 - n)) != 0);
}

/* Leading zeros by halving: a fixed number of steps, where a loop would take up to 63. */
static inline int clz64(u64 x) {
  int n = 0;
  if (x == 0) return 64;
  if (!(x >> 32)) { n += 32; x <<= 32; }
  if (!(x >> 48)) { n += 16; x <<= 16; }
  if (!(x >> 56)) { n += 8; x <<= 8; }
  if (!(x >> 60)) { n += 4; x <<= 4; }
  if (!(x >> 62)) { n += 2; x <<= 2; }
  if (!(x >> 63)) n += 1;
  return n;
}

/* All operations take the rounding mode and OR exception flags into *flags. */
fp_value fp_unpack(const fp_format *f, u64 bits);
u64 fp_round_pack(const fp_format *f, int sign, int exp, u64 sig, int rm, u32 *flags);
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
