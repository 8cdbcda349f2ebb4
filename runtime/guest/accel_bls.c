/*
 * The BLS12-381 G1 functions of zkvm_accelerators.h (EIP-2537's G1ADD and
 * G1MSM), included by zkaot.c after accel_ec.c, whose 256-bit integers it uses.
 *
 * Coordinates are 48-byte big-endian field elements (the standard's
 * zkvm_bls12_381_fp: EIP-2537's 64-byte encoding without its 16 zero bytes);
 * x = y = 0 is the point at infinity.  Point arithmetic is the precompile pair
 * 0x828/0x829; the curve check's field products are the Fp2 precompile 0x82c
 * on elements with no u part (there is no 384-bit modular multiplication).
 * Not in the -DZKAOT_SOFT_ACCEL build: the software emulation covers the
 * 256-bit calls only.
 */
#ifndef ZKAOT_SOFT_ACCEL

typedef struct {
  uint64_t w[6];
} __attribute__((aligned(8))) zk_u384;

typedef struct {
  zk_u384 x, y; /* the layout of precompiles 0x828/0x829 */
} zk_bls_point;

typedef struct {
  zk_u384 c0, c1; /* the layout of precompiles 0x82c/0x82d */
} zk_bls_fp2;

static const zk_u384 BLS_P = {{0xb9feffffffffaaabull, 0x1eabfffeb153ffffull, 0x6730d2a0f6b0f624ull,
                               0x64774b84f38512bfull, 0x4b1ba7b6434bacd7ull, 0x1a0111ea397fe69aull}};
static const zk_u256 BLS_R = {{0xffffffff00000001ull, 0x53bda402fffe5bfeull, 0x3339d80809a1d805ull,
                               0x73eda753299d7d48ull}};

static void u384_from_be(zk_u384 *r, const uint8_t *be) {
  for (int i = 0; i < 6; i++) {
    uint64_t v = 0;
    for (int j = 0; j < 8; j++)
      v = (v << 8) | be[8 * (5 - i) + j];
    r->w[i] = v;
  }
}

static void u384_to_be(uint8_t *be, const zk_u384 *a) {
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 8; j++)
      be[8 * (5 - i) + j] = (uint8_t)(a->w[i] >> (56 - 8 * j));
}

static int u384_below_p(const zk_u384 *a) {
  for (int i = 5; i >= 0; i--)
    if (a->w[i] != BLS_P.w[i])
      return a->w[i] < BLS_P.w[i];
  return 0;
}

static int u384_eq(const zk_u384 *a, const zk_u384 *b) {
  for (int i = 0; i < 6; i++)
    if (a->w[i] != b->w[i])
      return 0;
  return 1;
}

static int bls_is_inf(const zk_bls_point *p) {
  for (int i = 0; i < 6; i++)
    if (p->x.w[i] | p->y.w[i])
      return 0;
  return 1;
}

/* x = x * y mod p (x, y in Fp, as Fp2 elements with no u part) */
static void bls_fp_mul(zk_u384 *x, const zk_u384 *y) {
  zk_bls_fp2 a, b;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  a.c0 = *x;
  b.c0 = *y;
  zk_ecall(ZKAOT_SYS_BLS12_381_FP2_MUL, (long)(uintptr_t)&a, (long)(uintptr_t)&b, 0);
  *x = a.c0;
}

/* x = x + y mod p */
static void bls_fp_add(zk_u384 *x, const zk_u384 *y) {
  zk_bls_fp2 a, b;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  a.c0 = *x;
  b.c0 = *y;
  zk_ecall(ZKAOT_SYS_BLS12_381_FP2_ADD, (long)(uintptr_t)&a, (long)(uintptr_t)&b, 0);
  *x = a.c0;
}

static void bls_add(zk_bls_point *p, const zk_bls_point *q) {
  zk_ecall(ZKAOT_SYS_BLS12_381_G1_ADD, (long)(uintptr_t)p, (long)(uintptr_t)q, 0);
}

static void bls_dbl(zk_bls_point *p) {
  zk_ecall(ZKAOT_SYS_BLS12_381_G1_DOUBLE, (long)(uintptr_t)p, 0, 0);
}

/* r = k p by double-and-add (the add precompile handles equal and opposite points). */
static void bls_mul(zk_bls_point *r, const zk_u256 *k, const zk_bls_point *p) {
  int started = 0;
  memset(r, 0, sizeof *r);
  for (int i = 255; i >= 0; i--) {
    if (started)
      bls_dbl(r);
    if ((k->w[i / 64] >> (i % 64)) & 1) {
      bls_add(r, p);
      started = 1;
    }
  }
}

/* A 96-byte x || y: 1 when both are below p and the point is (0, 0) or on
 * y^2 = x^3 + 4, and, with `subgroup`, of order r (r P = O). */
static int bls_point_from_be(zk_bls_point *p, const uint8_t *be, int subgroup) {
  zk_u384 lhs, rhs, four;
  u384_from_be(&p->x, be);
  u384_from_be(&p->y, be + 48);
  if (!u384_below_p(&p->x) || !u384_below_p(&p->y))
    return 0;
  if (bls_is_inf(p))
    return 1;
  memset(&four, 0, sizeof four);
  four.w[0] = 4;
  lhs = p->y;
  bls_fp_mul(&lhs, &p->y);
  rhs = p->x;
  bls_fp_mul(&rhs, &p->x);
  bls_fp_mul(&rhs, &p->x);
  bls_fp_add(&rhs, &four);
  if (!u384_eq(&lhs, &rhs))
    return 0;
  if (subgroup) {
    zk_bls_point rp;
    bls_mul(&rp, &BLS_R, p);
    return bls_is_inf(&rp);
  }
  return 1;
}

static void bls_point_to_be(uint8_t *be, const zk_bls_point *p) {
  u384_to_be(be, &p->x);
  u384_to_be(be + 48, &p->y);
}

/* EIP-2537 G1ADD: ZKVM_EFAIL when a coordinate is >= p or a point other than
 * (0, 0) is off the curve; no subgroup check (as the EIP). */
zkvm_status zkvm_bls12_g1_add(const zkvm_bls12_381_g1_point *p1, const zkvm_bls12_381_g1_point *p2,
                              zkvm_bls12_381_g1_point *result) {
  zk_bls_point a, b;
  if (!bls_point_from_be(&a, p1->data, 0) || !bls_point_from_be(&b, p2->data, 0))
    return ZKVM_EFAIL;
  bls_add(&a, &b);
  bls_point_to_be(result->data, &a);
  return ZKVM_EOK;
}

/* EIP-2537 G1MSM: the sum of k_i P_i; ZKVM_EFAIL for no pairs or a point that
 * fails the checks of add or is not in the subgroup of order r.  Scalars are
 * any 256-bit big-endian values. */
zkvm_status zkvm_bls12_g1_msm(const zkvm_bls12_381_g1_msm_pair *pairs, size_t num_pairs,
                              zkvm_bls12_381_g1_point *result) {
  zk_bls_point acc, p, kp;
  zk_u256 k;
  if (num_pairs == 0)
    return ZKVM_EFAIL;
  memset(&acc, 0, sizeof acc);
  for (size_t i = 0; i < num_pairs; i++) {
    if (!bls_point_from_be(&p, pairs[i].point.data, 1))
      return ZKVM_EFAIL;
    u256_from_be(&k, pairs[i].scalar.data);
    bls_mul(&kp, &k, &p);
    bls_add(&acc, &kp);
  }
  bls_point_to_be(result->data, &acc);
  return ZKVM_EOK;
}

#endif /* ZKAOT_SOFT_ACCEL */
