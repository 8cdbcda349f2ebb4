/* Taking values apart and rounding them back into a format. */
#include "fp_internal.h"

const fp_format FMT_S = {23, 127, 0xFF, 31, 0x7FC00000u};
const fp_format FMT_D = {52, 1023, 0x7FF, 63, 0x7FF8000000000000ull};

fp_value fp_unpack(const fp_format *f, u64 bits) {
  fp_value v;
  u64 frac = bits & ((1ull << f->mant) - 1);
  u64 e = (bits >> f->mant) & f->exp_ones;
  v.sign = (int)((bits >> f->sign_bit) & 1);
  v.exp = 0;
  v.sig = 0;
  if (e == f->exp_ones) {
    if (frac == 0) v.cls = CLS_INF;
    else v.cls = (frac >> (f->mant - 1)) & 1 ? CLS_QNAN : CLS_SNAN;
  } else if (e == 0) {
    if (frac == 0) {
      v.cls = CLS_ZERO;
    } else {  /* subnormal: normalise */
      int s = clz64(frac) - 1;
      v.cls = CLS_FINITE;
      v.sig = frac << s;
      v.exp = 1 - f->bias - (s - (62 - f->mant));
    }
  } else {
    v.cls = CLS_FINITE;
    v.sig = (frac | (1ull << f->mant)) << (62 - f->mant);
    v.exp = (int)e - f->bias;
  }
  return v;
}

/* Whether the nbits low bits `rest` (below a kept part ending in lsb) round it up. */
int round_increment(u64 rest, int nbits, u64 lsb, int rm, int sign) {
  u64 half = 1ull << (nbits - 1);
  switch (rm) {
    case RM_RNE: return rest > half || (rest == half && (lsb & 1));
    case RM_RTZ: return 0;
    case RM_RDN: return rest != 0 && sign;
    case RM_RUP: return rest != 0 && !sign;
    default:     return rest >= half;  /* RM_RMM */
  }
}

/* The format's value nearest (by rm) to (-1)^sign * sig * 2^(exp - 62), sig in
   [2^62, 2^64) with bit 0 sticky.  Tininess is detected after rounding, as
   RISC-V does: underflow is raised when the result is tiny and inexact. */
u64 fp_round_pack(const fp_format *f, int sign, int exp, u64 sig, int rm, u32 *flags) {
  int nbits = 62 - f->mant;            /* bits below the kept significand */
  u64 mask = (1ull << nbits) - 1;
  int e = exp + f->bias;               /* biased exponent */
  int tiny = 0;
  u64 q, rest, bits;
  if (sig >> 63) {                     /* carry position used: renormalise */
    sig = shift_right_jam(sig, 1);
    e++;
  }
  if (e <= 0) {
    /* Tiny unless rounding at full precision with unbounded exponent
       would carry up to the smallest normal (possible only at e == 0). */
    u64 full = (sig >> nbits) + round_increment(sig & mask, nbits, sig >> nbits, rm, sign);
    tiny = e < 0 || !(full >> (f->mant + 1));
    sig = shift_right_jam(sig, 1 - e);
  }
  rest = sig & mask;
  q = (sig >> nbits) + round_increment(rest, nbits, sig >> nbits, rm, sign);
  /* A carry out of the significand moves into the exponent field. */
  bits = e > 0 ? ((u64)(e - 1) << f->mant) + q : q;
  if (rest) {
    *flags |= FLAG_NX;
    if (tiny) *flags |= FLAG_UF;
  }
  if ((bits >> f->mant) >= f->exp_ones) {
    int to_inf = rm == RM_RNE || rm == RM_RMM || (rm == RM_RDN && sign) || (rm == RM_RUP && !sign);
    *flags |= FLAG_OF | FLAG_NX;
    return to_inf ? fp_inf(f, sign) : fp_inf(f, sign) - 1;
  }
  return bits | fp_zero(f, sign);
}
