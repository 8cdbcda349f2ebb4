/*
 * Pairings over the towers Fp2 -> Fp12 of BN254 and BLS12-381, and the BN254
 * pairing check of zkvm_accelerators.h (EVM 0x08, EIP-197); accel_bls_g2.c
 * builds the BLS12-381 G2 and pairing functions on the same code.  Included by
 * zkaot.c after accel_ec.c, whose integers and BN254 G1 checks it uses, and
 * accel_bls.c (BLS12-381 G1).
 *
 * One code for both curves, parametrised by a zk_tower (constant data):
 * Fp2 = Fp[u]/(u^2 + 1) is the curve's precompile pair (0x82a/0x82b,
 * 0x82c/0x82d), Fp products are Fp2 products with no u part; Fp12 is
 * Fp2[w]/(w^6 - xi), six Fp2 coefficients; G2 is the twist y^2 = x^3 + b',
 * whose points map to E(Fp12) as (x w^2, y w^3) (D type, BN254) or
 * (x / w^2, y / w^3) (M type, BLS12-381).  The pairing is the ate pairing with
 * loop count T = t - 1 (6x^2 for BN254, no Frobenius twists of Q; |x| for
 * BLS12-381, whose sign inverts every pairing alike).  Every non-degenerate
 * pairing is a power of every other by a number prime to r, so a product of
 * pairings is 1 for one of them exactly when it is for the optimal ate pairing
 * the EIPs name.  Line denominators and factors of Fp2 or of w^3 lie in proper
 * subfields and vanish in the final exponentiation
 * f^((p^6 - 1)(p^2 + 1)(p^4 - p^2 + 1)/r): a conjugation and an inversion, a
 * Frobenius map, and the last factor's exponent written in base p (Frobenius
 * maps again, one joint square-and-multiply).
 */

/* An Fp2 element: c0 in w[0 .. limbs), c1 in w[limbs .. 2 limbs), little-endian:
 * the precompiles' layout for either curve. */
typedef struct {
  uint64_t w[12];
} __attribute__((aligned(8))) zk_fp2;

typedef struct {
  zk_fp2 c[6]; /* sum of c[i] w^i */
} zk_fp12;

typedef struct {
  zk_fp2 c[3]; /* Fp6 = Fp2[v]/(v^3 - xi), v = w^2 */
} zk_fp6;

typedef struct {
  zk_fp2 x, y;
  int inf;
} zk_g2;

typedef struct {
  zk_fp2 x, y, z; /* Jacobian: x = X / Z^2, y = Y / Z^3; Z = 0 is infinity */
} zk_g2j;

typedef struct {
  int limbs;            /* 64-bit words of an Fp element: 4 or 6 */
  long mul, add;        /* the Fp2 precompiles */
  uint64_t p[6], pm2[6]; /* p, and p - 2 (the inversion exponent) */
  uint64_t r[4];        /* the order of G1 and G2 */
  zk_fp2 xi, twist_b;   /* w^6 = xi; the twist y^2 = x^3 + twist_b */
  uint64_t loop[2];     /* the Miller loop count */
  int loop_top;         /* its top bit */
  int m_twist;          /* M type: line values are taken times w^3 */
  uint64_t hard[4][6];  /* (p^4 - p^2 + 1) / r in base p, the lowest digit first */
  zk_fp2 frob[6];       /* xi^(i (p - 1) / 6): (c w^i)^p = conj(c) frob[i] w^i */
  int psi_check;        /* G2 membership by psi(Q) = [x]Q (BLS12-381), else r Q = O */
  zk_fp2 psi_x, psi_y;  /* psi(x, y) = (conj(x) psi_x, conj(y) psi_y) */
} zk_tower;

/* BN254: xi = 9 + u, the D-type twist y^2 = x^3 + 3/xi, loop 6x^2 (x = 4965661367192848881) */
static const zk_tower ZK_BN254_TOWER = {
    .limbs = 4,
    .mul = ZKAOT_SYS_BN254_FP2_MUL,
    .add = ZKAOT_SYS_BN254_FP2_ADD,
    .p = {0x3c208c16d87cfd47ull, 0x97816a916871ca8dull, 0xb85045b68181585dull, 0x30644e72e131a029ull, 0x0000000000000000ull, 0x0000000000000000ull},
    .pm2 = {0x3c208c16d87cfd45ull, 0x97816a916871ca8dull, 0xb85045b68181585dull, 0x30644e72e131a029ull, 0x0000000000000000ull, 0x0000000000000000ull},
    .r = {0x43e1f593f0000001ull, 0x2833e84879b97091ull, 0xb85045b68181585dull, 0x30644e72e131a029ull},
    .xi = {{0x0000000000000009ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000001ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}},
    .twist_b = {{0x3267e6dc24a138e5ull, 0xb5b4c5e559dbefa3ull, 0x81be18991be06ac3ull, 0x2b149d40ceb8aaaeull, 0xe4a2bd0685c315d2ull, 0xa74fa084e52d1852ull, 0xcd2cafadeed8fdf4ull, 0x009713b03af0fed4ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}},
    .loop = {0xf83e9682e87cfd46ull, 0x6f4d8248eeb859fbull},
    .loop_top = 126,
    .m_twist = 0,
    .hard = {{0x85989436d0f9fa91ull, 0x5cea24f6fd736beaull, 0x048b6e193fd84104ull, 0x30644e72e131a029ull, 0x0000000000000000ull, 0x0000000000000000ull}, {0x138f3176606a30c5ull, 0x3b852988dae41fe4ull, 0x048b6e193fd84105ull, 0x30644e72e131a029ull, 0x0000000000000000ull, 0x0000000000000000ull}, {0xf83e9682e87cfd46ull, 0x6f4d8248eeb859fbull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}, {0x0000000000000001ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}},
    .frob = {{{0x0000000000000001ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}},
             {{0xd60b35dadcc9e470ull, 0x5c521e08292f2176ull, 0xe8b99fdd76e68b60ull, 0x1284b71c2865a7dfull, 0xca5cf05f80f362acull, 0x747992778eeec7e5ull, 0xa6327cfe12150b8eull, 0x246996f3b4fae7e6ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}},
             {{0x99e39557176f553dull, 0xb78cc310c2c3330cull, 0x4c0bec3cf559b143ull, 0x2fb347984f7911f7ull, 0x1665d51c640fcba2ull, 0x32ae2a1d0b7c9dceull, 0x4ba4cc8bd75a0794ull, 0x16c9e55061ebae20ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}},
             {{0xdc54014671a0135aull, 0xdbaae0eda9c95998ull, 0xdc5ec698b6e2f9b9ull, 0x063cf305489af5dcull, 0x82d37f632623b0e3ull, 0x21807dc98fa25bd2ull, 0x0704b5a7ec796f2bull, 0x07c03cbcac41049aull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}},
             {{0x848a1f55921ea762ull, 0xd33365f7be94ec72ull, 0x80f3c0b75a181e84ull, 0x05b54f5e64eea801ull, 0xc13b4711cd2b8126ull, 0x3685d2ea1bdec763ull, 0x9f3a80b03b0b1c92ull, 0x2c145edbe7fd8aeeull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}},
             {{0x2ea2c810eab7692full, 0x425c459b55aa1bd3ull, 0xe93a3661a4353ff4ull, 0x0183c1e74f798649ull, 0x24c6b8ee6e0c2c4bull, 0xb080cb99678e2ac0ull, 0xa27fb246c7729f7dull, 0x12acf2ca76fd0675ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}}},
};

#ifndef ZKAOT_SOFT_ACCEL
/* BLS12-381: xi = 1 + u, the M-type twist y^2 = x^3 + 4 xi, loop |x| = 0xd201000000010000 */
static const zk_tower ZK_BLS12_381_TOWER = {
    .limbs = 6,
    .mul = ZKAOT_SYS_BLS12_381_FP2_MUL,
    .add = ZKAOT_SYS_BLS12_381_FP2_ADD,
    .p = {0xb9feffffffffaaabull, 0x1eabfffeb153ffffull, 0x6730d2a0f6b0f624ull, 0x64774b84f38512bfull, 0x4b1ba7b6434bacd7ull, 0x1a0111ea397fe69aull},
    .pm2 = {0xb9feffffffffaaa9ull, 0x1eabfffeb153ffffull, 0x6730d2a0f6b0f624ull, 0x64774b84f38512bfull, 0x4b1ba7b6434bacd7ull, 0x1a0111ea397fe69aull},
    .r = {0xffffffff00000001ull, 0x53bda402fffe5bfeull, 0x3339d80809a1d805ull, 0x73eda753299d7d48ull},
    .xi = {{0x0000000000000001ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000001ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}},
    .twist_b = {{0x0000000000000004ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000004ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}},
    .loop = {0xd201000000010000ull, 0x0000000000000000ull},
    .loop_top = 63,
    .m_twist = 1,
    .hard = {{0xaaaa0000aaaaaaacull, 0x33813d5206aa1800ull, 0x665a045e22ec661full, 0xf7a34148de09bf34ull, 0x2b688550f8cebd66ull, 0x1a0111ea397fe69aull}, {0x73ffffffffff5554ull, 0x9d586d584eacaaaaull, 0xc49f25e1a737f5e2ull, 0x26a48d1bb889d46dull, 0x0000000000000000ull, 0x0000000000000000ull}, {0x1ea8ffff5554aaabull, 0xb27c92a7df51e7feull, 0x38158e5c24aff488ull, 0x64774b84f38512bfull, 0x4b1ba7b6434bacd7ull, 0x1a0111ea397fe69aull}, {0x8c00aaab0000aaaaull, 0x396c8c005555e156ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}},
    .frob = {{{0x0000000000000001ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}},
             {{0x8d0775ed92235fb8ull, 0xf67ea53d63e7813dull, 0x7b2443d784bab9c4ull, 0x0fd603fd3cbd5f4full, 0xc231beb4202c0d1full, 0x1904d3bf02bb0667ull, 0x2cf78a126ddc4af3ull, 0x282d5ac14d6c7ec2ull, 0xec0c8ec971f63c5full, 0x54a14787b6c7b36full, 0x88e9e902231f9fb8ull, 0x00fc3e2b36c4e032ull}},
             {{0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x8bfd00000000aaacull, 0x409427eb4f49fffdull, 0x897d29650fb85f9bull, 0xaa0d857d89759ad4ull, 0xec02408663d4de85ull, 0x1a0111ea397fe699ull}},
             {{0xc81084fbede3cc09ull, 0xee67992f72ec05f4ull, 0x77f76e17009241c5ull, 0x48395dabc2d3435eull, 0x6831e36d6bd17ffeull, 0x06af0e0437ff400bull, 0xc81084fbede3cc09ull, 0xee67992f72ec05f4ull, 0x77f76e17009241c5ull, 0x48395dabc2d3435eull, 0x6831e36d6bd17ffeull, 0x06af0e0437ff400bull}},
             {{0x8bfd00000000aaadull, 0x409427eb4f49fffdull, 0x897d29650fb85f9bull, 0xaa0d857d89759ad4ull, 0xec02408663d4de85ull, 0x1a0111ea397fe699ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}},
             {{0x9b18fae980078116ull, 0xc63a3e6e257f8732ull, 0x8beadf4d8e9c0566ull, 0xf39816240c0b8feeull, 0xdf47fa6b48b1e045ull, 0x05b2cfd9013a5fd8ull, 0x1ee605167ff82995ull, 0x5871c1908bd478cdull, 0xdb45f3536814f0bdull, 0x70df3560e77982d0ull, 0x6bd3ad4afa99cc91ull, 0x144e4211384586c1ull}}},
    .psi_check = 1, /* the untwist-Frobenius-twist map: psi_x = 1 / xi^((p-1)/3), psi_y = 1 / xi^((p-1)/2) */
    .psi_x = {{0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull,
               0x0000000000000000ull, 0x0000000000000000ull, 0x8bfd00000000aaadull, 0x409427eb4f49fffdull,
               0x897d29650fb85f9bull, 0xaa0d857d89759ad4ull, 0xec02408663d4de85ull, 0x1a0111ea397fe699ull}},
    .psi_y = {{0xf1ee7b04121bdea2ull, 0x304466cf3e67fa0aull, 0xef396489f61eb45eull, 0x1c3dedd930b1cf60ull,
               0xe2e9c448d77a2cd9ull, 0x135203e60180a68eull, 0xc81084fbede3cc09ull, 0xee67992f72ec05f4ull,
               0x77f76e17009241c5ull, 0x48395dabc2d3435eull, 0x6831e36d6bd17ffeull, 0x06af0e0437ff400bull}},
};
#endif

/* ---- Fp and Fp2 --------------------------------------------------------------- */

#ifdef ZKAOT_SOFT_ACCEL /* BN254 only: the emulation has 256-bit arithmetic */
static void u256_of(zk_u256 *a, const uint64_t *w) {
  for (int i = 0; i < 4; i++)
    a->w[i] = w[i];
}

static void fp2_mul(const zk_tower *t, zk_fp2 *x, const zk_fp2 *y) {
  zk_u256 p, a0, a1, b0, b1, a0b0, a1b1, a0b1, a1b0;
  u256_of(&p, t->p);
  u256_of(&a0, x->w);
  u256_of(&a1, x->w + 4);
  u256_of(&b0, y->w);
  u256_of(&b1, y->w + 4);
  a0b0 = a0, a1b1 = a1, a0b1 = a0, a1b0 = a1;
  FMUL(&a0b0, &b0, &p);
  FMUL(&a1b1, &b1, &p);
  FMUL(&a0b1, &b1, &p);
  FMUL(&a1b0, &b0, &p);
  fsub(&a0b0, &a1b1, &p);
  FADD(&a0b1, &a1b0, &p);
  for (int i = 0; i < 4; i++) {
    x->w[i] = a0b0.w[i];
    x->w[4 + i] = a0b1.w[i];
  }
}

static void fp2_add(const zk_tower *t, zk_fp2 *x, const zk_fp2 *y) {
  zk_u256 p, a, b;
  u256_of(&p, t->p);
  for (int k = 0; k < 2; k++) {
    u256_of(&a, x->w + 4 * k);
    u256_of(&b, y->w + 4 * k);
    FADD(&a, &b, &p);
    for (int i = 0; i < 4; i++)
      x->w[4 * k + i] = a.w[i];
  }
}
#else
/* x = x * y (precompile 0x82a or 0x82c) */
static void fp2_mul(const zk_tower *t, zk_fp2 *x, const zk_fp2 *y) {
  zk_ecall(t->mul, (long)(uintptr_t)x, (long)(uintptr_t)y, 0);
}
/* x = x + y (precompile 0x82b or 0x82d) */
static void fp2_add(const zk_tower *t, zk_fp2 *x, const zk_fp2 *y) {
  zk_ecall(t->add, (long)(uintptr_t)x, (long)(uintptr_t)y, 0);
}
#endif

/* d = s: the coefficients' words only, in pieces of at most 64 bytes, which the
 * compiler copies inline (a struct copy or a larger one calls memcpy). */
static void fp2_copy(const zk_tower *t, zk_fp2 *d, const zk_fp2 *s) {
  if (t->limbs == 4) {
    __builtin_memcpy(d, s, 64);
  } else {
    __builtin_memcpy(d->w, s->w, 48);
    __builtin_memcpy(d->w + 6, s->w + 6, 48);
  }
}

static int fp2_is_zero(const zk_tower *t, const zk_fp2 *x) {
  uint64_t any = 0;
  for (int i = 0; i < 2 * t->limbs; i++)
    any |= x->w[i];
  return any == 0;
}

static int fp2_eq(const zk_tower *t, const zk_fp2 *x, const zk_fp2 *y) {
  for (int i = 0; i < 2 * t->limbs; i++)
    if (x->w[i] != y->w[i])
      return 0;
  return 1;
}

static void fp2_set_one(zk_fp2 *x) {
  memset(x, 0, sizeof *x);
  x->w[0] = 1;
}

/* c = p - c (0 stays 0), on one coefficient of `limbs` words */
static void fp_neg(const zk_tower *t, uint64_t *c) {
  uint64_t any = 0, borrow = 0;
  for (int i = 0; i < t->limbs; i++)
    any |= c[i];
  if (!any)
    return;
  for (int i = 0; i < t->limbs; i++) {
    uint64_t x = t->p[i], y = c[i];
    c[i] = x - y - borrow;
    borrow = (x < y) | ((x == y) & borrow);
  }
}

static void fp2_neg(const zk_tower *t, zk_fp2 *x) {
  fp_neg(t, x->w);
  fp_neg(t, x->w + t->limbs);
}

/* x = x - y, as x + (p - y) per coefficient: p - 0 = p is not reduced, but the
 * add precompile reduces its operands, so the zero test of fp_neg is not needed. */
static void fp2_sub(const zk_tower *t, zk_fp2 *x, const zk_fp2 *y) {
  zk_fp2 m;
  int n = t->limbs;
  for (int k = 0; k < 2 * n; k += n) {
    uint64_t borrow = 0;
    for (int i = 0; i < n; i++) {
      uint64_t a = t->p[i], b = y->w[k + i], d = a - b;
      m.w[k + i] = d - borrow;
      borrow = (a < b) | (d < borrow);
    }
  }
  fp2_add(t, x, &m);
}

/* x = x * s for s in Fp (s's c1 is ignored) */
static void fp2_mul_fp(const zk_tower *t, zk_fp2 *x, const uint64_t *s) {
  zk_fp2 m;
  memset(&m, 0, sizeof m);
  for (int i = 0; i < t->limbs; i++)
    m.w[i] = s[i];
  fp2_mul(t, x, &m);
}

/* x = 1 / x (x != 0): (c0 - c1 u) / (c0^2 + c1^2), the Fp inverse by Fermat. */
static void fp2_inv(const zk_tower *t, zk_fp2 *x) {
  zk_fp2 n, c1, inv;
  memset(&n, 0, sizeof n);
  memset(&c1, 0, sizeof c1);
  for (int i = 0; i < t->limbs; i++) {
    n.w[i] = x->w[i];
    c1.w[i] = x->w[t->limbs + i];
  }
  fp2_mul(t, &n, &n);
  fp2_mul(t, &c1, &c1);
  fp2_add(t, &n, &c1); /* the norm, in Fp */
  fp2_set_one(&inv);
  for (int i = 64 * t->limbs - 1; i >= 0; i--) {
    fp2_mul(t, &inv, &inv);
    if ((t->pm2[i / 64] >> (i % 64)) & 1)
      fp2_mul(t, &inv, &n);
  }
  fp_neg(t, x->w + t->limbs);
  fp2_mul_fp(t, x, inv.w);
}

/* ---- Fp12 and Fp6 ---------------------------------------------------------------- */

static void fp12_one(zk_fp12 *f) {
  memset(f, 0, sizeof *f);
  f->c[0].w[0] = 1;
}

static int fp12_is_one(const zk_tower *t, const zk_fp12 *f) {
  zk_fp12 one;
  fp12_one(&one);
  for (int i = 0; i < 6; i++)
    if (!fp2_eq(t, &f->c[i], &one.c[i]))
      return 0;
  return 1;
}

/* s[k] += m, where `set` says which s[k] hold a value yet (the first is a copy). */
static void fp2_accumulate(const zk_tower *t, zk_fp2 *s, int *set, int k, const zk_fp2 *m) {
  if (set[k]) {
    fp2_add(t, &s[k], m);
  } else {
    fp2_copy(t, &s[k], m);
    set[k] = 1;
  }
}

/* r[0..6) = s[0..11) reduced by w^(k+6) = xi w^k; unset terms are zero. */
static void fp12_reduce(const zk_tower *t, zk_fp12 *r, zk_fp2 *s, int *set) {
  zk_fp2 m;
  for (int k = 0; k < 5; k++) {
    if (!set[k + 6])
      continue;
    fp2_copy(t, &m, &s[k + 6]);
    fp2_mul(t, &m, &t->xi);
    fp2_accumulate(t, s, set, k, &m);
  }
  for (int k = 0; k < 6; k++) {
    if (set[k])
      fp2_copy(t, &r->c[k], &s[k]);
    else
      memset(&r->c[k], 0, sizeof r->c[k]);
  }
}

/* r = a * b (r may alias either); zero coefficients are skipped, so sparse
 * line values cost less. */
static void fp12_mul(const zk_tower *t, zk_fp12 *r, const zk_fp12 *a, const zk_fp12 *b) {
  zk_fp2 s[11], m;
  int set[11] = {0}, bz[6];
  for (int j = 0; j < 6; j++)
    bz[j] = fp2_is_zero(t, &b->c[j]);
  for (int i = 0; i < 6; i++) {
    if (fp2_is_zero(t, &a->c[i]))
      continue;
    for (int j = 0; j < 6; j++) {
      if (bz[j])
        continue;
      fp2_copy(t, &m, &a->c[i]);
      fp2_mul(t, &m, &b->c[j]);
      fp2_accumulate(t, s, set, i + j, &m);
    }
  }
  fp12_reduce(t, r, s, set);
}

/* f = f^2: 21 products instead of 36 (a_i a_j counted once, doubled). */
static void fp12_sqr(const zk_tower *t, zk_fp12 *f) {
  zk_fp2 s[11], m, d;
  int set[11] = {0}, z[6];
  for (int i = 0; i < 6; i++)
    z[i] = fp2_is_zero(t, &f->c[i]);
  for (int i = 0; i < 6; i++) {
    if (z[i])
      continue;
    fp2_copy(t, &m, &f->c[i]);
    fp2_mul(t, &m, &f->c[i]);
    fp2_accumulate(t, s, set, 2 * i, &m);
    fp2_copy(t, &d, &f->c[i]);
    fp2_add(t, &d, &f->c[i]);
    for (int j = i + 1; j < 6; j++) {
      if (z[j])
        continue;
      fp2_copy(t, &m, &d);
      fp2_mul(t, &m, &f->c[j]);
      fp2_accumulate(t, s, set, i + j, &m);
    }
  }
  fp12_reduce(t, f, s, set);
}

static void fp6_mul(const zk_tower *t, zk_fp6 *r, const zk_fp6 *a, const zk_fp6 *b) {
  zk_fp2 s[5], m;
  memset(s, 0, sizeof s);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      fp2_copy(t, &m, &a->c[i]);
      fp2_mul(t, &m, &b->c[j]);
      fp2_add(t, &s[i + j], &m);
    }
  for (int k = 0; k < 2; k++) {
    fp2_copy(t, &m, &s[k + 3]);
    fp2_mul(t, &m, &t->xi);
    fp2_add(t, &s[k], &m);
  }
  for (int k = 0; k < 3; k++)
    fp2_copy(t, &r->c[k], &s[k]);
}

/* a = 1 / a (a != 0), by the adjugate: t0 = c0^2 - xi c1 c2, t1 = xi c2^2 - c0 c1,
 * t2 = c1^2 - c0 c2, and the norm c0 t0 + xi (c2 t1 + c1 t2). */
static void fp6_inv(const zk_tower *t, zk_fp6 *a) {
  zk_fp2 t0 = a->c[0], t1 = a->c[2], t2 = a->c[1], m, n;
  fp2_mul(t, &t0, &a->c[0]);
  fp2_copy(t, &m, &a->c[1]);
  fp2_mul(t, &m, &a->c[2]);
  fp2_mul(t, &m, &t->xi);
  fp2_sub(t, &t0, &m);
  fp2_mul(t, &t1, &a->c[2]);
  fp2_mul(t, &t1, &t->xi);
  fp2_copy(t, &m, &a->c[0]);
  fp2_mul(t, &m, &a->c[1]);
  fp2_sub(t, &t1, &m);
  fp2_mul(t, &t2, &a->c[1]);
  fp2_copy(t, &m, &a->c[0]);
  fp2_mul(t, &m, &a->c[2]);
  fp2_sub(t, &t2, &m);
  fp2_copy(t, &n, &a->c[2]);
  fp2_mul(t, &n, &t1);
  fp2_copy(t, &m, &a->c[1]);
  fp2_mul(t, &m, &t2);
  fp2_add(t, &n, &m);
  fp2_mul(t, &n, &t->xi);
  fp2_copy(t, &m, &a->c[0]);
  fp2_mul(t, &m, &t0);
  fp2_add(t, &n, &m);
  fp2_inv(t, &n);
  fp2_mul(t, &t0, &n);
  fp2_mul(t, &t1, &n);
  fp2_mul(t, &t2, &n);
  fp2_copy(t, &a->c[0], &t0);
  fp2_copy(t, &a->c[1], &t1);
  fp2_copy(t, &a->c[2], &t2);
}

/* f = f^(p^6 - 1) = conj(f) / f, where f = A + B w and conj(f) = A - B w
 * (w^(p^6) = -w); 1 / f = conj(f) / (A^2 - v B^2). */
static void fp12_easy_part(const zk_tower *t, zk_fp12 *f) {
  zk_fp6 a, b, n, m;
  zk_fp12 conj, inv;
  zk_fp2 top;
  for (int i = 0; i < 3; i++) {
    a.c[i] = f->c[2 * i];
    b.c[i] = f->c[2 * i + 1];
  }
  fp6_mul(t, &n, &a, &a);
  fp6_mul(t, &m, &b, &b);
  top = m.c[2]; /* v * m = (xi m2, m0, m1) */
  fp2_mul(t, &top, &t->xi);
  fp2_copy(t, &m.c[2], &m.c[1]);
  fp2_copy(t, &m.c[1], &m.c[0]);
  fp2_copy(t, &m.c[0], &top);
  for (int i = 0; i < 3; i++)
    fp2_sub(t, &n.c[i], &m.c[i]);
  fp6_inv(t, &n);
  conj = *f;
  for (int i = 1; i < 6; i += 2)
    fp2_neg(t, &conj.c[i]);
  for (int i = 0; i < 3; i++) { /* 1/f = (A - B w) * n, n in Fp6 */
    a.c[i] = conj.c[2 * i];
    b.c[i] = conj.c[2 * i + 1];
  }
  fp6_mul(t, &a, &a, &n);
  fp6_mul(t, &b, &b, &n);
  for (int i = 0; i < 3; i++) {
    inv.c[2 * i] = a.c[i];
    inv.c[2 * i + 1] = b.c[i];
  }
  fp12_mul(t, f, &conj, &inv);
}

/* f = f^p: (sum c_i w^i)^p = sum conj(c_i) frob[i] w^i. */
static void fp12_frobenius(const zk_tower *t, zk_fp12 *f) {
  for (int i = 0; i < 6; i++) {
    fp_neg(t, f->c[i].w + t->limbs);
    if (i)
      fp2_mul(t, &f->c[i], &t->frob[i]);
  }
}

/* r = f^e for e = (p^4 - p^2 + 1) / r = e0 + e1 p + e2 p^2 + e3 p^3: one
 * square-and-multiply over the four digits at once, with the products of
 * f, f^p, f^(p^2), f^(p^3) for every subset of them in a table. */
static void fp12_hard_part(const zk_tower *t, zk_fp12 *r, const zk_fp12 *f) {
  zk_fp12 table[16];
  int started = 0;
  fp12_one(&table[0]);
  table[1] = *f;
  for (int k = 1; k < 4; k++) {
    table[1 << k] = table[1 << (k - 1)];
    fp12_frobenius(t, &table[1 << k]);
  }
  for (int m = 3; m < 16; m++)
    if (m & (m - 1)) /* not a power of two: the product of its lowest bit and the rest */
      fp12_mul(t, &table[m], &table[m & (m - 1)], &table[m & -m]);
  fp12_one(r);
  for (int i = 64 * t->limbs - 1; i >= 0; i--) {
    int m = 0;
    for (int k = 0; k < 4; k++)
      m |= (int)((t->hard[k][i / 64] >> (i % 64)) & 1) << k;
    if (started)
      fp12_sqr(t, r);
    if (m) {
      if (started)
        fp12_mul(t, r, r, &table[m]);
      else
        *r = table[m];
      started = 1;
    }
  }
}

/* f^((p^12 - 1) / r) = ((f^(p^6 - 1))^(p^2 + 1))^((p^4 - p^2 + 1) / r) */
static void final_exponentiation(const zk_tower *t, zk_fp12 *r, zk_fp12 *f) {
  zk_fp12 g;
  fp12_easy_part(t, f);
  g = *f;
  fp12_frobenius(t, &g);
  fp12_frobenius(t, &g);
  fp12_mul(t, f, f, &g);
  fp12_hard_part(t, r, f);
}

/* ---- G2 ------------------------------------------------------------------------- */

static void g2j_set_inf(zk_g2j *q) { memset(q, 0, sizeof *q); }

static void g2j_from_affine(zk_g2j *q, const zk_g2 *p) {
  q->x = p->x;
  q->y = p->y;
  fp2_set_one(&q->z);
}

/* q = 2q (a = 0): A = X^2, B = Y^2, C = B^2, D = 2((X + B)^2 - A - C), E = 3A,
 * X3 = E^2 - 2D, Y3 = E (D - X3) - 8C, Z3 = 2 Y Z. */
static void g2j_dbl(const zk_tower *t, zk_g2j *q) {
  zk_fp2 a, b, c, d, e, f, m;
  if (fp2_is_zero(t, &q->z))
    return;
  fp2_copy(t, &a, &q->x);
  fp2_copy(t, &b, &q->y);
  fp2_mul(t, &a, &q->x);
  fp2_mul(t, &b, &q->y);
  fp2_copy(t, &c, &b);
  fp2_mul(t, &c, &b);
  fp2_copy(t, &d, &q->x);
  fp2_add(t, &d, &b);
  fp2_copy(t, &m, &d);
  fp2_mul(t, &d, &m);
  fp2_sub(t, &d, &a);
  fp2_sub(t, &d, &c);
  fp2_copy(t, &m, &d);
  fp2_add(t, &d, &m);
  fp2_copy(t, &e, &a);
  fp2_add(t, &e, &a);
  fp2_add(t, &e, &a);
  fp2_copy(t, &f, &e);
  fp2_mul(t, &f, &e);
  fp2_mul(t, &q->z, &q->y);
  fp2_copy(t, &m, &q->z);
  fp2_add(t, &q->z, &m);
  fp2_copy(t, &q->x, &f);
  fp2_sub(t, &q->x, &d);
  fp2_sub(t, &q->x, &d);
  fp2_copy(t, &q->y, &d);
  fp2_sub(t, &q->y, &q->x);
  fp2_mul(t, &q->y, &e);
  for (int i = 0; i < 3; i++) { /* C = 8C */
    fp2_copy(t, &m, &c);
    fp2_add(t, &c, &m);
  }
  fp2_sub(t, &q->y, &c);
}

/* q = q + p (p affine, not infinity), equal and opposite points included:
 * H = x Z^2 - X, R = y Z^3 - Y, X3 = R^2 - H^3 - 2 X H^2,
 * Y3 = R (X H^2 - X3) - Y H^3, Z3 = Z H. */
static void g2j_add_affine(const zk_tower *t, zk_g2j *q, const zk_g2 *p) {
  zk_fp2 zz, u2, s2, h, r, hh, hhh, v, m;
  if (fp2_is_zero(t, &q->z)) {
    g2j_from_affine(q, p);
    return;
  }
  fp2_copy(t, &zz, &q->z);
  fp2_mul(t, &zz, &q->z);
  fp2_copy(t, &u2, &p->x);
  fp2_mul(t, &u2, &zz);
  fp2_copy(t, &s2, &p->y);
  fp2_mul(t, &s2, &zz);
  fp2_mul(t, &s2, &q->z);
  fp2_copy(t, &h, &u2);
  fp2_sub(t, &h, &q->x);
  fp2_copy(t, &r, &s2);
  fp2_sub(t, &r, &q->y);
  if (fp2_is_zero(t, &h)) {
    if (fp2_is_zero(t, &r))
      g2j_dbl(t, q);
    else
      g2j_set_inf(q); /* q = -p */
    return;
  }
  fp2_copy(t, &hh, &h);
  fp2_mul(t, &hh, &h);
  fp2_copy(t, &hhh, &hh);
  fp2_mul(t, &hhh, &h);
  fp2_copy(t, &v, &q->x);
  fp2_mul(t, &v, &hh);
  fp2_copy(t, &m, &r);
  fp2_mul(t, &m, &r);
  fp2_sub(t, &m, &hhh);
  fp2_sub(t, &m, &v);
  fp2_sub(t, &m, &v);
  fp2_mul(t, &hhh, &q->y);
  fp2_mul(t, &q->z, &h);
  fp2_copy(t, &q->x, &m);
  fp2_copy(t, &q->y, &v);
  fp2_sub(t, &q->y, &m);
  fp2_mul(t, &q->y, &r);
  fp2_sub(t, &q->y, &hhh);
}

/* The affine form of q (infinity: inf set, x = y = 0). */
static void g2j_to_affine(const zk_tower *t, zk_g2 *p, const zk_g2j *q) {
  zk_fp2 zi = q->z, zi2;
  memset(p, 0, sizeof *p);
  p->inf = fp2_is_zero(t, &q->z);
  if (p->inf)
    return;
  fp2_inv(t, &zi);
  fp2_copy(t, &zi2, &zi);
  fp2_mul(t, &zi2, &zi);
  fp2_copy(t, &p->x, &q->x);
  fp2_mul(t, &p->x, &zi2);
  fp2_mul(t, &zi2, &zi);
  fp2_copy(t, &p->y, &q->y);
  fp2_mul(t, &p->y, &zi2);
}

/* r = k p for k of `words` little-endian words, by double-and-add. */
static void g2_mul_words(const zk_tower *t, zk_g2j *r, const uint64_t *k, int words, const zk_g2 *p) {
  g2j_set_inf(r);
  if (p->inf)
    return;
  for (int i = 64 * words - 1; i >= 0; i--) {
    g2j_dbl(t, r);
    if ((k[i / 64] >> (i % 64)) & 1)
      g2j_add_affine(t, r, p);
  }
}

/* r = k p for a 256-bit k. */
static void g2_mul(const zk_tower *t, zk_g2j *r, const uint64_t *k, const zk_g2 *p) {
  g2_mul_words(t, r, k, 4, p);
}

/* Coordinates already below p: 1 when q is infinity, or on the twist and,
 * with `subgroup`, of order r. */
static int g2_check(const zk_tower *t, zk_g2 *q, int subgroup) {
  zk_fp2 lhs, rhs;
  zk_g2j rq;
  q->inf = fp2_is_zero(t, &q->x) && fp2_is_zero(t, &q->y);
  if (q->inf)
    return 1;
  fp2_copy(t, &lhs, &q->y);
  fp2_mul(t, &lhs, &q->y);
  fp2_copy(t, &rhs, &q->x);
  fp2_mul(t, &rhs, &q->x);
  fp2_mul(t, &rhs, &q->x);
  fp2_add(t, &rhs, &t->twist_b);
  if (!fp2_eq(t, &lhs, &rhs))
    return 0;
  if (!subgroup)
    return 1;
  if (t->psi_check) { /* Scott 2021: Q is in G2 iff psi(Q) = [x]Q = -[|x|]Q (x = -loop) */
    zk_fp2 px, py, m;
    g2_mul_words(t, &rq, t->loop, 1, q);
    if (fp2_is_zero(t, &rq.z))
      return 0;
    fp2_copy(t, &px, &q->x); /* psi(Q) compared in Jacobian coordinates: */
    fp_neg(t, px.w + t->limbs);
    fp2_mul(t, &px, &t->psi_x);
    fp2_copy(t, &py, &q->y);
    fp_neg(t, py.w + t->limbs);
    fp2_mul(t, &py, &t->psi_y);
    fp2_copy(t, &m, &rq.z); /* X = psi_x Z^2, -Y = psi_y Z^3 */
    fp2_mul(t, &m, &rq.z);
    fp2_mul(t, &px, &m);
    fp2_mul(t, &m, &rq.z);
    fp2_mul(t, &py, &m);
    fp2_neg(t, &rq.y);
    return fp2_eq(t, &px, &rq.x) && fp2_eq(t, &py, &rq.y);
  }
  g2_mul(t, &rq, t->r, q);
  return fp2_is_zero(t, &rq.z);
}

/* One big-endian coefficient of limbs words into c; 1 when below p. */
static int fp_from_be(const zk_tower *t, uint64_t *c, const uint8_t *be) {
  int n = t->limbs;
  for (int i = 0; i < n; i++) {
    uint64_t v = 0;
    for (int j = 0; j < 8; j++)
      v = (v << 8) | be[8 * (n - 1 - i) + j];
    c[i] = v;
  }
  for (int i = n - 1; i >= 0; i--)
    if (c[i] != t->p[i])
      return c[i] < t->p[i];
  return 0;
}

static void fp_to_be(const zk_tower *t, uint8_t *be, const uint64_t *c) {
  int n = t->limbs;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < 8; j++)
      be[8 * (n - 1 - i) + j] = (uint8_t)(c[i] >> (56 - 8 * j));
}

/* ---- the Miller loop ---------------------------------------------------------------- */

/* f = f * l, l a line's value at P = (xp, yp) taken times a factor of Fp2 (and
 * of w^3 for an M-type twist), all of which the final exponentiation removes:
 * a yp + b xp w + c w^3 (D type) or c + b xp w^2 + a yp w^3 (M type). */
static void mul_line(const zk_tower *t, zk_fp12 *f, const zk_fp2 *a, const zk_fp2 *b, const zk_fp2 *c,
                     const uint64_t *xp, const uint64_t *yp) {
  zk_fp12 l;
  zk_fp2 ay, bx;
  memset(&l, 0, sizeof l);
  fp2_copy(t, &ay, a);
  fp2_copy(t, &bx, b);
  fp2_mul_fp(t, &ay, yp);
  fp2_mul_fp(t, &bx, xp);
  if (t->m_twist) {
    fp2_copy(t, &l.c[0], c);
    fp2_copy(t, &l.c[2], &bx);
    fp2_copy(t, &l.c[3], &ay);
  } else {
    fp2_copy(t, &l.c[0], &ay);
    fp2_copy(t, &l.c[1], &bx);
    fp2_copy(t, &l.c[3], c);
  }
  fp12_mul(t, f, f, &l);
}

/* The tangent at q = (X / Z^2, Y / Z^3), slope 3X^2 / (2YZ), times 2YZ^3:
 * a = 2YZ^3, b = -3X^2 Z^2, c = 3X^3 - 2Y^2; then q = 2q. */
static void double_step(const zk_tower *t, zk_fp12 *f, zk_g2j *q, const uint64_t *xp, const uint64_t *yp) {
  zk_fp2 x2, z2, a, b, c, m;
  fp2_copy(t, &x2, &q->x);
  fp2_copy(t, &z2, &q->z);
  fp2_mul(t, &x2, &q->x);
  fp2_copy(t, &m, &x2);
  fp2_add(t, &x2, &m);
  fp2_add(t, &x2, &m);
  fp2_mul(t, &z2, &q->z);
  fp2_copy(t, &a, &q->y);
  fp2_add(t, &a, &q->y);
  fp2_mul(t, &a, &q->z);
  fp2_mul(t, &a, &z2);
  fp2_copy(t, &b, &x2);
  fp2_mul(t, &b, &z2);
  fp2_neg(t, &b);
  fp2_copy(t, &c, &x2);
  fp2_mul(t, &c, &q->x);
  fp2_copy(t, &m, &q->y);
  fp2_mul(t, &m, &q->y);
  fp2_sub(t, &c, &m);
  fp2_sub(t, &c, &m);
  mul_line(t, f, &a, &b, &c, xp, yp);
  g2j_dbl(t, q);
}

/* The chord through q and s: with H = xs Z^2 - X and R = ys Z^3 - Y its slope
 * is R / (Z H); times Z H: a = Z H, b = -R, c = R xs - Z H ys; then q = q + s. */
static void add_step(const zk_tower *t, zk_fp12 *f, zk_g2j *q, const zk_g2 *s, const uint64_t *xp,
                     const uint64_t *yp) {
  zk_fp2 z2, h, r, a, b, c, m;
  fp2_copy(t, &z2, &q->z);
  fp2_copy(t, &h, &s->x);
  fp2_copy(t, &r, &s->y);
  fp2_mul(t, &z2, &q->z);
  fp2_mul(t, &h, &z2);
  fp2_sub(t, &h, &q->x);
  fp2_mul(t, &r, &z2);
  fp2_mul(t, &r, &q->z);
  fp2_sub(t, &r, &q->y);
  fp2_copy(t, &a, &q->z);
  fp2_mul(t, &a, &h);
  fp2_copy(t, &b, &r);
  fp2_neg(t, &b);
  fp2_copy(t, &c, &r);
  fp2_mul(t, &c, &s->x);
  fp2_copy(t, &m, &a);
  fp2_mul(t, &m, &s->y);
  fp2_sub(t, &c, &m);
  mul_line(t, f, &a, &b, &c, xp, yp);
  g2j_add_affine(t, q, s);
}

/* f = f * f_{T,Q}(P) for the loop count T (P, Q not infinity; P = (xp, yp) in
 * Fp). In the loop, q = k Q with 0 < k < T < r: never Q, -Q or of y = 0. */
static void miller(const zk_tower *t, zk_fp12 *f, const uint64_t *xp, const uint64_t *yp, const zk_g2 *s) {
  zk_fp12 g;
  zk_g2j q;
  g2j_from_affine(&q, s);
  fp12_one(&g);
  for (int i = t->loop_top - 1; i >= 0; i--) {
    fp12_sqr(t, &g);
    double_step(t, &g, &q, xp, yp);
    if ((t->loop[i / 64] >> (i % 64)) & 1)
      add_step(t, &g, &q, s, xp, yp);
  }
  fp12_mul(t, f, f, &g);
}

/* Whether the product of the Miller values f (of `paired` pairs) is 1 after
 * the final exponentiation; no pairs: 1. */
static bool pairing_is_one(const zk_tower *t, zk_fp12 *f, int paired) {
  zk_fp12 r;
  if (!paired)
    return true;
  final_exponentiation(t, &r, f);
  return fp12_is_one(t, &r);
}

/* ---- BN254 (EIP-197) ------------------------------------------------------------- */

/* An EIP-197 G2 point: x = x1 u + x0 encoded x1 || x0, then y likewise, each
 * big-endian below p; all zero is infinity; otherwise on the twist and of
 * order r.  1 when valid. */
static int bn_g2_from_be(zk_g2 *q, const uint8_t *be) {
  const zk_tower *t = &ZK_BN254_TOWER;
  memset(q, 0, sizeof *q);
  if (!fp_from_be(t, q->x.w + 4, be) || !fp_from_be(t, q->x.w, be + 32) || !fp_from_be(t, q->y.w + 4, be + 64) ||
      !fp_from_be(t, q->y.w, be + 96))
    return 0;
  return g2_check(t, q, 1);
}

/* EIP-197: ZKVM_EFAIL when a G1 point fails zkvm_bn254_g1_add's checks or a
 * G2 point bn_g2_from_be's; otherwise *verified says whether the product of
 * the pairings is 1 (true for no pairs).  Pairs with a point at infinity add 1. */
zkvm_status zkvm_bn254_pairing(const zkvm_bn254_pairing_pair *pairs, size_t num_pairs, bool *verified) {
  const zk_tower *t = &ZK_BN254_TOWER;
  zk_fp12 f;
  int paired = 0;
  fp12_one(&f);
  for (size_t i = 0; i < num_pairs; i++) {
    zk_point p;
    zk_g2 q;
    if (!point_from_be(&ZK_BN254, &p, pairs[i].g1.data, 1) || !bn_g2_from_be(&q, pairs[i].g2.data))
      return ZKVM_EFAIL;
    if (!point_is_inf(&p) && !q.inf) {
      miller(t, &f, p.x.w, p.y.w, &q);
      paired = 1;
    }
  }
  *verified = pairing_is_one(t, &f, paired);
  return ZKVM_EOK;
}
