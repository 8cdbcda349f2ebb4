/* fadd, fsub, fmul, fdiv, fsqrt and the fused multiply-adds. */
#include "fp_internal.h"

/* NaN operands give the canonical NaN; a signalling one raises invalid. */
static u64 nan_result(const fp_format *f, const fp_value *a, const fp_value *b, u32 *flags) {
  if (a->cls == CLS_SNAN || b->cls == CLS_SNAN) *flags |= FLAG_NV;
  return f->qnan;
}

static u64 invalid(const fp_format *f, u32 *flags) {
  *flags |= FLAG_NV;
  return f->qnan;
}

u64 fp_add(const fp_format *f, u64 a, u64 b, int negate_b, int rm, u32 *flags) {
  fp_value x = fp_unpack(f, a), y = fp_unpack(f, b);
  int exp;
  u64 sig, ys;
  y.sign ^= negate_b;
  if (fp_is_nan(&x) || fp_is_nan(&y)) return nan_result(f, &x, &y, flags);
  if (x.cls == CLS_INF) {
    if (y.cls == CLS_INF && x.sign != y.sign) return invalid(f, flags);
    return fp_inf(f, x.sign);
  }
  if (y.cls == CLS_INF) return fp_inf(f, y.sign);
  if (x.cls == CLS_ZERO && y.cls == CLS_ZERO)  /* -0 only from -0 + -0, or x - x rounding down */
    return fp_zero(f, x.sign == y.sign ? x.sign : rm == RM_RDN);
  if (y.cls == CLS_ZERO) return fp_round_pack(f, x.sign, x.exp, x.sig, rm, flags);
  if (x.cls == CLS_ZERO) return fp_round_pack(f, y.sign, y.exp, y.sig, rm, flags);
  if (x.exp < y.exp || (x.exp == y.exp && x.sig < y.sig)) {  /* |x| >= |y| from here */
    fp_value t = x;
    x = y;
    y = t;
  }
  exp = x.exp;
  ys = shift_right_jam(y.sig, x.exp - y.exp);
  if (x.sign == y.sign) {
    sig = x.sig + ys;                  /* may carry into bit 63: fp_round_pack renormalises */
  } else {
    int s;
    sig = x.sig - ys;
    if (sig == 0) return fp_zero(f, rm == RM_RDN);
    s = clz64(sig) - 1;                /* exact: bits were lost only when at most 1 cancels */
    sig <<= s;
    exp -= s;
  }
  return fp_round_pack(f, x.sign, exp, sig, rm, flags);
}

u64 fp_mul(const fp_format *f, u64 a, u64 b, int rm, u32 *flags) {
  fp_value x = fp_unpack(f, a), y = fp_unpack(f, b);
  int sign = x.sign ^ y.sign;
  u128 p;
  u64 sig;
  if (fp_is_nan(&x) || fp_is_nan(&y)) return nan_result(f, &x, &y, flags);
  if (x.cls == CLS_INF || y.cls == CLS_INF) {
    if (x.cls == CLS_ZERO || y.cls == CLS_ZERO) return invalid(f, flags);
    return fp_inf(f, sign);
  }
  if (x.cls == CLS_ZERO || y.cls == CLS_ZERO) return fp_zero(f, sign);
  p = (u128)x.sig * y.sig;             /* in [2^124, 2^126) */
  sig = (u64)(p >> 62) | (((u64)p & ((1ull << 62) - 1)) != 0);
  return fp_round_pack(f, sign, x.exp + y.exp, sig, rm, flags);
}

u64 fp_div(const fp_format *f, u64 a, u64 b, int rm, u32 *flags) {
  fp_value x = fp_unpack(f, a), y = fp_unpack(f, b);
  int sign = x.sign ^ y.sign, exp;
  u64 r, q;
  u128 num;
  if (fp_is_nan(&x) || fp_is_nan(&y)) return nan_result(f, &x, &y, flags);
  if (x.cls == CLS_INF) return y.cls == CLS_INF ? invalid(f, flags) : fp_inf(f, sign);
  if (y.cls == CLS_INF) return fp_zero(f, sign);
  if (y.cls == CLS_ZERO) {
    if (x.cls == CLS_ZERO) return invalid(f, flags);
    *flags |= FLAG_DZ;
    return fp_inf(f, sign);
  }
  if (x.cls == CLS_ZERO) return fp_zero(f, sign);
  exp = x.exp - y.exp;
  r = x.sig;
  if (r < y.sig) {                     /* make the quotient lie in [1, 2) */
    r <<= 1;
    exp--;
  }
  /* r * 2^62 / y.sig lies in [2^62, 2^63): a 63-bit quotient, exact but for the
     remainder, which becomes the sticky bit.  The 128-by-64-bit division is the
     compiler runtime's (__udivti3, built on the machine's 64-bit divu). */
  num = (u128)r << 62;
  q = (u64)(num / y.sig);
  return fp_round_pack(f, sign, exp, q | (num != (u128)q * y.sig), rm, flags);
}

u64 fp_sqrt(const fp_format *f, u64 a, int rm, u32 *flags) {
  fp_value x = fp_unpack(f, a);
  u64 m, rem = 0, root = 0;
  int sticky;
  int i, nbits;
  if (fp_is_nan(&x)) return nan_result(f, &x, &x, flags);
  if (x.cls == CLS_ZERO) return fp_zero(f, x.sign);  /* sqrt(-0) = -0 */
  if (x.sign) return invalid(f, flags);
  if (x.cls == CLS_INF) return fp_inf(f, 0);
  /* value = m * 2^(e - 62 - (e odd)) with an even power of two; the root of
     m * 2^62 lies in [2^62, 2^63) and has exponent floor(e / 2). */
  m = (x.exp & 1) ? x.sig << 1 : x.sig;
  /* Digit by digit, two radicand bits per root bit, the top bits first. */
  nbits = f->mant + 3;
  for (i = 0; i < nbits; i++) {
    u64 trial;
    rem = (rem << 2) | (m >> 62);      /* m shifts its consumed bits out: zeros follow */
    m <<= 2;
    trial = (root << 2) | 1;
    root <<= 1;
    if (rem >= trial) {
      rem -= trial;
      root |= 1;
    }
  }
  sticky = rem != 0 || m != 0;
  return fp_round_pack(f, 0, x.exp >> 1, (root << (63 - nbits)) | sticky, rm, flags);
}

static int clz128(u128 x) {
  u64 hi = (u64)(x >> 64);
  return hi ? clz64(hi) : 64 + clz64((u64)x);
}

static u128 shift_right_jam128(u128 x, int n) {
  if (n <= 0) return x;
  if (n >= 128) return x != 0;
  return (x >> n) | ((x << (128 - n)) != 0);
}

/* (+-a * b) +- c with one rounding: the product is exact in 128 bits. */
u64 fp_fma(const fp_format *f, u64 a, u64 b, u64 c, int negate_product, int negate_c, int rm, u32 *flags) {
  fp_value x = fp_unpack(f, a), y = fp_unpack(f, b), z = fp_unpack(f, c);
  int sp = x.sign ^ y.sign ^ negate_product, zero_times_inf, pe, ze, exp, lead;
  u128 p, zs, s;
  z.sign ^= negate_c;
  zero_times_inf = (x.cls == CLS_INF && y.cls == CLS_ZERO) || (x.cls == CLS_ZERO && y.cls == CLS_INF);
  if (fp_is_nan(&x) || fp_is_nan(&y) || fp_is_nan(&z)) {
    /* RISC-V: inf * 0 is invalid even when the addend is a quiet NaN */
    if (x.cls == CLS_SNAN || y.cls == CLS_SNAN || z.cls == CLS_SNAN || zero_times_inf) *flags |= FLAG_NV;
    return f->qnan;
  }
  if (zero_times_inf) return invalid(f, flags);
  if (x.cls == CLS_INF || y.cls == CLS_INF) {
    if (z.cls == CLS_INF && z.sign != sp) return invalid(f, flags);
    return fp_inf(f, sp);
  }
  if (z.cls == CLS_INF) return fp_inf(f, z.sign);
  if (x.cls == CLS_ZERO || y.cls == CLS_ZERO) {
    if (z.cls == CLS_ZERO) return fp_zero(f, sp == z.sign ? sp : rm == RM_RDN);
    return fp_round_pack(f, z.sign, z.exp, z.sig, rm, flags);
  }
  /* Both terms with their leading bit at 125: value = t * 2^(e - 125). */
  p = (u128)x.sig * y.sig;             /* in [2^124, 2^126) */
  pe = x.exp + y.exp + 1;
  if (!(p >> 125)) {
    p <<= 1;
    pe--;
  }
  if (z.cls == CLS_ZERO) {
    zs = 0;
    ze = pe;
  } else {
    zs = (u128)z.sig << 63;
    ze = z.exp;
  }
  if (zs != 0 && (ze > pe || (ze == pe && zs > p))) {  /* the larger magnitude first */
    u128 t = p;
    int te = pe, tsign = sp;
    p = zs;
    pe = ze;
    sp = z.sign;
    zs = t;
    ze = te;
    z.sign = tsign;
  }
  zs = shift_right_jam128(zs, pe - ze);
  if (zs == 0 || sp == z.sign) {
    s = p + zs;
  } else {
    s = p - zs;                        /* exact when it cancels: then no bits were shifted out */
    if (s == 0) return fp_zero(f, rm == RM_RDN);
  }
  lead = 127 - clz128(s);
  exp = pe - 125 + lead;
  if (lead >= 62) s = shift_right_jam128(s, lead - 62);
  else s <<= 62 - lead;
  return fp_round_pack(f, sp, exp, (u64)s, rm, flags);
}
