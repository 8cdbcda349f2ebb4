/* fcvt between S, D and the integer types W, WU, L, LU. */
#include "fp_internal.h"

/* The saturated result of an invalid conversion (NaN converts like +inf). */
static u64 int_limit(int is_signed, int width, int negative) {
  u64 top = 1ull << (width - 1);
  if (is_signed) return negative ? (u64)0 - top : top - 1;
  return negative ? 0 : top + (top - 1);
}

/* The integer result as an RV64 register holds it: 32-bit results sign-extended. */
static u64 as_register(u64 v, int width) {
  return width == 32 ? (u64)(i64)(int32_t)(u32)v : v;
}

u64 fp_to_int(const fp_format *f, u64 a, int is_signed, int width, int rm, u32 *flags) {
  fp_value x = fp_unpack(f, a);
  u64 mag, rest = 0, limit;
  if (fp_is_nan(&x) || x.cls == CLS_INF) {
    *flags |= FLAG_NV;
    return as_register(int_limit(is_signed, width, x.cls == CLS_INF && x.sign), width);
  }
  if (x.cls == CLS_ZERO) return 0;
  if (x.exp > 63) {
    *flags |= FLAG_NV;
    return as_register(int_limit(is_signed, width, x.sign), width);
  }
  if (x.exp >= 62) {
    mag = x.sig << (x.exp - 62);
  } else {
    int nbits = 62 - x.exp;            /* fraction bits below the integer part */
    u64 sig = x.sig;
    if (nbits > 63) {                  /* below 1/2: keep only a sticky bit */
      sig = shift_right_jam(sig, nbits - 63);
      nbits = 63;
    }
    rest = sig & ((1ull << nbits) - 1);
    mag = (sig >> nbits) + round_increment(rest, nbits, sig >> nbits, rm, x.sign);
  }
  limit = x.sign ? (is_signed ? 1ull << (width - 1) : 0) : int_limit(is_signed, width, 0);
  if (mag > limit) {
    *flags |= FLAG_NV;
    return as_register(int_limit(is_signed, width, x.sign), width);
  }
  if (rest) *flags |= FLAG_NX;
  return as_register(x.sign ? (u64)0 - mag : mag, width);
}

u64 fp_from_int(const fp_format *f, u64 v, int is_signed, int width, int rm, u32 *flags) {
  int sign, s;
  u64 mag;
  if (width == 32) v = is_signed ? (u64)(i64)(int32_t)(u32)v : (u32)v;
  sign = is_signed && (i64)v < 0;
  mag = sign ? (u64)0 - v : v;
  if (mag == 0) return fp_zero(f, 0);
  if (mag >> 63) return fp_round_pack(f, sign, 63, shift_right_jam(mag, 1), rm, flags);
  s = clz64(mag) - 1;
  return fp_round_pack(f, sign, 62 - s, mag << s, rm, flags);
}

u64 fp_convert(const fp_format *to, const fp_format *from, u64 a, int rm, u32 *flags) {
  fp_value x = fp_unpack(from, a);
  switch (x.cls) {
    case CLS_SNAN: *flags |= FLAG_NV; return to->qnan;
    case CLS_QNAN: return to->qnan;
    case CLS_INF: return fp_inf(to, x.sign);
    case CLS_ZERO: return fp_zero(to, x.sign);
    default: return fp_round_pack(to, x.sign, x.exp, x.sig, rm, flags);
  }
}
