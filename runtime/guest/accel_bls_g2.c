/*
 * The BLS12-381 G2 and pairing functions of zkvm_accelerators.h (EIP-2537's
 * G2ADD, G2MSM and PAIRING_CHECK), included by zkaot.c after accel_pairing.c,
 * whose tower, G2 and Miller loop code they use, and accel_bls.c (G1).
 */

/* ---- BLS12-381 G2 and pairing (EIP-2537) ------------------------------------------ */

#ifndef ZKAOT_SOFT_ACCEL
/* An EIP-2537 G2 point: x = x0 + x1 u as x0 || x1, then y likewise, each a
 * 48-byte big-endian coordinate below p (the standard's zkvm_bls12_381_fp2);
 * all zero is infinity; otherwise on the twist and, with `subgroup`, of order r. */
static int bls_g2_from_be(zk_g2 *q, const uint8_t *be, int subgroup) {
  const zk_tower *t = &ZK_BLS12_381_TOWER;
  memset(q, 0, sizeof *q);
  if (!fp_from_be(t, q->x.w, be) || !fp_from_be(t, q->x.w + 6, be + 48) || !fp_from_be(t, q->y.w, be + 96) ||
      !fp_from_be(t, q->y.w + 6, be + 144))
    return 0;
  return g2_check(t, q, subgroup);
}

static void bls_g2_to_be(uint8_t *be, const zk_g2 *q) {
  const zk_tower *t = &ZK_BLS12_381_TOWER;
  fp_to_be(t, be, q->x.w);
  fp_to_be(t, be + 48, q->x.w + 6);
  fp_to_be(t, be + 96, q->y.w);
  fp_to_be(t, be + 144, q->y.w + 6);
}

/* EIP-2537 G2ADD: ZKVM_EFAIL when a coordinate is >= p or a point other than
 * (0, 0) is off the twist; no subgroup check (as the EIP). */
zkvm_status zkvm_bls12_g2_add(const zkvm_bls12_381_g2_point *p1, const zkvm_bls12_381_g2_point *p2,
                              zkvm_bls12_381_g2_point *result) {
  const zk_tower *t = &ZK_BLS12_381_TOWER;
  zk_g2 a, b, sum;
  zk_g2j acc;
  if (!bls_g2_from_be(&a, p1->data, 0) || !bls_g2_from_be(&b, p2->data, 0))
    return ZKVM_EFAIL;
  g2j_set_inf(&acc);
  if (!a.inf)
    g2j_from_affine(&acc, &a);
  if (!b.inf)
    g2j_add_affine(t, &acc, &b);
  g2j_to_affine(t, &sum, &acc);
  bls_g2_to_be(result->data, &sum);
  return ZKVM_EOK;
}

/* EIP-2537 G2MSM: the sum of k_i Q_i; ZKVM_EFAIL for no pairs or a point that
 * fails the checks of add or is not of order r.  Scalars are any 256-bit
 * big-endian values. */
zkvm_status zkvm_bls12_g2_msm(const zkvm_bls12_381_g2_msm_pair *pairs, size_t num_pairs,
                              zkvm_bls12_381_g2_point *result) {
  const zk_tower *t = &ZK_BLS12_381_TOWER;
  zk_g2 q, kq, sum;
  zk_g2j acc, j;
  zk_u256 k;
  if (num_pairs == 0)
    return ZKVM_EFAIL;
  g2j_set_inf(&acc);
  for (size_t i = 0; i < num_pairs; i++) {
    if (!bls_g2_from_be(&q, pairs[i].point.data, 1))
      return ZKVM_EFAIL;
    u256_from_be(&k, pairs[i].scalar.data);
    g2_mul(t, &j, k.w, &q);
    g2j_to_affine(t, &kq, &j);
    if (!kq.inf)
      g2j_add_affine(t, &acc, &kq);
  }
  g2j_to_affine(t, &sum, &acc);
  bls_g2_to_be(result->data, &sum);
  return ZKVM_EOK;
}

/* EIP-2537 pairing check: ZKVM_EFAIL for no pairs, or a G1 or G2 point that
 * fails the checks of the MSMs (the subgroup checks included); otherwise
 * *verified says whether the product of the pairings is 1.  Pairs with a point
 * at infinity add 1. */
zkvm_status zkvm_bls12_pairing(const zkvm_bls12_381_pairing_pair *pairs, size_t num_pairs, bool *verified) {
  const zk_tower *t = &ZK_BLS12_381_TOWER;
  zk_fp12 f;
  int paired = 0;
  if (num_pairs == 0)
    return ZKVM_EFAIL;
  fp12_one(&f);
  for (size_t i = 0; i < num_pairs; i++) {
    zk_bls_point p;
    zk_g2 q;
    if (!bls_point_from_be(&p, pairs[i].g1.data, 1) || !bls_g2_from_be(&q, pairs[i].g2.data, 1))
      return ZKVM_EFAIL;
    if (!bls_is_inf(&p) && !q.inf) {
      miller(t, &f, p.x.w, p.y.w, &q);
      paired = 1;
    }
  }
  *verified = pairing_is_one(t, &f, paired);
  return ZKVM_EOK;
}
#endif /* ZKAOT_SOFT_ACCEL */
