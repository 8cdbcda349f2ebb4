/*
 * Elliptic-curve functions of zkvm_accelerators.h, included by zkaot.c (one
 * translation unit, so that guests which do not call them keep their bytes).
 *
 *   zkvm_secp256k1_ecrecover, zkvm_secp256k1_verify, zkvm_secp256r1_verify,
 *   zkvm_bn254_g1_add, zkvm_bn254_g1_mul
 *
 * The guest parses and checks the encodings (the EVM's rules) and runs the
 * scalar multiplications; the field and point arithmetic is the precompile
 * ecalls 0x820.. (docs/accelerators.md).  Built with -DZKAOT_SOFT_ACCEL, the
 * same ecalls are emulated in guest software with the same results (the
 * benchmark's "without precompiles" figures).
 */

/* A 256-bit integer: four little-endian 64-bit limbs, the byte layout the
 * precompiles read (32 LE bytes) on RV64 and RV32 alike. */
typedef struct {
  uint64_t w[4];
} __attribute__((aligned(8))) zk_u256;

typedef struct {
  zk_u256 x, y; /* affine; x = y = 0 is the point at infinity */
} zk_point;

typedef struct {
  zk_u256 p, n, a, b; /* field prime, group order, y^2 = x^3 + a x + b */
  zk_point g;         /* generator */
  long add, dbl;      /* the curve's precompile numbers */
} zk_curve;

static const zk_u256 ZK_ONE = {{1, 0, 0, 0}};

static const zk_curve ZK_SECP256K1 = {
    .p = {{0xfffffffefffffc2full, 0xffffffffffffffffull, 0xffffffffffffffffull, 0xffffffffffffffffull}},
    .n = {{0xbfd25e8cd0364141ull, 0xbaaedce6af48a03bull, 0xfffffffffffffffeull, 0xffffffffffffffffull}},
    .a = {{0, 0, 0, 0}},
    .b = {{7, 0, 0, 0}},
    .g = {{{0x59f2815b16f81798ull, 0x029bfcdb2dce28d9ull, 0x55a06295ce870b07ull, 0x79be667ef9dcbbacull}},
          {{0x9c47d08ffb10d4b8ull, 0xfd17b448a6855419ull, 0x5da4fbfc0e1108a8ull, 0x483ada7726a3c465ull}}},
    .add = ZKAOT_SYS_SECP256K1_ADD,
    .dbl = ZKAOT_SYS_SECP256K1_DOUBLE,
};
/* (p + 1) / 4: p = 3 mod 4, so a square's root is its power by this. */
static const zk_u256 ZK_SECP256K1_SQRT_EXP = {
    {0xffffffffbfffff0cull, 0xffffffffffffffffull, 0xffffffffffffffffull, 0x3fffffffffffffffull}};

static const zk_curve ZK_SECP256R1 = {
    .p = {{0xffffffffffffffffull, 0x00000000ffffffffull, 0x0000000000000000ull, 0xffffffff00000001ull}},
    .n = {{0xf3b9cac2fc632551ull, 0xbce6faada7179e84ull, 0xffffffffffffffffull, 0xffffffff00000000ull}},
    .a = {{0xfffffffffffffffcull, 0x00000000ffffffffull, 0x0000000000000000ull, 0xffffffff00000001ull}},
    .b = {{0x3bce3c3e27d2604bull, 0x651d06b0cc53b0f6ull, 0xb3ebbd55769886bcull, 0x5ac635d8aa3a93e7ull}},
    .g = {{{0xf4a13945d898c296ull, 0x77037d812deb33a0ull, 0xf8bce6e563a440f2ull, 0x6b17d1f2e12c4247ull}},
          {{0xcbb6406837bf51f5ull, 0x2bce33576b315eceull, 0x8ee7eb4a7c0f9e16ull, 0x4fe342e2fe1a7f9bull}}},
    .add = ZKAOT_SYS_SECP256R1_ADD,
    .dbl = ZKAOT_SYS_SECP256R1_DOUBLE,
};

static const zk_curve ZK_BN254 = {
    .p = {{0x3c208c16d87cfd47ull, 0x97816a916871ca8dull, 0xb85045b68181585dull, 0x30644e72e131a029ull}},
    .n = {{0x43e1f593f0000001ull, 0x2833e84879b97091ull, 0xb85045b68181585dull, 0x30644e72e131a029ull}},
    .a = {{0, 0, 0, 0}},
    .b = {{3, 0, 0, 0}},
    .g = {{{1, 0, 0, 0}}, {{2, 0, 0, 0}}},
    .add = ZKAOT_SYS_BN254_G1_ADD,
    .dbl = ZKAOT_SYS_BN254_G1_DOUBLE,
};

/* ---- 256-bit integers ---------------------------------------------------- */

static void u256_from_be(zk_u256 *r, const uint8_t *be) {
  for (int i = 0; i < 4; i++) {
    uint64_t v = 0;
    for (int j = 0; j < 8; j++)
      v = (v << 8) | be[8 * (3 - i) + j];
    r->w[i] = v;
  }
}

static void u256_to_be(uint8_t *be, const zk_u256 *a) {
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 8; j++)
      be[8 * (3 - i) + j] = (uint8_t)(a->w[i] >> (56 - 8 * j));
}

static int u256_cmp(const zk_u256 *a, const zk_u256 *b) {
  for (int i = 3; i >= 0; i--)
    if (a->w[i] != b->w[i])
      return a->w[i] < b->w[i] ? -1 : 1;
  return 0;
}

static int u256_is_zero(const zk_u256 *a) {
  return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

/* r = a - b; returns the borrow. r may alias a or b. */
static uint64_t u256_sub(zk_u256 *r, const zk_u256 *a, const zk_u256 *b) {
  uint64_t borrow = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t x = a->w[i], y = b->w[i];
    uint64_t d = x - y - borrow;
    borrow = (x < y) | ((x == y) & borrow);
    r->w[i] = d;
  }
  return borrow;
}

static int point_is_inf(const zk_point *p) {
  return u256_is_zero(&p->x) && u256_is_zero(&p->y);
}

/* ---- the precompiles, or their emulation --------------------------------- */

#ifdef ZKAOT_SOFT_ACCEL
static void soft_mulmod(zk_u256 *x, const zk_u256 *y, const zk_u256 *m);
static void soft_addmod(zk_u256 *x, const zk_u256 *y, const zk_u256 *m);
static void soft_ec_add(const zk_curve *c, zk_point *p, const zk_point *q);
static void soft_ec_dbl(const zk_curve *c, zk_point *p);
#define FMUL soft_mulmod
#define FADD soft_addmod
#define EC_ADD soft_ec_add
#define EC_DBL soft_ec_dbl
#else
/* x = x * y mod m (precompile 0x820) */
static void FMUL(zk_u256 *x, const zk_u256 *y, const zk_u256 *m) {
  zk_ecall(ZKAOT_SYS_UINT256_MULMOD, (long)(uintptr_t)x, (long)(uintptr_t)y, (long)(uintptr_t)m);
}
/* x = (x + y) mod m (precompile 0x821) */
static void FADD(zk_u256 *x, const zk_u256 *y, const zk_u256 *m) {
  zk_ecall(ZKAOT_SYS_UINT256_ADDMOD, (long)(uintptr_t)x, (long)(uintptr_t)y, (long)(uintptr_t)m);
}
static void EC_ADD(const zk_curve *c, zk_point *p, const zk_point *q) {
  zk_ecall(c->add, (long)(uintptr_t)p, (long)(uintptr_t)q, 0);
}
static void EC_DBL(const zk_curve *c, zk_point *p) {
  zk_ecall(c->dbl, (long)(uintptr_t)p, 0, 0);
}
#endif

/* x = (x - y) mod m, for y < m. */
static void fsub(zk_u256 *x, const zk_u256 *y, const zk_u256 *m) {
  zk_u256 t;
  u256_sub(&t, m, y);
  FADD(x, &t, m);
}

/* r = b^e mod m (left-to-right square and multiply). r must not alias b. */
static void fpow(zk_u256 *r, const zk_u256 *b, const zk_u256 *e, const zk_u256 *m) {
  *r = ZK_ONE;
  int started = 0;
  for (int i = 255; i >= 0; i--) {
    int bit = (int)((e->w[i / 64] >> (i % 64)) & 1);
    if (started)
      FMUL(r, r, m);
    if (bit) {
      if (started)
        FMUL(r, b, m);
      else
        *r = *b;
      started = 1;
    }
  }
  if (!started) /* b^0 = 1, reduced */
    FMUL(r, &ZK_ONE, m);
}

/* x = x^-1 mod m for prime m and x != 0 mod m (Fermat: x^(m-2)). */
static void finv(zk_u256 *x, const zk_u256 *m) {
  zk_u256 e, r;
  const zk_u256 two = {{2, 0, 0, 0}};
  u256_sub(&e, m, &two);
  fpow(&r, x, &e, m);
  *x = r;
}

/* Is p (canonical coordinates, not infinity) on y^2 = x^3 + a x + b? */
static int on_curve(const zk_curve *c, const zk_point *p) {
  zk_u256 lhs = p->y, rhs = p->x, ax = p->x;
  FMUL(&lhs, &p->y, &c->p);
  FMUL(&rhs, &p->x, &c->p);
  FMUL(&rhs, &p->x, &c->p);
  FMUL(&ax, &c->a, &c->p);
  FADD(&rhs, &ax, &c->p);
  FADD(&rhs, &c->b, &c->p);
  return u256_cmp(&lhs, &rhs) == 0;
}

/* r = k1 * p1 + k2 * p2 (Shamir's trick: one doubling chain). */
static void ec_mul2(const zk_curve *c, zk_point *r, const zk_u256 *k1, const zk_point *p1,
                    const zk_u256 *k2, const zk_point *p2) {
  zk_point both = *p1;
  EC_ADD(c, &both, p2);
  zk_point acc = {{{0}}, {{0}}};
  int started = 0;
  for (int i = 255; i >= 0; i--) {
    int b1 = (int)((k1->w[i / 64] >> (i % 64)) & 1);
    int b2 = (int)((k2->w[i / 64] >> (i % 64)) & 1);
    if (started)
      EC_DBL(c, &acc);
    if (b1 | b2) {
      EC_ADD(c, &acc, b1 && b2 ? &both : b1 ? p1 : p2);
      started = 1;
    }
  }
  *r = acc;
}

static void ec_mul(const zk_curve *c, zk_point *r, const zk_u256 *k, const zk_point *p) {
  const zk_u256 zero = {{0}};
  ec_mul2(c, r, k, p, &zero, p);
}

/* A 64-byte big-endian x || y: 1 when both coordinates are below p (and, unless
 * it is x = y = 0, the point is on the curve), else 0. */
static int point_from_be(const zk_curve *c, zk_point *p, const uint8_t *be, int allow_inf) {
  u256_from_be(&p->x, be);
  u256_from_be(&p->y, be + 32);
  if (u256_cmp(&p->x, &c->p) >= 0 || u256_cmp(&p->y, &c->p) >= 0)
    return 0;
  if (point_is_inf(p))
    return allow_inf;
  return on_curve(c, p);
}

static void point_to_be(uint8_t *be, const zk_point *p) {
  u256_to_be(be, &p->x);
  u256_to_be(be + 32, &p->y);
}

/* 0 < v < n */
static int scalar_in_range(const zk_u256 *v, const zk_u256 *n) {
  return !u256_is_zero(v) && u256_cmp(v, n) < 0;
}

/* ---- ECDSA (SEC 1 4.1.4) --------------------------------------------------- */

/* 1 when sig = r || s is a valid signature of the hash msg by the public key
 * pub = x || y: r, s in [1, n-1], pub a point of the curve (not infinity),
 * R = (z/s) G + (r/s) Q not infinity and R.x mod n = r; z is msg mod n. */
static int ecdsa_verify(const zk_curve *c, const uint8_t *msg, const uint8_t *sig, const uint8_t *pub) {
  zk_u256 r, s, z, w, u1, u2, xr;
  zk_point q, rp;
  u256_from_be(&r, sig);
  u256_from_be(&s, sig + 32);
  if (!scalar_in_range(&r, &c->n) || !scalar_in_range(&s, &c->n))
    return 0;
  if (!point_from_be(c, &q, pub, 0))
    return 0;
  u256_from_be(&z, msg);
  FMUL(&z, &ZK_ONE, &c->n); /* z mod n */
  w = s;
  finv(&w, &c->n);
  u1 = z;
  FMUL(&u1, &w, &c->n);
  u2 = r;
  FMUL(&u2, &w, &c->n);
  ec_mul2(c, &rp, &u1, &c->g, &u2, &q);
  if (point_is_inf(&rp))
    return 0;
  xr = rp.x;
  FMUL(&xr, &ZK_ONE, &c->n); /* R.x mod n */
  return u256_cmp(&xr, &r) == 0;
}

zkvm_status zkvm_secp256k1_verify(const zkvm_secp256k1_hash *msg, const zkvm_secp256k1_signature *sig,
                                  const zkvm_secp256k1_pubkey *pubkey, bool *verified) {
  *verified = ecdsa_verify(&ZK_SECP256K1, msg->data, sig->data, pubkey->data);
  return ZKVM_EOK;
}

zkvm_status zkvm_secp256r1_verify(const zkvm_secp256r1_hash *msg, const zkvm_secp256r1_signature *sig,
                                  const zkvm_secp256r1_pubkey *pubkey, bool *verified) {
  *verified = ecdsa_verify(&ZK_SECP256R1, msg->data, sig->data, pubkey->data);
  return ZKVM_EOK;
}

/* The yellow paper's ECDSARECOVER: r, s in [1, n-1], recid 0 or 1 (the parity
 * of R's y; R.x = r, so the x >= n forms of recid 2 and 3 are refused as the
 * EVM refuses v other than 27 and 28); Q = r^-1 (s R - z G) must not be
 * infinity.  Output: Q as x || y, big-endian. */
zkvm_status zkvm_secp256k1_ecrecover(const zkvm_secp256k1_hash *msg, const zkvm_secp256k1_signature *sig,
                                     uint8_t recid, zkvm_secp256k1_pubkey *output) {
  const zk_curve *c = &ZK_SECP256K1;
  zk_u256 r, s, z, rinv, u1, u2, rhs, y2;
  zk_point rp, q;
  if (recid > 1)
    return ZKVM_EFAIL;
  u256_from_be(&r, sig->data);
  u256_from_be(&s, sig->data + 32);
  if (!scalar_in_range(&r, &c->n) || !scalar_in_range(&s, &c->n))
    return ZKVM_EFAIL;
  /* R.y^2 = r^3 + 7 (r < n < p is canonical) */
  rhs = r;
  FMUL(&rhs, &r, &c->p);
  FMUL(&rhs, &r, &c->p);
  FADD(&rhs, &c->b, &c->p);
  rp.x = r;
  fpow(&rp.y, &rhs, &ZK_SECP256K1_SQRT_EXP, &c->p);
  y2 = rp.y;
  FMUL(&y2, &rp.y, &c->p);
  if (u256_cmp(&y2, &rhs) != 0) /* r^3 + 7 is not a square: no such R */
    return ZKVM_EFAIL;
  if ((rp.y.w[0] & 1) != recid)
    u256_sub(&rp.y, &c->p, &rp.y); /* y != 0: the group order is odd, no point has y = 0 */
  u256_from_be(&z, msg->data);
  FMUL(&z, &ZK_ONE, &c->n);
  rinv = r;
  finv(&rinv, &c->n);
  u256_sub(&u1, &c->n, &z); /* -z mod n (n when z = 0, reduced by the product) */
  FMUL(&u1, &rinv, &c->n);
  u2 = s;
  FMUL(&u2, &rinv, &c->n);
  ec_mul2(c, &q, &u1, &c->g, &u2, &rp);
  if (point_is_inf(&q))
    return ZKVM_EFAIL;
  point_to_be(output->data, &q);
  return ZKVM_EOK;
}

/* ---- BN254 G1 (EIP-196) ------------------------------------------------------ */

/* Each point: coordinates below p, and on the curve unless it is (0, 0), the
 * point at infinity; otherwise ZKVM_EFAIL.  The sum as x || y, big-endian,
 * infinity as 64 zero bytes. */
zkvm_status zkvm_bn254_g1_add(const zkvm_bn254_g1_point *p1, const zkvm_bn254_g1_point *p2,
                              zkvm_bn254_g1_point *result) {
  zk_point a, b;
  if (!point_from_be(&ZK_BN254, &a, p1->data, 1) || !point_from_be(&ZK_BN254, &b, p2->data, 1))
    return ZKVM_EFAIL;
  EC_ADD(&ZK_BN254, &a, &b);
  point_to_be(result->data, &a);
  return ZKVM_EOK;
}

/* The point is checked as in zkvm_bn254_g1_add; the scalar is any 256-bit
 * big-endian integer (not reduced: G1 has prime order, so k P = (k mod n) P). */
zkvm_status zkvm_bn254_g1_mul(const zkvm_bn254_g1_point *point, const zkvm_bn254_scalar *scalar,
                              zkvm_bn254_g1_point *result) {
  zk_point p, r;
  zk_u256 k;
  if (!point_from_be(&ZK_BN254, &p, point->data, 1))
    return ZKVM_EFAIL;
  u256_from_be(&k, scalar->data);
  ec_mul(&ZK_BN254, &r, &k, &p);
  point_to_be(result->data, &r);
  return ZKVM_EOK;
}

/* ---- the precompiles in software (-DZKAOT_SOFT_ACCEL) ------------------------ */

#ifdef ZKAOT_SOFT_ACCEL
static void u32_limbs(uint32_t *l, const zk_u256 *a) {
  for (int i = 0; i < 4; i++) {
    l[2 * i] = (uint32_t)a->w[i];
    l[2 * i + 1] = (uint32_t)(a->w[i] >> 32);
  }
}

/* x = t[0..tl) mod m (m = 0: mod 2^256), by modexp's Knuth division. */
static void soft_reduce(zk_u256 *x, uint32_t *t, size_t tl, const zk_u256 *m) {
  uint32_t mm[8], vn[8], un[18], r[8] = {0};
  size_t n = 8;
  u32_limbs(mm, m);
  while (n && !mm[n - 1])
    n--;
  if (n == 0) {
    for (size_t i = 0; i < 8; i++)
      r[i] = t[i];
  } else {
    zk_modulus md = {n, clz32(mm[n - 1]), vn, un};
    for (size_t i = n - 1; i > 0; i--)
      vn[i] = (mm[i] << md.s) | (uint32_t)((uint64_t)mm[i - 1] >> (32 - md.s));
    vn[0] = mm[0] << md.s;
    bn_rem(r, t, tl, &md);
  }
  for (int i = 0; i < 4; i++)
    x->w[i] = r[2 * i] | ((uint64_t)r[2 * i + 1] << 32);
}

static void soft_mulmod(zk_u256 *x, const zk_u256 *y, const zk_u256 *m) {
  uint32_t a[8], b[8], t[16] = {0};
  u32_limbs(a, x);
  u32_limbs(b, y);
  for (int i = 0; i < 8; i++) {
    uint64_t carry = 0;
    for (int j = 0; j < 8; j++) {
      uint64_t p = (uint64_t)a[i] * b[j] + t[i + j] + carry;
      t[i + j] = (uint32_t)p;
      carry = p >> 32;
    }
    t[i + 8] = (uint32_t)carry;
  }
  soft_reduce(x, t, 16, m);
}

static void soft_addmod(zk_u256 *x, const zk_u256 *y, const zk_u256 *m) {
  uint32_t a[8], b[8], t[9];
  uint64_t carry = 0;
  u32_limbs(a, x);
  u32_limbs(b, y);
  for (int i = 0; i < 8; i++) {
    uint64_t s = (uint64_t)a[i] + b[i] + carry;
    t[i] = (uint32_t)s;
    carry = s >> 32;
  }
  t[8] = (uint32_t)carry;
  soft_reduce(x, t, 9, m);
}

/* x = x / 2 mod m (m odd, x < m) */
static void soft_half(zk_u256 *x, const zk_u256 *m) {
  uint64_t top = 0;
  if (x->w[0] & 1) {
    uint64_t carry = 0;
    for (int i = 0; i < 4; i++) {
      uint64_t s = x->w[i] + m->w[i];
      uint64_t c1 = s < x->w[i];
      s += carry;
      carry = c1 | (s < carry);
      x->w[i] = s;
    }
    top = carry;
  }
  for (int i = 0; i < 4; i++)
    x->w[i] = (x->w[i] >> 1) | (i < 3 ? x->w[i + 1] << 63 : top << 63);
}

static void soft_shr1(zk_u256 *x) {
  for (int i = 0; i < 4; i++)
    x->w[i] = (x->w[i] >> 1) | (i < 3 ? x->w[i + 1] << 63 : 0);
}

/* x = x^-1 mod m by the binary extended Euclid (m odd prime, 0 < x < m). */
static void soft_inv(zk_u256 *x, const zk_u256 *m) {
  zk_u256 u = *x, v = *m, x1 = ZK_ONE, x2 = {{0}};
  while (u256_cmp(&u, &ZK_ONE) != 0 && u256_cmp(&v, &ZK_ONE) != 0) {
    while (!(u.w[0] & 1)) {
      soft_shr1(&u);
      soft_half(&x1, m);
    }
    while (!(v.w[0] & 1)) {
      soft_shr1(&v);
      soft_half(&x2, m);
    }
    if (u256_cmp(&u, &v) >= 0) {
      u256_sub(&u, &u, &v);
      fsub(&x1, &x2, m);
    } else {
      u256_sub(&v, &v, &u);
      fsub(&x2, &x1, m);
    }
  }
  *x = u256_cmp(&u, &ZK_ONE) == 0 ? x1 : x2;
}

static void soft_reduce_point(const zk_curve *c, zk_point *p) {
  const zk_u256 zero = {{0}};
  soft_addmod(&p->x, &zero, &c->p);
  soft_addmod(&p->y, &zero, &c->p);
}

/* The tangent rule, as the host's runtime/curves.py Curve.double. */
static void soft_ec_dbl(const zk_curve *c, zk_point *p) {
  zk_u256 lam, den, t, x3;
  soft_reduce_point(c, p);
  if (u256_is_zero(&p->y)) {
    p->x = p->y; /* infinity (or y = 0: a point of order 2) */
    return;
  }
  lam = p->x; /* (3 x^2 + a) / (2 y) */
  soft_mulmod(&lam, &p->x, &c->p);
  t = lam;
  soft_addmod(&lam, &t, &c->p);
  soft_addmod(&lam, &t, &c->p);
  soft_addmod(&lam, &c->a, &c->p);
  den = p->y;
  soft_addmod(&den, &p->y, &c->p);
  soft_inv(&den, &c->p);
  soft_mulmod(&lam, &den, &c->p);
  x3 = lam; /* lam^2 - 2 x */
  soft_mulmod(&x3, &lam, &c->p);
  fsub(&x3, &p->x, &c->p);
  fsub(&x3, &p->x, &c->p);
  t = p->x; /* lam (x - x3) - y */
  fsub(&t, &x3, &c->p);
  soft_mulmod(&t, &lam, &c->p);
  fsub(&t, &p->y, &c->p);
  p->x = x3;
  p->y = t;
}

/* The chord rule, as the host's Curve.add. */
static void soft_ec_add(const zk_curve *c, zk_point *p, const zk_point *q_in) {
  zk_point q = *q_in;
  zk_u256 lam, den, t, x3;
  soft_reduce_point(c, p);
  soft_reduce_point(c, &q);
  if (point_is_inf(&q))
    return;
  if (point_is_inf(p)) {
    *p = q;
    return;
  }
  if (u256_cmp(&p->x, &q.x) == 0) {
    if (u256_cmp(&p->y, &q.y) == 0) {
      soft_ec_dbl(c, p);
    } else {
      const zk_point inf = {{{0}}, {{0}}};
      *p = inf;
    }
    return;
  }
  lam = q.y; /* (y2 - y1) / (x2 - x1) */
  fsub(&lam, &p->y, &c->p);
  den = q.x;
  fsub(&den, &p->x, &c->p);
  soft_inv(&den, &c->p);
  soft_mulmod(&lam, &den, &c->p);
  x3 = lam; /* lam^2 - x1 - x2 */
  soft_mulmod(&x3, &lam, &c->p);
  fsub(&x3, &p->x, &c->p);
  fsub(&x3, &q.x, &c->p);
  t = p->x; /* lam (x1 - x3) - y1 */
  fsub(&t, &x3, &c->p);
  soft_mulmod(&t, &lam, &c->p);
  fsub(&t, &p->y, &c->p);
  p->x = x3;
  p->y = t;
}
#endif /* ZKAOT_SOFT_ACCEL */
