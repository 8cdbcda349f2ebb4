/*
 * The BN254 pairing check of zkvm_accelerators.h (EVM 0x08, EIP-197),
 * included by zkaot.c after accel_ec.c, whose integers and curves it uses.
 *
 * Fp2 = Fp[u]/(u^2 + 1) is the precompile pair 0x82a/0x82b; Fp12 is
 * Fp2[w]/(w^6 - xi), xi = 9 + u, six Fp2 coefficients.  G2 is the D-type
 * twist y^2 = x^3 + 3/xi, whose points map to E(Fp12) as (x w^2, y w^3).
 * The pairing is the ate pairing with loop count T = t - 1 = 6 x^2 (no
 * Frobenius twists of Q); every non-degenerate pairing is a power of every
 * other by a number prime to r, so the product of pairings is 1 for one of
 * them exactly when it is for the optimal ate pairing the EVM names.  Line
 * denominators and the w^k factors lie in proper subfields and vanish in the
 * final exponentiation f^((p^6 - 1)(p^2 + 1)(p^4 - p^2 + 1)/r): a conjugation
 * and an inversion, a Frobenius map, and the last factor's exponent written in
 * base p (Frobenius maps again, one joint square-and-multiply).
 */

typedef struct {
  zk_u256 c0, c1; /* c0 + c1 u: the layout of precompiles 0x82a/0x82b */
} zk_fp2;

typedef struct {
  zk_fp2 c[6]; /* sum of c[i] w^i */
} zk_fp12;

typedef struct {
  zk_fp2 x, y;
  int inf;
} zk_g2;

static const zk_fp2 BN_XI = {{{9, 0, 0, 0}}, {{1, 0, 0, 0}}};
static const zk_fp2 BN_TWIST_B = { /* 3 / xi */
    {{0x3267e6dc24a138e5ull, 0xb5b4c5e559dbefa3ull, 0x81be18991be06ac3ull, 0x2b149d40ceb8aaaeull}},
    {{0xe4a2bd0685c315d2ull, 0xa74fa084e52d1852ull, 0xcd2cafadeed8fdf4ull, 0x009713b03af0fed4ull}}};
static const zk_u256 BN_ATE_LOOP = { /* 6 x^2, x = 4965661367192848881 */
    {0xf83e9682e87cfd46ull, 0x6f4d8248eeb859fbull, 0, 0}};
/* (p^4 - p^2 + 1) / r in base p, the lowest digit first */
static const zk_u256 BN_HARD_EXP[4] = {
    {{0x85989436d0f9fa91ull, 0x5cea24f6fd736beaull, 0x048b6e193fd84104ull, 0x30644e72e131a029ull}},
    {{0x138f3176606a30c5ull, 0x3b852988dae41fe4ull, 0x048b6e193fd84105ull, 0x30644e72e131a029ull}},
    {{0xf83e9682e87cfd46ull, 0x6f4d8248eeb859fbull, 0x0000000000000000ull, 0x0000000000000000ull}},
    {{0x0000000000000001ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}},
};
/* xi^(i (p - 1) / 6): w^p = gamma_1 w */
static const zk_fp2 BN_FROB[6] = {
    {{{0x0000000000000001ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}},
     {{0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}}},
    {{{0xd60b35dadcc9e470ull, 0x5c521e08292f2176ull, 0xe8b99fdd76e68b60ull, 0x1284b71c2865a7dfull}},
     {{0xca5cf05f80f362acull, 0x747992778eeec7e5ull, 0xa6327cfe12150b8eull, 0x246996f3b4fae7e6ull}}},
    {{{0x99e39557176f553dull, 0xb78cc310c2c3330cull, 0x4c0bec3cf559b143ull, 0x2fb347984f7911f7ull}},
     {{0x1665d51c640fcba2ull, 0x32ae2a1d0b7c9dceull, 0x4ba4cc8bd75a0794ull, 0x16c9e55061ebae20ull}}},
    {{{0xdc54014671a0135aull, 0xdbaae0eda9c95998ull, 0xdc5ec698b6e2f9b9ull, 0x063cf305489af5dcull}},
     {{0x82d37f632623b0e3ull, 0x21807dc98fa25bd2ull, 0x0704b5a7ec796f2bull, 0x07c03cbcac41049aull}}},
    {{{0x848a1f55921ea762ull, 0xd33365f7be94ec72ull, 0x80f3c0b75a181e84ull, 0x05b54f5e64eea801ull}},
     {{0xc13b4711cd2b8126ull, 0x3685d2ea1bdec763ull, 0x9f3a80b03b0b1c92ull, 0x2c145edbe7fd8aeeull}}},
    {{{0x2ea2c810eab7692full, 0x425c459b55aa1bd3ull, 0xe93a3661a4353ff4ull, 0x0183c1e74f798649ull}},
     {{0x24c6b8ee6e0c2c4bull, 0xb080cb99678e2ac0ull, 0xa27fb246c7729f7dull, 0x12acf2ca76fd0675ull}}},
};

/* ---- Fp2 ------------------------------------------------------------------ */

#ifdef ZKAOT_SOFT_ACCEL
static void FP2_MUL(zk_fp2 *x, const zk_fp2 *y) {
  const zk_u256 *p = &ZK_BN254.p;
  zk_u256 a0b0 = x->c0, a1b1 = x->c1, a0b1 = x->c0, a1b0 = x->c1;
  FMUL(&a0b0, &y->c0, p);
  FMUL(&a1b1, &y->c1, p);
  FMUL(&a0b1, &y->c1, p);
  FMUL(&a1b0, &y->c0, p);
  fsub(&a0b0, &a1b1, p);
  FADD(&a0b1, &a1b0, p);
  x->c0 = a0b0;
  x->c1 = a0b1;
}
static void FP2_ADD(zk_fp2 *x, const zk_fp2 *y) {
  FADD(&x->c0, &y->c0, &ZK_BN254.p);
  FADD(&x->c1, &y->c1, &ZK_BN254.p);
}
#else
/* x = x * y (precompile 0x82a) */
static void FP2_MUL(zk_fp2 *x, const zk_fp2 *y) {
  zk_ecall(ZKAOT_SYS_BN254_FP2_MUL, (long)(uintptr_t)x, (long)(uintptr_t)y, 0);
}
/* x = x + y (precompile 0x82b) */
static void FP2_ADD(zk_fp2 *x, const zk_fp2 *y) {
  zk_ecall(ZKAOT_SYS_BN254_FP2_ADD, (long)(uintptr_t)x, (long)(uintptr_t)y, 0);
}
#endif

static int fp2_is_zero(const zk_fp2 *x) { return u256_is_zero(&x->c0) && u256_is_zero(&x->c1); }

static int fp2_eq(const zk_fp2 *x, const zk_fp2 *y) {
  return u256_cmp(&x->c0, &y->c0) == 0 && u256_cmp(&x->c1, &y->c1) == 0;
}

static void fp_neg(zk_u256 *c) {
  if (!u256_is_zero(c))
    u256_sub(c, &ZK_BN254.p, c);
}

static void fp2_neg(zk_fp2 *x) {
  fp_neg(&x->c0);
  fp_neg(&x->c1);
}

static void fp2_sub(zk_fp2 *x, const zk_fp2 *y) {
  zk_fp2 t = *y;
  fp2_neg(&t);
  FP2_ADD(x, &t);
}

/* x = 1 / x, x != 0: (c0 - c1 u) / (c0^2 + c1^2) */
static void fp2_inv(zk_fp2 *x) {
  const zk_u256 *p = &ZK_BN254.p;
  zk_u256 n = x->c0, t = x->c1;
  FMUL(&n, &x->c0, p);
  FMUL(&t, &x->c1, p);
  FADD(&n, &t, p);
  finv(&n, p);
  FMUL(&x->c0, &n, p);
  FMUL(&x->c1, &n, p);
  fp_neg(&x->c1);
}

/* ---- Fp12 ----------------------------------------------------------------- */

static void fp12_one(zk_fp12 *f) {
  memset(f, 0, sizeof *f);
  f->c[0].c0 = ZK_ONE;
}

static int fp12_is_one(const zk_fp12 *f) {
  zk_fp12 one;
  fp12_one(&one);
  for (int i = 0; i < 6; i++)
    if (!fp2_eq(&f->c[i], &one.c[i]))
      return 0;
  return 1;
}

/* r = a * b (r may alias either); zero coefficients are skipped, so sparse
 * line values cost less. */
static void fp12_mul(zk_fp12 *r, const zk_fp12 *a, const zk_fp12 *b) {
  zk_fp2 t[11], m;
  memset(t, 0, sizeof t);
  for (int i = 0; i < 6; i++) {
    if (fp2_is_zero(&a->c[i]))
      continue;
    for (int j = 0; j < 6; j++) {
      if (fp2_is_zero(&b->c[j]))
        continue;
      m = a->c[i];
      FP2_MUL(&m, &b->c[j]);
      FP2_ADD(&t[i + j], &m);
    }
  }
  for (int k = 0; k < 5; k++) { /* w^(k+6) = xi w^k */
    if (fp2_is_zero(&t[k + 6]))
      continue;
    m = t[k + 6];
    FP2_MUL(&m, &BN_XI);
    FP2_ADD(&t[k], &m);
  }
  for (int k = 0; k < 6; k++)
    r->c[k] = t[k];
}

/* f = f^2: 21 products instead of 36 (a_i a_j counted once, doubled). */
static void fp12_sqr(zk_fp12 *f) {
  zk_fp2 t[11], m, d;
  memset(t, 0, sizeof t);
  for (int i = 0; i < 6; i++) {
    if (fp2_is_zero(&f->c[i]))
      continue;
    m = f->c[i];
    FP2_MUL(&m, &f->c[i]);
    FP2_ADD(&t[2 * i], &m);
    d = f->c[i];
    FP2_ADD(&d, &f->c[i]);
    for (int j = i + 1; j < 6; j++) {
      if (fp2_is_zero(&f->c[j]))
        continue;
      m = d;
      FP2_MUL(&m, &f->c[j]);
      FP2_ADD(&t[i + j], &m);
    }
  }
  for (int k = 0; k < 5; k++) {
    if (fp2_is_zero(&t[k + 6]))
      continue;
    m = t[k + 6];
    FP2_MUL(&m, &BN_XI);
    FP2_ADD(&t[k], &m);
  }
  for (int k = 0; k < 6; k++)
    f->c[k] = t[k];
}

/* Fp6 = Fp2[v]/(v^3 - xi), v = w^2: the even (or odd) coefficients of an Fp12. */
typedef struct {
  zk_fp2 c[3];
} zk_fp6;

static void fp6_mul(zk_fp6 *r, const zk_fp6 *a, const zk_fp6 *b) {
  zk_fp2 t[5], m;
  memset(t, 0, sizeof t);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      m = a->c[i];
      FP2_MUL(&m, &b->c[j]);
      FP2_ADD(&t[i + j], &m);
    }
  for (int k = 0; k < 2; k++) {
    m = t[k + 3];
    FP2_MUL(&m, &BN_XI);
    FP2_ADD(&t[k], &m);
  }
  for (int k = 0; k < 3; k++)
    r->c[k] = t[k];
}

/* a = 1 / a (a != 0), by the adjugate: t0 = c0^2 - xi c1 c2, t1 = xi c2^2 - c0 c1,
 * t2 = c1^2 - c0 c2, and the norm c0 t0 + xi (c2 t1 + c1 t2). */
static void fp6_inv(zk_fp6 *a) {
  zk_fp2 t0 = a->c[0], t1 = a->c[2], t2 = a->c[1], m, n;
  FP2_MUL(&t0, &a->c[0]);
  m = a->c[1];
  FP2_MUL(&m, &a->c[2]);
  FP2_MUL(&m, &BN_XI);
  fp2_sub(&t0, &m);
  FP2_MUL(&t1, &a->c[2]);
  FP2_MUL(&t1, &BN_XI);
  m = a->c[0];
  FP2_MUL(&m, &a->c[1]);
  fp2_sub(&t1, &m);
  FP2_MUL(&t2, &a->c[1]);
  m = a->c[0];
  FP2_MUL(&m, &a->c[2]);
  fp2_sub(&t2, &m);
  n = a->c[2];
  FP2_MUL(&n, &t1);
  m = a->c[1];
  FP2_MUL(&m, &t2);
  FP2_ADD(&n, &m);
  FP2_MUL(&n, &BN_XI);
  m = a->c[0];
  FP2_MUL(&m, &t0);
  FP2_ADD(&n, &m);
  fp2_inv(&n);
  FP2_MUL(&t0, &n);
  FP2_MUL(&t1, &n);
  FP2_MUL(&t2, &n);
  a->c[0] = t0;
  a->c[1] = t1;
  a->c[2] = t2;
}

/* f = f^(p^6 - 1) = conj(f) / f, where f = A + B w and conj(f) = A - B w
 * (w^(p^6) = -w); 1 / f = conj(f) / (A^2 - v B^2). */
static void fp12_easy_part(zk_fp12 *f) {
  zk_fp6 a, b, n, m;
  zk_fp12 conj, inv;
  for (int i = 0; i < 3; i++) {
    a.c[i] = f->c[2 * i];
    b.c[i] = f->c[2 * i + 1];
  }
  fp6_mul(&n, &a, &a);
  fp6_mul(&m, &b, &b);
  zk_fp2 top = m.c[2]; /* v * m: (xi m2, m0, m1) */
  FP2_MUL(&top, &BN_XI);
  m.c[2] = m.c[1];
  m.c[1] = m.c[0];
  m.c[0] = top;
  for (int i = 0; i < 3; i++)
    fp2_sub(&n.c[i], &m.c[i]);
  fp6_inv(&n);
  conj = *f;
  for (int i = 1; i < 6; i += 2)
    fp2_neg(&conj.c[i]);
  for (int i = 0; i < 3; i++) { /* 1/f = (A - B w) * n, n in Fp6 */
    a.c[i] = conj.c[2 * i];
    b.c[i] = conj.c[2 * i + 1];
  }
  fp6_mul(&a, &a, &n);
  fp6_mul(&b, &b, &n);
  for (int i = 0; i < 3; i++) {
    inv.c[2 * i] = a.c[i];
    inv.c[2 * i + 1] = b.c[i];
  }
  fp12_mul(f, &conj, &inv);
}

/* f = f^p: (sum c_i w^i)^p = sum conj(c_i) gamma_1^i w^i. */
static void fp12_frobenius(zk_fp12 *f) {
  for (int i = 0; i < 6; i++) {
    fp_neg(&f->c[i].c1);
    if (i)
      FP2_MUL(&f->c[i], &BN_FROB[i]);
  }
}

/* r = f^e for e = (p^4 - p^2 + 1) / r = e0 + e1 p + e2 p^2 + e3 p^3: one
 * square-and-multiply over the four digits at once, with the products of
 * f, f^p, f^(p^2), f^(p^3) for every subset of them in a table. */
static void fp12_hard_part(zk_fp12 *r, const zk_fp12 *f) {
  zk_fp12 table[16];
  fp12_one(&table[0]);
  table[1] = *f;
  for (int k = 1; k < 4; k++) {
    table[1 << k] = table[1 << (k - 1)];
    fp12_frobenius(&table[1 << k]);
  }
  for (int m = 3; m < 16; m++)
    if (m & (m - 1)) /* not a power of two: the product of its lowest bit and the rest */
      fp12_mul(&table[m], &table[m & (m - 1)], &table[m & -m]);
  fp12_one(r);
  int started = 0;
  for (int i = 255; i >= 0; i--) {
    int m = 0;
    for (int k = 0; k < 4; k++)
      m |= (int)((BN_HARD_EXP[k].w[i / 64] >> (i % 64)) & 1) << k;
    if (started)
      fp12_sqr(r);
    if (m) {
      if (started)
        fp12_mul(r, r, &table[m]);
      else
        *r = table[m];
      started = 1;
    }
  }
}

/* f^((p^12 - 1) / r) = ((f^(p^6 - 1))^(p^2 + 1))^((p^4 - p^2 + 1) / r) */
static void final_exponentiation(zk_fp12 *r, zk_fp12 *f) {
  zk_fp12 g;
  fp12_easy_part(f);
  g = *f;
  fp12_frobenius(&g);
  fp12_frobenius(&g);
  fp12_mul(f, f, &g);
  fp12_hard_part(r, f);
}

/* ---- G2 --------------------------------------------------------------------- */

/* Jacobian doubling on the twist (a = 0): X = x Z^2, Y = y Z^3; Z = 0 is infinity. */
typedef struct {
  zk_fp2 x, y, z;
} zk_g2j;

static void g2j_dbl(zk_g2j *q) {
  zk_fp2 a = q->x, b = q->y, c, d, e, f, t;
  if (fp2_is_zero(&q->z))
    return;
  FP2_MUL(&a, &q->x); /* A = X^2 */
  FP2_MUL(&b, &q->y); /* B = Y^2 */
  c = b;
  FP2_MUL(&c, &b); /* C = B^2 */
  d = q->x;        /* D = 2((X + B)^2 - A - C) */
  FP2_ADD(&d, &b);
  t = d;
  FP2_MUL(&d, &t);
  fp2_sub(&d, &a);
  fp2_sub(&d, &c);
  t = d;
  FP2_ADD(&d, &t);
  e = a; /* E = 3A */
  FP2_ADD(&e, &a);
  FP2_ADD(&e, &a);
  f = e; /* F = E^2 */
  FP2_MUL(&f, &e);
  FP2_MUL(&q->z, &q->y); /* Z3 = 2 Y Z */
  t = q->z;
  FP2_ADD(&q->z, &t);
  q->x = f; /* X3 = F - 2D */
  fp2_sub(&q->x, &d);
  fp2_sub(&q->x, &d);
  q->y = d; /* Y3 = E (D - X3) - 8C */
  fp2_sub(&q->y, &q->x);
  FP2_MUL(&q->y, &e);
  for (int i = 0; i < 3; i++) { /* C = 8C */
    t = c;
    FP2_ADD(&c, &t);
  }
  fp2_sub(&q->y, &c);
}

/* q = q + (x, y) (affine, not infinity), equal points and opposite points included. */
static void g2j_add_affine(zk_g2j *q, const zk_g2 *p) {
  zk_fp2 zz, u2, s2, h, r, hh, hhh, v, t;
  if (fp2_is_zero(&q->z)) {
    q->x = p->x;
    q->y = p->y;
    memset(&q->z, 0, sizeof q->z);
    q->z.c0 = ZK_ONE;
    return;
  }
  zz = q->z;
  FP2_MUL(&zz, &q->z);
  u2 = p->x;
  FP2_MUL(&u2, &zz);
  s2 = p->y;
  FP2_MUL(&s2, &zz);
  FP2_MUL(&s2, &q->z);
  h = u2;
  fp2_sub(&h, &q->x);
  r = s2;
  fp2_sub(&r, &q->y);
  if (fp2_is_zero(&h)) {
    if (fp2_is_zero(&r))
      g2j_dbl(q);
    else
      memset(&q->z, 0, sizeof q->z); /* q = -p: infinity */
    return;
  }
  hh = h;
  FP2_MUL(&hh, &h);
  hhh = hh;
  FP2_MUL(&hhh, &h);
  v = q->x;
  FP2_MUL(&v, &hh);
  t = r; /* X3 = R^2 - H^3 - 2V */
  FP2_MUL(&t, &r);
  fp2_sub(&t, &hhh);
  fp2_sub(&t, &v);
  fp2_sub(&t, &v);
  FP2_MUL(&hhh, &q->y); /* Y1 H^3 */
  FP2_MUL(&q->z, &h);   /* Z3 = Z1 H */
  q->x = t;
  q->y = v; /* Y3 = R (V - X3) - Y1 H^3 */
  fp2_sub(&q->y, &t);
  FP2_MUL(&q->y, &r);
  fp2_sub(&q->y, &hhh);
}

/* An EIP-197 G2 point: x = x1 u + x0 encoded x1 || x0, then y likewise, each
 * big-endian below p; all zero is infinity; otherwise on the twist and of
 * order r (r Q = O).  1 when valid. */
static int g2_from_be(zk_g2 *q, const uint8_t *be) {
  const zk_u256 *p = &ZK_BN254.p;
  zk_fp2 lhs, rhs;
  u256_from_be(&q->x.c1, be);
  u256_from_be(&q->x.c0, be + 32);
  u256_from_be(&q->y.c1, be + 64);
  u256_from_be(&q->y.c0, be + 96);
  if (u256_cmp(&q->x.c0, p) >= 0 || u256_cmp(&q->x.c1, p) >= 0 || u256_cmp(&q->y.c0, p) >= 0 ||
      u256_cmp(&q->y.c1, p) >= 0)
    return 0;
  q->inf = fp2_is_zero(&q->x) && fp2_is_zero(&q->y);
  if (q->inf)
    return 1;
  lhs = q->y;
  FP2_MUL(&lhs, &q->y);
  rhs = q->x;
  FP2_MUL(&rhs, &q->x);
  FP2_MUL(&rhs, &q->x);
  FP2_ADD(&rhs, &BN_TWIST_B);
  if (!fp2_eq(&lhs, &rhs))
    return 0;
  zk_g2j acc;
  memset(&acc, 0, sizeof acc);
  for (int i = 255; i >= 0; i--) {
    g2j_dbl(&acc);
    if ((ZK_BN254.n.w[i / 64] >> (i % 64)) & 1)
      g2j_add_affine(&acc, q);
  }
  return fp2_is_zero(&acc.z);
}

/* ---- the Miller loop ---------------------------------------------------------- */

/* f = f * (a yP + b xP w + c w^3): a line's value at P, scaled by a factor of
 * Fp2 (which the final exponentiation removes). */
static void mul_line(zk_fp12 *f, const zk_fp2 *a, const zk_fp2 *b, const zk_fp2 *c, const zk_point *p) {
  zk_fp12 l;
  memset(&l, 0, sizeof l);
  l.c[0] = *a;
  FMUL(&l.c[0].c0, &p->y, &ZK_BN254.p);
  FMUL(&l.c[0].c1, &p->y, &ZK_BN254.p);
  l.c[1] = *b;
  FMUL(&l.c[1].c0, &p->x, &ZK_BN254.p);
  FMUL(&l.c[1].c1, &p->x, &ZK_BN254.p);
  l.c[3] = *c;
  fp12_mul(f, f, &l);
}

/* The tangent at t = (X / Z^2, Y / Z^3), slope 3X^2 / (2YZ), times 2YZ^3:
 * 2YZ^3 yP - 3X^2 Z^2 xP w + (3X^3 - 2Y^2) w^3; then t = 2t. */
static void double_step(zk_fp12 *f, zk_g2j *t, const zk_point *p) {
  zk_fp2 x2 = t->x, z2 = t->z, a, b, c, m;
  FP2_MUL(&x2, &t->x); /* 3 X^2 */
  m = x2;
  FP2_ADD(&x2, &m);
  FP2_ADD(&x2, &m);
  FP2_MUL(&z2, &t->z);
  a = t->y; /* 2 Y Z^3 */
  FP2_ADD(&a, &t->y);
  FP2_MUL(&a, &t->z);
  FP2_MUL(&a, &z2);
  b = x2; /* -3 X^2 Z^2 */
  FP2_MUL(&b, &z2);
  fp2_neg(&b);
  c = x2; /* 3 X^3 - 2 Y^2 */
  FP2_MUL(&c, &t->x);
  m = t->y;
  FP2_MUL(&m, &t->y);
  fp2_sub(&c, &m);
  fp2_sub(&c, &m);
  mul_line(f, &a, &b, &c, p);
  g2j_dbl(t);
}

/* The chord through t and q: with H = xq Z^2 - X and R = yq Z^3 - Y its slope
 * is R / (Z H); times Z H: Z H yP - R xP w + (R xq - Z H yq) w^3; then t = t + q. */
static void add_step(zk_fp12 *f, zk_g2j *t, const zk_g2 *q, const zk_point *p) {
  zk_fp2 z2 = t->z, h = q->x, r = q->y, a, b, c, m;
  FP2_MUL(&z2, &t->z);
  FP2_MUL(&h, &z2);
  fp2_sub(&h, &t->x);
  FP2_MUL(&r, &z2);
  FP2_MUL(&r, &t->z);
  fp2_sub(&r, &t->y);
  a = t->z;
  FP2_MUL(&a, &h);
  b = r;
  fp2_neg(&b);
  c = r;
  FP2_MUL(&c, &q->x);
  m = a;
  FP2_MUL(&m, &q->y);
  fp2_sub(&c, &m);
  mul_line(f, &a, &b, &c, p);
  g2j_add_affine(t, q);
}

/* f = f * f_{T,Q}(P) for the ate loop count T (P, Q not infinity). In the loop,
 * t = k Q with 0 < k < T < r, so t is never Q, -Q or of y = 0. */
static void miller(zk_fp12 *f, const zk_point *p, const zk_g2 *q) {
  zk_fp12 g;
  zk_g2j t;
  t.x = q->x;
  t.y = q->y;
  memset(&t.z, 0, sizeof t.z);
  t.z.c0 = ZK_ONE;
  fp12_one(&g);
  for (int i = 125; i >= 0; i--) { /* bit 126 is the top bit of T */
    fp12_sqr(&g);
    double_step(&g, &t, p);
    if ((BN_ATE_LOOP.w[i / 64] >> (i % 64)) & 1)
      add_step(&g, &t, q, p);
  }
  fp12_mul(f, f, &g);
}

/* EIP-197: ZKVM_EFAIL when a G1 point fails zkvm_bn254_g1_add's checks or a
 * G2 point g2_from_be's; otherwise *verified says whether the product of the
 * pairings is 1 (true for no pairs).  Pairs with a point at infinity add 1. */
zkvm_status zkvm_bn254_pairing(const zkvm_bn254_pairing_pair *pairs, size_t num_pairs, bool *verified) {
  zk_fp12 f, r;
  int paired = 0;
  fp12_one(&f);
  for (size_t i = 0; i < num_pairs; i++) {
    zk_point p;
    zk_g2 q;
    if (!point_from_be(&ZK_BN254, &p, pairs[i].g1.data, 1) || !g2_from_be(&q, pairs[i].g2.data))
      return ZKVM_EFAIL;
    if (!point_is_inf(&p) && !q.inf) {
      miller(&f, &p, &q);
      paired = 1;
    }
  }
  if (!paired) { /* every pairing is 1 */
    *verified = true;
    return ZKVM_EOK;
  }
  final_exponentiation(&r, &f);
  *verified = fp12_is_one(&r);
  return ZKVM_EOK;
}
