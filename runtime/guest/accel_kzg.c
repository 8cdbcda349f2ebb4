/*
 * The KZG point evaluation of zkvm_accelerators.h (EVM 0x0a, EIP-4844, without
 * the versioned hash, which the standard leaves to the caller), included by
 * zkaot.c after accel_pairing.c, whose BLS12-381 tower and G2 code it uses.
 *
 * It checks that the commitment C opens to y at z with the proof pi:
 * e(C - y G1, -G2) e(pi, [tau]G2 - z G2) = 1, with [tau]G2 of the mainnet
 * ceremony, the one value of the trusted setup that verification needs.
 */
#ifndef ZKAOT_SOFT_ACCEL

/* (p + 1) / 4: p = 3 mod 4, so a square's root is its power by this; (p - 1) / 2 */
static const uint64_t BLS_SQRT_EXP[6] = {0xee7fbfffffffeaabull, 0x07aaffffac54ffffull, 0xd9cc34a83dac3d89ull, 0xd91dd2e13ce144afull, 0x92c6e9ed90d2eb35ull, 0x0680447a8e5ff9a6ull};
static const zk_u384 BLS_HALF_P = {{0xdcff7fffffffd555ull, 0x0f55ffff58a9ffffull, 0xb39869507b587b12ull, 0xb23ba5c279c2895full, 0x258dd3db21a5d66bull, 0x0d0088f51cbff34dull}};
static const zk_bls_point BLS_G1 = {{{0xfb3af00adb22c6bbull, 0x6c55e83ff97a1aefull, 0xa14e3a3f171bac58ull, 0xc3688c4f9774b905ull, 0x2695638c4fa9ac0full, 0x17f1d3a73197d794ull}}, {{0x0caa232946c5e7e1ull, 0xd03cc744a2888ae4ull, 0x00db18cb2c04b3edull, 0xfcf5e095d5d00af6ull, 0xa09e30ed741d8ae4ull, 0x08b3f481e3aaa0f1ull}}};
/* the G2 generator */
static const zk_g2 BLS_G2 = {
    {{0xd48056c8c121bdb8ull, 0x0bac0326a805bbefull, 0xb4510b647ae3d177ull, 0xc6e47ad4fa403b02ull, 0x260805272dc51051ull, 0x024aa2b2f08f0a91ull, 0xe5ac7d055d042b7eull, 0x334cf11213945d57ull, 0xb5da61bbdc7f5049ull, 0x596bd0d09920b61aull, 0x7dacd3a088274f65ull, 0x13e02b6052719f60ull}},
    {{0xe193548608b82801ull, 0x923ac9cc3baca289ull, 0x6d429a695160d12cull, 0xadfd9baa8cbdd3a7ull, 0x8cc9cdc6da2e351aull, 0x0ce5d527727d6e11ull, 0xaaa9075ff05f79beull, 0x3f370d275cec1da1ull, 0x267492ab572e99abull, 0xcb3e287e85a763afull, 0x32acd2b02bc28b99ull, 0x0606c4a02ea734ccull}},
    0};
/* its negation */
static const zk_g2 BLS_MINUS_G2 = {
    {{0xd48056c8c121bdb8ull, 0x0bac0326a805bbefull, 0xb4510b647ae3d177ull, 0xc6e47ad4fa403b02ull, 0x260805272dc51051ull, 0x024aa2b2f08f0a91ull, 0xe5ac7d055d042b7eull, 0x334cf11213945d57ull, 0xb5da61bbdc7f5049ull, 0x596bd0d09920b61aull, 0x7dacd3a088274f65ull, 0x13e02b6052719f60ull}},
    {{0xd86bab79f74782aaull, 0x8c71363275a75d75ull, 0xf9ee3837a55024f7ull, 0xb679afda66c73f17ull, 0xbe51d9ef691d77bcull, 0x0d1b3cc2c7027888ull, 0x0f55f8a00fa030edull, 0xdf74f2d75467e25eull, 0x40bc3ff59f825c78ull, 0x993923066dddaf10ull, 0x186ed5061789213dull, 0x13fa4d4a0ad8b1ceull}},
    0};
/* [tau]G2 of the mainnet KZG ceremony (c-kzg-4844 trusted_setup.txt, g2 monomial 1), compressed b5bfd7dd...20c1def2 */
static const zk_g2 KZG_TAU_G2 = {
    {{0xc98edada20c1def2ull, 0x087041de621000edull, 0xa36851477ba4c60bull, 0x3926c911cceceac9ull, 0x734429b7b38608e2ull, 0x185cbfee53492714ull, 0xafaaab24f3499f72ull, 0x2914e5870cb452d2ull, 0x1009a2ce615ac53dull, 0x26187075cbfbefa8ull, 0x843bc287230af389ull, 0x15bfd7dd8cdeb128ull}},
    {{0xee689bfbbb832a99ull, 0x4ce26d105941f383ull, 0xe82451a496a9c979ull, 0x131569490e28de18ull, 0xd7d5ee8599d1fca2ull, 0x014353bdb96b626dull, 0x23048ef30d0a154full, 0x9495346f3d7ac9cdull, 0xda5ed1ba9bfa0789ull, 0xef79de09fc63671full, 0x03432fcae0181b4bull, 0x1666c54b0a325295ull}},
    0};

/* r = b^e (e of 6 words) in Fp, by square and multiply on the Fp2 precompile. */
static void bls_fp_pow(zk_u384 *r, const zk_u384 *b, const uint64_t *e) {
  memset(r, 0, sizeof *r);
  r->w[0] = 1;
  for (int i = 383; i >= 0; i--) {
    bls_fp_mul(r, r);
    if ((e[i / 64] >> (i % 64)) & 1)
      bls_fp_mul(r, b);
  }
}

/* A 48-byte compressed G1 point (the ZCash encoding: the top bit set, then the
 * infinity bit, then the bit of the larger y, then x big-endian): 1 when it is
 * infinity (the bits c0 00 .. 00 exactly) or a point of the subgroup of order r. */
static int bls_g1_decompress(zk_bls_point *p, const uint8_t *in) {
  uint8_t be[48];
  zk_u384 rhs, y2, four, neg;
  int larger = (in[0] >> 5) & 1;
  if (!(in[0] & 0x80))
    return 0;
  memcpy(be, in, 48);
  be[0] &= 0x1f;
  memset(p, 0, sizeof *p);
  if (in[0] & 0x40) { /* infinity: no other bit may be set */
    if (larger)
      return 0;
    for (int i = 0; i < 48; i++)
      if (be[i])
        return 0;
    return 1;
  }
  u384_from_be(&p->x, be);
  if (!u384_below_p(&p->x))
    return 0;
  memset(&four, 0, sizeof four);
  four.w[0] = 4;
  rhs = p->x; /* y^2 = x^3 + 4 */
  bls_fp_mul(&rhs, &p->x);
  bls_fp_mul(&rhs, &p->x);
  bls_fp_add(&rhs, &four);
  bls_fp_pow(&p->y, &rhs, BLS_SQRT_EXP);
  y2 = p->y;
  bls_fp_mul(&y2, &p->y);
  if (!u384_eq(&y2, &rhs))
    return 0;
  int is_larger = 0; /* y > (p - 1) / 2 */
  for (int i = 5; i >= 0; i--)
    if (p->y.w[i] != BLS_HALF_P.w[i]) {
      is_larger = p->y.w[i] > BLS_HALF_P.w[i];
      break;
    }
  if (is_larger != larger) { /* y = p - y (y != 0: no point of order 2) */
    uint64_t borrow = 0;
    for (int i = 0; i < 6; i++) {
      uint64_t a = BLS_P.w[i], b = p->y.w[i], d = a - b;
      neg.w[i] = d - borrow;
      borrow = (a < b) | (d < borrow);
    }
    p->y = neg;
  }
  zk_bls_point rp;
  bls_mul(&rp, &BLS_R, p);
  return bls_is_inf(&rp);
}

/* ZKVM_EFAIL when z or y is not below r or a point is not a valid compressed
 * G1 point of the subgroup (infinity allowed); otherwise *verified says
 * whether the proof opens the commitment to y at z. */
zkvm_status zkvm_kzg_point_eval(const zkvm_kzg_commitment *commitment, const zkvm_kzg_field_element *z,
                                const zkvm_kzg_field_element *y, const zkvm_kzg_proof *proof, bool *verified) {
  const zk_tower *t = &ZK_BLS12_381_TOWER;
  zk_bls_point c, pi, yg;
  zk_u256 zv, yv, rz;
  zk_g2j bj;
  zk_g2 b;
  zk_fp12 f;
  int paired = 0;
  u256_from_be(&zv, z->data);
  u256_from_be(&yv, y->data);
  if (u256_cmp(&zv, &BLS_R) >= 0 || u256_cmp(&yv, &BLS_R) >= 0)
    return ZKVM_EFAIL;
  if (!bls_g1_decompress(&c, commitment->data) || !bls_g1_decompress(&pi, proof->data))
    return ZKVM_EFAIL;
  bls_mul(&yg, &yv, &BLS_G1); /* C - y G1 */
  if (!bls_is_inf(&yg)) {
    uint64_t borrow = 0;
    for (int i = 0; i < 6; i++) {
      uint64_t a = BLS_P.w[i], v = yg.y.w[i], d = a - v;
      yg.y.w[i] = d - borrow;
      borrow = (a < v) | (d < borrow);
    }
  }
  bls_add(&c, &yg);
  u256_sub(&rz, &BLS_R, &zv); /* [tau]G2 - z G2 = [tau]G2 + (r - z) G2 */
  g2_mul(t, &bj, rz.w, &BLS_G2);
  g2j_add_affine(t, &bj, &KZG_TAU_G2);
  g2j_to_affine(t, &b, &bj);
  fp12_one(&f);
  if (!bls_is_inf(&c)) {
    miller(t, &f, c.x.w, c.y.w, &BLS_MINUS_G2);
    paired = 1;
  }
  if (!bls_is_inf(&pi) && !b.inf) {
    miller(t, &f, pi.x.w, pi.y.w, &b);
    paired = 1;
  }
  *verified = pairing_is_one(t, &f, paired);
  return ZKVM_EOK;
}

#endif /* ZKAOT_SOFT_ACCEL */
