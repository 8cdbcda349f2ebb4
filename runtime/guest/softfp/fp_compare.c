/* Comparisons, fmin/fmax, fclass and the sign injections: no rounding. */
#include "fp_internal.h"

static u64 magnitude(const fp_format *f, u64 a) { return a & ~fp_zero(f, 1); }

/* a < b for two non-NaN values, with -0 < +0 when zeros_ordered. */
static int less(const fp_format *f, u64 a, u64 b, int zeros_ordered) {
  int sa = (int)(a >> f->sign_bit) & 1, sb = (int)(b >> f->sign_bit) & 1;
  u64 ma = magnitude(f, a), mb = magnitude(f, b);
  if (ma == 0 && mb == 0) return zeros_ordered && sa && !sb;
  if (sa != sb) return sa;
  return sa ? ma > mb : ma < mb;
}

int fp_eq(const fp_format *f, u64 a, u64 b, u32 *flags) {
  fp_value x = fp_unpack(f, a), y = fp_unpack(f, b);
  if (fp_is_nan(&x) || fp_is_nan(&y)) {  /* quiet: only signalling NaNs raise */
    if (x.cls == CLS_SNAN || y.cls == CLS_SNAN) *flags |= FLAG_NV;
    return 0;
  }
  return a == b || (x.cls == CLS_ZERO && y.cls == CLS_ZERO);
}

int fp_lt(const fp_format *f, u64 a, u64 b, u32 *flags) {
  fp_value x = fp_unpack(f, a), y = fp_unpack(f, b);
  if (fp_is_nan(&x) || fp_is_nan(&y)) {  /* signalling: any NaN raises */
    *flags |= FLAG_NV;
    return 0;
  }
  return less(f, a, b, 0);
}

int fp_le(const fp_format *f, u64 a, u64 b, u32 *flags) {
  fp_value x = fp_unpack(f, a), y = fp_unpack(f, b);
  if (fp_is_nan(&x) || fp_is_nan(&y)) {
    *flags |= FLAG_NV;
    return 0;
  }
  return !less(f, b, a, 0);
}

/* IEEE 754-2019 minimumNumber / maximumNumber (RISC-V F 2.2): a NaN loses to
   a number, two NaNs give the canonical NaN, -0 is below +0. */
u64 fp_min_max(const fp_format *f, u64 a, u64 b, int want_max, u32 *flags) {
  fp_value x = fp_unpack(f, a), y = fp_unpack(f, b);
  if (x.cls == CLS_SNAN || y.cls == CLS_SNAN) *flags |= FLAG_NV;
  if (fp_is_nan(&x) && fp_is_nan(&y)) return f->qnan;
  if (fp_is_nan(&x)) return b;
  if (fp_is_nan(&y)) return a;
  return less(f, a, b, 1) != want_max ? a : b;
}

u64 fp_classify(const fp_format *f, u64 a) {
  fp_value x = fp_unpack(f, a);
  u64 e = (a >> f->mant) & f->exp_ones;
  switch (x.cls) {
    case CLS_INF: return x.sign ? 1u << 0 : 1u << 7;
    case CLS_ZERO: return x.sign ? 1u << 3 : 1u << 4;
    case CLS_SNAN: return 1u << 8;
    case CLS_QNAN: return 1u << 9;
    default:
      if (e == 0) return x.sign ? 1u << 2 : 1u << 5;  /* subnormal */
      return x.sign ? 1u << 1 : 1u << 6;
  }
}

/* fsgnj (kind 0), fsgnjn (1), fsgnjx (2): a's magnitude with a sign from b. */
u64 fp_sign_inject(const fp_format *f, u64 a, u64 b, int kind) {
  u64 sign = fp_zero(f, 1);
  u64 s = kind == 0 ? b & sign : kind == 1 ? ~b & sign : (a ^ b) & sign;
  return magnitude(f, a) | s;
}
