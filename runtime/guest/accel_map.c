/*
 * EIP-2537's MAP_FP_TO_G1 and MAP_FP2_TO_G2 (EVM 0x10, 0x11): the simplified
 * SWU map to a curve isogenous to BLS12-381 G1 (degree 11) or to G2's twist
 * (degree 3), the isogeny, and the cofactor cleared by h_eff (RFC 9380 6.6.2,
 * 6.6.3, 8.8, E.2, E.3).  Included by zkaot.c after accel_bls.c,
 * accel_pairing.c and accel_kzg.c, whose Fp, G1, tower and G2 code it uses
 * (so not in the -DZKAOT_SOFT_ACCEL build).
 */
#ifndef ZKAOT_SOFT_ACCEL

/* The 11-isogenous curve y^2 = x^3 + A' x + B' and the SSWU constant Z = 11 (RFC 9380 8.8.1) */
static const zk_u384 ISO11_A = {{0x5cf428082d584c1dull, 0x98936f8da0e0f97full, 0xd8e8981aefd881acull, 0xb0ea985383ee66a8ull, 0x3d693a02c96d4982ull, 0x00144698a3b8e943ull}};
static const zk_u384 ISO11_B = {{0xd1cc48e98e172be0ull, 0x5a23215a316ceaa5ull, 0xa0b9c14fcef35ef5ull, 0x2016c1f0f24f4070ull, 0x018b12e8753eee3bull, 0x12e2908d11688030ull}};
static const zk_u384 ISO11_Z = {{0x000000000000000bull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}};
/* The isogeny map's polynomials (RFC 9380 E.2), lowest degree first: ['x numerator', 'x denominator', 'y numerator', 'y denominator'] of [12, 11, 16, 16] coefficients */
static const int ISO11_LEN[4] = {12, 11, 16, 16};
static const zk_u384 ISO11_K[4][16] = {
    {{{0xaeac1662734649b7ull, 0x5610c2d5f2e62d6eull, 0xf2627b56cdb4e2c8ull, 0x6b303e88a2d7005full, 0xb809101dd9981585ull, 0x11a05f2b1e833340ull}},
     {{0xe834eef1b3cb83bbull, 0x4838f2a6f318c356ull, 0xf565e33c70d1e86bull, 0x7c17e75b2f6a8417ull, 0x0588bab22147a81cull, 0x17294ed3e943ab2full}},
     {{0xe0179f9dac9edcb0ull, 0x958c3e3d2a09729full, 0x6878e501ec68e25cull, 0xce032473295983e5ull, 0x1d1048c5d10a9a1bull, 0x0d54005db97678ecull}},
     {{0xc5b388641d9b6861ull, 0x5336e25ce3107193ull, 0xf1b33289f1b33083ull, 0xd7f5e4656a8dbf25ull, 0x4e0609d307e55412ull, 0x1778e7166fcc6db7ull}},
     {{0x51154ce9ac8895d9ull, 0x985a286f301e77c4ull, 0x086eeb65982fac18ull, 0x99db995a1257fb3full, 0x6642b4b3e4118e54ull, 0x0e99726a3199f443ull}},
     {{0xcd13c1c66f652983ull, 0xa0870d2dcae73d19ull, 0x9ed3ab9097e68f90ull, 0xdb3cb17dd952799bull, 0x01d1201bf7a74ab5ull, 0x1630c3250d7313ffull}},
     {{0xddd7f225a139ed84ull, 0x8da25128c1052ecaull, 0x9008e218f9c86b2aull, 0xb11586264f0f8ce1ull, 0x6a3726c38ae652bfull, 0x0d6ed6553fe44d29ull}},
     {{0x9ccb5618e3f0c88eull, 0x39b7c8f8c8f475afull, 0xa682c62ef0f27533ull, 0x356de5ab275b4db1ull, 0xe8743884d1117e53ull, 0x17b81e7701abdbe2ull}},
     {{0x6d71986a8497e317ull, 0x4fa295f296b74e95ull, 0xa2c596c928c5d1deull, 0xc43b756ce79f5574ull, 0x7b90b33563be990dull, 0x080d3cf1f9a78fc4ull}},
     {{0x7f241067be390c9eull, 0xa3190b2edc032779ull, 0x676314baf4bb1b7full, 0xdd2ecb803a0c5c99ull, 0x2e0c37515d138f22ull, 0x169b1f8e1bcfa7c4ull}},
     {{0xca67df3f1605fb7bull, 0xf69b771f8c285decull, 0xd50af36003b14866ull, 0xfa7dccdde6787f96ull, 0x72d8ec09d2565b0dull, 0x10321da079ce07e2ull}},
     {{0xa9c8ba2e8ba2d229ull, 0xc24b1b80b64d391full, 0x23c0bf1bc24c6b68ull, 0x31d79d7e22c837bcull, 0xbd1e962381edee3dull, 0x06e08c248e260e70ull}}},
    {{{0x993cf9fa40d21b1cull, 0xb558d681be343df8ull, 0x9c9588617fc8ac62ull, 0x01d5ef4ba35b48baull, 0x18b2e62f4bd3fa6full, 0x08ca8d548cff19aeull}},
     {{0xe5c8276ec82b3bffull, 0x13daa8846cb026e9ull, 0x0126c2588c48bf57ull, 0x7041e8ca0cf0800cull, 0x48b4711298e53636ull, 0x12561a5deb559c43ull}},
     {{0xfcc239ba5cb83e19ull, 0xd6a3d0967c94fedcull, 0xfca64e00b11aceacull, 0x6f89416f5a718cd1ull, 0x8137e629bff2991full, 0x0b2962fe57a3225eull}},
     {{0x130de8938dc62cd8ull, 0x4976d5243eecf5c4ull, 0x54cca8abc28d6fd0ull, 0x5b08243f16b16551ull, 0xc83aafef7c40eb54ull, 0x03425581a58ae2feull}},
     {{0x539d395b3532a21eull, 0x9bd29ba81f35781dull, 0x8d6b44e833b306daull, 0xffdfc759a12062bbull, 0x0a6f1d5f43e7a07dull, 0x13a8e162022914a8ull}},
     {{0xc02df9a29f6304a5ull, 0x7400d24bc4228f11ull, 0x0a43bcef24b8982full, 0x395735e9ce9cad4dull, 0x55390f7f0506c6e9ull, 0x0e7355f8e4e667b9ull}},
     {{0xec2574496ee84a3aull, 0xea73b3538f0de06cull, 0x4e2e073062aede9cull, 0x570f5799af53a189ull, 0x0f3e0c63e0596721ull, 0x0772caacf1693619ull}},
     {{0x11f7d99bbdcc5a5eull, 0x0fa5b9489d11e2d3ull, 0x1996e1cdf9822c58ull, 0x6e7f63c21bca68a8ull, 0x30b3f5b074cf0199ull, 0x14a7ac2a9d64a8b2ull}},
     {{0x4776ec3a79a1d641ull, 0x03826692abba4370ull, 0x74100da67f398835ull, 0xe07f8d1d7161366bull, 0x5e920b3dafc7a3ccull, 0x0a10ecf6ada54f82ull}},
     {{0x2d6384d168ecdd0aull, 0x93174e4b4b786500ull, 0x76df533978f31c15ull, 0xf682b4ee96f7d037ull, 0x476d6e3eb3a56680ull, 0x095fc13ab9e92ad4ull}},
     {{0x0000000000000001ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}}},
    {{{0xbe9845719707bb33ull, 0xcd0c7aee9b3ba3c2ull, 0x2b52af6c956543d3ull, 0x11ad138e48a86952ull, 0x259d1f094980dcfaull, 0x090d97c81ba24ee0ull}},
     {{0xe097e75a2e41c696ull, 0xd6c56711962fa8bfull, 0x0f906343eb67ad34ull, 0x1223e96c254f383dull, 0xd51036d776fb4683ull, 0x134996a104ee5811ull}},
     {{0xb8dfe240c72de1f6ull, 0xd26d521628b00523ull, 0xc344be4b91400da7ull, 0x2552e2d658a31ce2ull, 0xf4a384c86a3b4994ull, 0x00cc786baa966e66ull}},
     {{0xa6355c77b0e5f4cbull, 0xde405aba9ec61decull, 0x09e4a3ec03251cf9ull, 0xd42aa7b90eeb791cull, 0x7898751ad8746757ull, 0x01f86376e8981c21ull}},
     {{0x41b6daecf2e8fedbull, 0x2ee7f8dc099040a8ull, 0x79833fd221351adcull, 0x195536fbe3ce50b8ull, 0x5caf4fe2a21529c4ull, 0x08cc03fdefe0ff13ull}},
     {{0x99b23ab13633a5f0ull, 0x203f6326c95a8072ull, 0x76505c3d3ad5544eull, 0x74a7d0d4afadb7bdull, 0x2211e11db8f0a6a0ull, 0x16603fca40634b6aull}},
     {{0xc961f8855fe9d6f2ull, 0x47a87ac2460f415eull, 0x5231413c4d634f37ull, 0xe75bb8ca2be184cbull, 0xb2c977d027796b3cull, 0x04ab0b9bcfac1bbcull}},
     {{0xa15e4ca31870fb29ull, 0x42f64550fedfe935ull, 0xfd038da6c26c8426ull, 0x170a05bfe3bdd81full, 0xde9926bd2ca6c674ull, 0x0987c8d5333ab86full}},
     {{0x60370e577bdba587ull, 0x69d65201c78607a3ull, 0x1e8b6e6a1f20cabeull, 0x8f3abd16679dc26cull, 0xe88c9e221e4da1bbull, 0x09fc4018bd96684bull}},
     {{0x2bafaaebca731c30ull, 0x9b3f7055dd4eba6full, 0x06985e7ed1e4d43bull, 0xc42a0ca7915af6feull, 0x223abde7ada14a23ull, 0x0e1bba7a1186bdb5ull}},
     {{0xe813711ad011c132ull, 0x31bf3a5cce3fbafcull, 0xd1183e416389e610ull, 0xcd2fcbcb6caf493full, 0x0dfd0b8f1d43fb93ull, 0x19713e47937cd1beull}},
     {{0xce07c8a4d0074d8eull, 0x49d9cdf41b44d606ull, 0x2e6bfe7f911f6432ull, 0x523559b8aaf0c246ull, 0xb918c143fed2edccull, 0x18b46a908f36f6deull}},
     {{0x0d4c04f00b971ef8ull, 0x06c851c1919211f2ull, 0xc02710e807b4633full, 0x7aa7b12a3426b08eull, 0xd155096004f53f44ull, 0x0b182cac101b9399ull}},
     {{0x42d9d3f5db980133ull, 0xc6cf90ad1c232a64ull, 0x13e6632d3c40659cull, 0x757b3b080d4c1580ull, 0x72fc00ae7be315dcull, 0x0245a394ad1eca9bull}},
     {{0x866b1e715475224bull, 0x6ba1049b6579afb7ull, 0xd9ab0f5d396a7ce4ull, 0x5e673d81d7e86568ull, 0x02a159f748c4a3fcull, 0x05c129645e44cf11ull}},
     {{0x04b456be69c8b604ull, 0xb665027efec01c77ull, 0x57add4fa95af01b2ull, 0xcb181d8f84965a39ull, 0x4ea50b3b42df2eb5ull, 0x15e6be4e990f03ceull}}},
    {{{0x01479253b03663c1ull, 0x07f3688ef60c206dull, 0xeec3232b5be72e7aull, 0x601a6de578980be6ull, 0x52181140fad0eae9ull, 0x16112c4c3a9c98b2ull}},
     {{0x32f6102c2e49a03dull, 0x78a4260763529e35ull, 0xa4a10356f453e01full, 0x85c84ff731c4d59cull, 0x1a0cbd6c43c348b8ull, 0x1962d75c2381201eull}},
     {{0x1e2538b53dbf67f2ull, 0xa6757cd636f96f89ull, 0x0c35a5dd279cd2ecull, 0x78c4855551ae7f31ull, 0x6faaae7d6e8eb157ull, 0x058df3306640da27ull}},
     {{0xa8d26d98445f5416ull, 0x727364f2c28297adull, 0x123da489e726af41ull, 0xd115c5dbddbcd30eull, 0xf20d23bf89edb4d1ull, 0x16b7d288798e5395ull}},
     {{0xda39142311a5001dull, 0xa20b15dc0fd2ededull, 0x542eda0fc9dec916ull, 0xc6d19c9f0f69bbb0ull, 0xb00cc912f8228ddcull, 0x0be0e079545f43e4ull}},
     {{0x02c6477faaf9b7acull, 0x49f38db9dfa9cce2ull, 0xc5ecd87b6f0f5a64ull, 0xb70152c65550d881ull, 0x9fb266eaac783182ull, 0x08d9e5297186db2dull}},
     {{0x3d1a1399126a775cull, 0xd5fa9c01a58b1fb9ull, 0x5dd365bc400a0051ull, 0x5eecfdfa8d0cf8efull, 0xc3ba8734ace9824bull, 0x166007c08a99db2full}},
     {{0x60ee415a15812ed9ull, 0xb920f5b00801dee4ull, 0xfeb34fd206357132ull, 0xe5a4375efa1f4fd7ull, 0x03bcddfabba6ff6eull, 0x16a3ef08be3ea7eaull}},
     {{0x6b233d9d55535d4aull, 0x52cfe2f7bb924883ull, 0xabc5750c4bf39b48ull, 0xf9fb0ce4c6af5920ull, 0x1a1be54fd1d74cc4ull, 0x1866c8ed336c6123ull}},
     {{0x346ef48bb8913f55ull, 0xc7385ea3d529b35eull, 0x5308592e7ea7d4fbull, 0x3216f763e13d87bbull, 0xea820597d94a8490ull, 0x167a55cda70a6e1cull}},
     {{0x00f8b49cba8f6aa8ull, 0x71a5c29f4f830604ull, 0x0e591b36e636a5c8ull, 0x9c6dd039bb61a629ull, 0x48f010a01ad2911dull, 0x04d2f259eea405bdull}},
     {{0x9684b529e2561092ull, 0x16f968986f7ebbeaull, 0x8c0f9a88cea79135ull, 0x7f94ff8aefce42d2ull, 0xf5852c1e48c50c47ull, 0x0accbb67481d033full}},
     {{0x1e99b138573345ccull, 0x93000763e3b90ac1ull, 0x7d5ceef9a00d9b86ull, 0x543346d98adf0226ull, 0xc3613144b45f1496ull, 0x0ad6b9514c767fe3ull}},
     {{0xd1fadc1326ed06f7ull, 0x420517bd8714cc80ull, 0xcb748df27942480eull, 0xbf565b94e72927c1ull, 0x628bdd0d53cd76f2ull, 0x02660400eb2e4f3bull}},
     {{0x4415473a1d634b8full, 0x5ca2f570f1349780ull, 0x324efcd6356caa20ull, 0x71c40f65e273b853ull, 0x6b24255e0d7819c1ull, 0x0e0fa1d816ddc03eull}},
     {{0x0000000000000001ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}}},
};
static const zk_u256 BLS_H_EFF = {{0xd201000000010001ull, 0, 0, 0}}; /* 1 - x */

static void u384_sub_from_p(zk_u384 *r, const zk_u384 *a) { /* r = p - a, a < p */
  uint64_t borrow = 0;
  for (int i = 0; i < 6; i++) {
    uint64_t x = BLS_P.w[i], y = a->w[i], d = x - y;
    r->w[i] = d - borrow;
    borrow = (x < y) | (d < borrow);
  }
}

static int u384_is_zero(const zk_u384 *a) {
  return (a->w[0] | a->w[1] | a->w[2] | a->w[3] | a->w[4] | a->w[5]) == 0;
}

static void bls_fp_neg(zk_u384 *a) {
  if (!u384_is_zero(a))
    u384_sub_from_p(a, a);
}

/* a = 1 / a (0 stays 0: inv0), by Fermat. */
static void bls_fp_inv(zk_u384 *a) {
  zk_u384 e, r;
  const zk_u384 two = {{2, 0, 0, 0, 0, 0}};
  u384_sub_from_p(&e, &two); /* p - 2 */
  bls_fp_pow(&r, a, e.w);
  *a = r;
}

/* gx = x^3 + A' x + B' */
static void iso11_rhs(zk_u384 *gx, const zk_u384 *x) {
  zk_u384 ax = *x;
  *gx = *x;
  bls_fp_mul(gx, x);
  bls_fp_mul(gx, x);
  bls_fp_mul(&ax, &ISO11_A);
  bls_fp_add(gx, &ax);
  bls_fp_add(gx, &ISO11_B);
}

/* A square root of a when a is a square: 1 and *r; else 0. */
static int bls_fp_sqrt(zk_u384 *r, const zk_u384 *a) {
  zk_u384 r2;
  bls_fp_pow(r, a, BLS_SQRT_EXP);
  r2 = *r;
  bls_fp_mul(&r2, r);
  return u384_eq(&r2, a);
}

/* The polynomial k[0] + k[1] x + ... of `len` coefficients at x (Horner). */
static void iso11_poly(zk_u384 *v, const zk_u384 *k, int len, const zk_u384 *x) {
  *v = k[len - 1];
  for (int j = len - 2; j >= 0; j--) {
    bls_fp_mul(v, x);
    bls_fp_add(v, &k[j]);
  }
}

/* EIP-2537 MAP_FP_TO_G1: ZKVM_EFAIL when the element is not below p. */
zkvm_status zkvm_bls12_map_fp_to_g1(const zkvm_bls12_381_fp *field_element, zkvm_bls12_381_g1_point *result) {
  zk_u384 u, t, tv1, x1, gx1, x2, gx2, x, y, v[4], one;
  zk_bls_point p, r;
  u384_from_be(&u, field_element->data);
  if (!u384_below_p(&u))
    return ZKVM_EFAIL;
  memset(&one, 0, sizeof one);
  one.w[0] = 1;
  t = u; /* Z u^2 */
  bls_fp_mul(&t, &u);
  bls_fp_mul(&t, &ISO11_Z);
  tv1 = t; /* tv1 = 1 / (Z^2 u^4 + Z u^2) */
  bls_fp_mul(&tv1, &t);
  bls_fp_add(&tv1, &t);
  bls_fp_inv(&tv1);
  if (u384_is_zero(&tv1)) { /* x1 = B' / (Z A') */
    x1 = ISO11_Z;
    bls_fp_mul(&x1, &ISO11_A);
    bls_fp_inv(&x1);
    bls_fp_mul(&x1, &ISO11_B);
  } else { /* x1 = (-B' / A') (1 + tv1) */
    x1 = ISO11_A;
    bls_fp_inv(&x1);
    bls_fp_mul(&x1, &ISO11_B);
    bls_fp_neg(&x1);
    bls_fp_add(&tv1, &one);
    bls_fp_mul(&x1, &tv1);
  }
  iso11_rhs(&gx1, &x1);
  if (bls_fp_sqrt(&y, &gx1)) {
    x = x1;
  } else {
    x2 = x1; /* x2 = Z u^2 x1 */
    bls_fp_mul(&x2, &t);
    iso11_rhs(&gx2, &x2);
    bls_fp_sqrt(&y, &gx2); /* gx1 or gx2 is a square */
    x = x2;
  }
  if ((u.w[0] & 1) != (y.w[0] & 1)) /* sgn0(u) = sgn0(y) */
    bls_fp_neg(&y);
  for (int i = 0; i < 4; i++)
    iso11_poly(&v[i], ISO11_K[i], ISO11_LEN[i], &x);
  memset(&p, 0, sizeof p);
  if (!u384_is_zero(&v[1]) && !u384_is_zero(&v[3])) { /* a zero denominator maps to infinity */
    bls_fp_inv(&v[1]);
    bls_fp_inv(&v[3]);
    p.x = v[0];
    bls_fp_mul(&p.x, &v[1]);
    p.y = y;
    bls_fp_mul(&p.y, &v[2]);
    bls_fp_mul(&p.y, &v[3]);
  }
  bls_mul(&r, &BLS_H_EFF, &p);
  bls_point_to_be(result->data, &r);
  return ZKVM_EOK;
}

/* ---- MAP_FP2_TO_G2 ----------------------------------------------------------------
 * EIP-2537's MAP_FP2_TO_G2 (EVM 0x11): the simplified SWU map to a twist
 * 3-isogenous to G2's, the isogeny, and the cofactor cleared by h_eff
 * (RFC 9380 6.6.2, 6.6.3, 8.8.2, E.3), on the BLS12-381 tower of accel_pairing.c. */

/* The 3-isogenous twist y^2 = x^3 + A' x + B', A' = 240 u, B' = 1012 (1 + u), and the SSWU constant Z = -(2 + u) (RFC 9380 8.8.2) */
static const zk_fp2 ISO3_A = {{0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x00000000000000f0ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}};
static const zk_fp2 ISO3_B = {{0x00000000000003f4ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x00000000000003f4ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}};
static const zk_fp2 ISO3_Z = {{0xb9feffffffffaaa9ull, 0x1eabfffeb153ffffull, 0x6730d2a0f6b0f624ull, 0x64774b84f38512bfull, 0x4b1ba7b6434bacd7ull, 0x1a0111ea397fe69aull, 0xb9feffffffffaaaaull, 0x1eabfffeb153ffffull, 0x6730d2a0f6b0f624ull, 0x64774b84f38512bfull, 0x4b1ba7b6434bacd7ull, 0x1a0111ea397fe69aull}};
/* The isogeny map's polynomials (RFC 9380 E.3), lowest degree first: x numerator, x denominator, y numerator, y denominator */
static const zk_fp2 ISO3_K[4][4] = {
    {{{0x6238aaaaaaaa97d6ull, 0x5c2638e343d9c71cull, 0x88b58423c50ae15dull, 0x32c52d39fd3a042aull, 0xbb5b7a9a47d7ed85ull, 0x05c759507e8e333eull, 0x6238aaaaaaaa97d6ull, 0x5c2638e343d9c71cull, 0x88b58423c50ae15dull, 0x32c52d39fd3a042aull, 0xbb5b7a9a47d7ed85ull, 0x05c759507e8e333eull}},
     {{0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x26a9ffffffffc71aull, 0x1472aaa9cb8d5555ull, 0x9a208c6b4f20a418ull, 0x984f87adf7ae0c7full, 0x32126fced787c88full, 0x11560bf17baa99bcull}},
     {{0x26a9ffffffffc71eull, 0x1472aaa9cb8d5555ull, 0x9a208c6b4f20a418ull, 0x984f87adf7ae0c7full, 0x32126fced787c88full, 0x11560bf17baa99bcull, 0x9354ffffffffe38dull, 0x0a395554e5c6aaaaull, 0xcd104635a790520cull, 0xcc27c3d6fbd7063full, 0x190937e76bc3e447ull, 0x08ab05f8bdd54cdeull}},
     {{0x88e2aaaaaaaa5ed1ull, 0x7098e38d0f671c71ull, 0x22d6108f142b8575ull, 0xcb14b4e7f4e810aaull, 0xed6dea691f5fb614ull, 0x171d6541fa38ccfaull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}}},
    {{{0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0xb9feffffffffaa63ull, 0x1eabfffeb153ffffull, 0x6730d2a0f6b0f624ull, 0x64774b84f38512bfull, 0x4b1ba7b6434bacd7ull, 0x1a0111ea397fe69aull}},
     {{0x000000000000000cull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0xb9feffffffffaa9full, 0x1eabfffeb153ffffull, 0x6730d2a0f6b0f624ull, 0x64774b84f38512bfull, 0x4b1ba7b6434bacd7ull, 0x1a0111ea397fe69aull}},
     {{0x0000000000000001ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}},
     {{0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}}},
    {{{0x12cfc71c71c6d706ull, 0xfc8c25ebf8c92f68ull, 0xf54439d87d27e500ull, 0x0f7da5d4a07f649bull, 0x59a4c18b076d1193ull, 0x1530477c7ab4113bull, 0x12cfc71c71c6d706ull, 0xfc8c25ebf8c92f68ull, 0xf54439d87d27e500ull, 0x0f7da5d4a07f649bull, 0x59a4c18b076d1193ull, 0x1530477c7ab4113bull}},
     {{0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x6238aaaaaaaa97beull, 0x5c2638e343d9c71cull, 0x88b58423c50ae15dull, 0x32c52d39fd3a042aull, 0xbb5b7a9a47d7ed85ull, 0x05c759507e8e333eull}},
     {{0x26a9ffffffffc71cull, 0x1472aaa9cb8d5555ull, 0x9a208c6b4f20a418ull, 0x984f87adf7ae0c7full, 0x32126fced787c88full, 0x11560bf17baa99bcull, 0x9354ffffffffe38full, 0x0a395554e5c6aaaaull, 0xcd104635a790520cull, 0xcc27c3d6fbd7063full, 0x190937e76bc3e447ull, 0x08ab05f8bdd54cdeull}},
     {{0xe1b371c71c718b10ull, 0x4e79097a56dc4bd9ull, 0xb0e977c69aa27452ull, 0x761b0f37a1e26286ull, 0xfbf7043de3811ad0ull, 0x124c9ad43b6cf79bull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}}},
    {{{0xb9feffffffffa8fbull, 0x1eabfffeb153ffffull, 0x6730d2a0f6b0f624ull, 0x64774b84f38512bfull, 0x4b1ba7b6434bacd7ull, 0x1a0111ea397fe69aull, 0xb9feffffffffa8fbull, 0x1eabfffeb153ffffull, 0x6730d2a0f6b0f624ull, 0x64774b84f38512bfull, 0x4b1ba7b6434bacd7ull, 0x1a0111ea397fe69aull}},
     {{0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0xb9feffffffffa9d3ull, 0x1eabfffeb153ffffull, 0x6730d2a0f6b0f624ull, 0x64774b84f38512bfull, 0x4b1ba7b6434bacd7ull, 0x1a0111ea397fe69aull}},
     {{0x0000000000000012ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0xb9feffffffffaa99ull, 0x1eabfffeb153ffffull, 0x6730d2a0f6b0f624ull, 0x64774b84f38512bfull, 0x4b1ba7b6434bacd7ull, 0x1a0111ea397fe69aull}},
     {{0x0000000000000001ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull}}},
};
/* h_eff of G2 (RFC 9380 8.8.2), 636 bits */
#define BLS_H_EFF_G2_WORDS 10
static const uint64_t BLS_H_EFF_G2[BLS_H_EFF_G2_WORDS] = {0xe8020005aaa95551ull, 0x59894c0adebbf6b4ull, 0xe954cbc06689f6a3ull, 0x2ec0ec69d7477c1aull, 0x6d82bf015d1212b0ull, 0x329c2f178731db95ull, 0x9986ff031508ffe1ull, 0x88e2a8e9145ad768ull, 0x584c6a0ea91b3528ull, 0x0bc69f08f2ee75b3ull};
static const uint64_t BLS_P_MINUS_3_DIV_4[6] = {0xee7fbfffffffeaaaull, 0x07aaffffac54ffffull, 0xd9cc34a83dac3d89ull, 0xd91dd2e13ce144afull, 0x92c6e9ed90d2eb35ull, 0x0680447a8e5ff9a6ull};
static const uint64_t BLS_P_MINUS_1_DIV_2[6] = {0xdcff7fffffffd555ull, 0x0f55ffff58a9ffffull, 0xb39869507b587b12ull, 0xb23ba5c279c2895full, 0x258dd3db21a5d66bull, 0x0d0088f51cbff34dull};

/* r = b^e (e of 6 words) in Fp2. r must not alias b. */
static void fp2_pow(const zk_tower *t, zk_fp2 *r, const zk_fp2 *b, const uint64_t *e) {
  fp2_set_one(r);
  for (int i = 383; i >= 0; i--) {
    fp2_mul(t, r, r);
    if ((e[i / 64] >> (i % 64)) & 1)
      fp2_mul(t, r, b);
  }
}

/* A square root of a in Fp2 (p = 3 mod 4): 1 and *r when a is a square, else 0. */
static int fp2_sqrt(const zk_tower *t, zk_fp2 *r, const zk_fp2 *a) {
  zk_fp2 a1, alpha, x0, b, minus_one, check;
  fp2_pow(t, &a1, a, BLS_P_MINUS_3_DIV_4);
  fp2_copy(t, &alpha, &a1);
  fp2_mul(t, &alpha, &a1);
  fp2_mul(t, &alpha, a);
  fp2_copy(t, &x0, &a1);
  fp2_mul(t, &x0, a);
  fp2_set_one(&minus_one);
  fp2_neg(t, &minus_one);
  memset(r, 0, sizeof *r);
  if (fp2_eq(t, &alpha, &minus_one)) { /* x = u x0 = -x0.c1 + x0.c0 u */
    for (int i = 0; i < 6; i++) {
      r->w[i] = x0.w[6 + i];
      r->w[6 + i] = x0.w[i];
    }
    fp_neg(t, r->w);
  } else {
    fp2_set_one(&b);
    fp2_add(t, &alpha, &b);
    fp2_pow(t, &b, &alpha, BLS_P_MINUS_1_DIV_2);
    fp2_copy(t, r, &b);
    fp2_mul(t, r, &x0);
  }
  fp2_copy(t, &check, r);
  fp2_mul(t, &check, r);
  return fp2_eq(t, &check, a);
}

/* sgn0 of RFC 9380 4.1 for Fp2: the parity of c0, or of c1 when c0 = 0. */
static int fp2_sgn0(const zk_fp2 *x) {
  int zero0 = (x->w[0] | x->w[1] | x->w[2] | x->w[3] | x->w[4] | x->w[5]) == 0;
  return (int)(x->w[0] & 1) | (zero0 & (int)(x->w[6] & 1));
}

/* gx = x^3 + A' x + B' */
static void iso3_rhs(const zk_tower *t, zk_fp2 *gx, const zk_fp2 *x) {
  zk_fp2 ax;
  fp2_copy(t, gx, x);
  fp2_mul(t, gx, x);
  fp2_mul(t, gx, x);
  fp2_copy(t, &ax, x);
  fp2_mul(t, &ax, &ISO3_A);
  fp2_add(t, gx, &ax);
  fp2_add(t, gx, &ISO3_B);
}

/* EIP-2537 MAP_FP2_TO_G2: the element is c0 || c1 (48-byte big-endian each);
 * ZKVM_EFAIL when a coefficient is not below p. */
zkvm_status zkvm_bls12_map_fp2_to_g2(const zkvm_bls12_381_fp2 *field_element, zkvm_bls12_381_g2_point *result) {
  const zk_tower *t = &ZK_BLS12_381_TOWER;
  zk_fp2 u, zu2, tv1, x1, gx1, x2, gx2, x, y, v[4], one;
  zk_g2 q, out;
  zk_g2j r;
  memset(&u, 0, sizeof u);
  if (!fp_from_be(t, u.w, field_element->data) || !fp_from_be(t, u.w + 6, field_element->data + 48))
    return ZKVM_EFAIL;
  fp2_set_one(&one);
  fp2_copy(t, &zu2, &u); /* Z u^2 */
  fp2_mul(t, &zu2, &u);
  fp2_mul(t, &zu2, &ISO3_Z);
  fp2_copy(t, &tv1, &zu2); /* tv1 = 1 / (Z^2 u^4 + Z u^2), 0 for 0 */
  fp2_mul(t, &tv1, &zu2);
  fp2_add(t, &tv1, &zu2);
  fp2_inv(t, &tv1);
  if (fp2_is_zero(t, &tv1)) { /* x1 = B' / (Z A') */
    fp2_copy(t, &x1, &ISO3_Z);
    fp2_mul(t, &x1, &ISO3_A);
    fp2_inv(t, &x1);
    fp2_mul(t, &x1, &ISO3_B);
  } else { /* x1 = (-B' / A') (1 + tv1) */
    fp2_copy(t, &x1, &ISO3_A);
    fp2_inv(t, &x1);
    fp2_mul(t, &x1, &ISO3_B);
    fp2_neg(t, &x1);
    fp2_add(t, &tv1, &one);
    fp2_mul(t, &x1, &tv1);
  }
  iso3_rhs(t, &gx1, &x1);
  if (fp2_sqrt(t, &y, &gx1)) {
    fp2_copy(t, &x, &x1);
  } else {
    fp2_copy(t, &x2, &x1); /* x2 = Z u^2 x1; gx2 is then a square */
    fp2_mul(t, &x2, &zu2);
    iso3_rhs(t, &gx2, &x2);
    fp2_sqrt(t, &y, &gx2);
    fp2_copy(t, &x, &x2);
  }
  if (fp2_sgn0(&u) != fp2_sgn0(&y))
    fp2_neg(t, &y);
  for (int i = 0; i < 4; i++) { /* Horner, highest coefficient first */
    fp2_copy(t, &v[i], &ISO3_K[i][3]);
    for (int j = 2; j >= 0; j--) {
      fp2_mul(t, &v[i], &x);
      fp2_add(t, &v[i], &ISO3_K[i][j]);
    }
  }
  memset(&q, 0, sizeof q);
  q.inf = fp2_is_zero(t, &v[1]) || fp2_is_zero(t, &v[3]); /* a zero denominator maps to infinity */
  if (!q.inf) {
    fp2_inv(t, &v[1]);
    fp2_inv(t, &v[3]);
    fp2_copy(t, &q.x, &v[0]);
    fp2_mul(t, &q.x, &v[1]);
    fp2_copy(t, &q.y, &y);
    fp2_mul(t, &q.y, &v[2]);
    fp2_mul(t, &q.y, &v[3]);
  }
  g2_mul_words(t, &r, BLS_H_EFF_G2, BLS_H_EFF_G2_WORDS, &q);
  g2j_to_affine(t, &out, &r);
  bls_g2_to_be(result->data, &out);
  return ZKVM_EOK;
}

#endif /* ZKAOT_SOFT_ACCEL */
