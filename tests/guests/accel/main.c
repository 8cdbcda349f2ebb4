/*
 * Runs the accelerator functions of zkvm_accelerators.h on the records of its
 * input and writes each result, for tests/test_accelerators.py.
 *
 * Input: records of  op (u8), length (u32 LE), payload.
 * Output per record: the zkvm_status as one byte (0 = EOK, 0xff = EFAIL), then
 * the op's result bytes (zero when the status is EFAIL).
 */
#include "zkaot.h"
#include "zkvm_accelerators.h"

enum { ECRECOVER = 1, K1_VERIFY, R1_VERIFY, BN_ADD, BN_MUL, RIPEMD160, BLAKE2F, BLAKE2B, BN_PAIRING, BLS_ADD, BLS_MSM, BLS_G2_ADD, BLS_G2_MSM, BLS_PAIRING, KZG, MAP_G1, MAP_G2, KECCAK256, SHA256, MODEXP };

static uint32_t le32(const uint8_t *p) {
  return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* BLAKE2b-512 (unkeyed) of data, block by block through zkvm_blake2f. */
static zkvm_status blake2b(const uint8_t *data, size_t len, zkvm_blake2f_state *h) {
  static const uint64_t iv[8] = {
      0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull, 0xa54ff53a5f1d36f1ull,
      0x510e527fade682d1ull, 0x9b05688c2b3e6c1full, 0x1f83d9abfb41bd6bull, 0x5be0cd19137e2179ull};
  zkvm_blake2f_message m;
  zkvm_blake2f_offset t;
  uint64_t done = 0;
  for (int i = 0; i < 8; i++) {
    uint64_t w = iv[i] ^ (i == 0 ? 0x01010040u : 0); /* digest 64, fanout 1, depth 1 */
    for (int j = 0; j < 8; j++)
      h->data[8 * i + j] = (uint8_t)(w >> (8 * j));
  }
  do {
    size_t n = len > 128 ? 128 : len;
    int last = len <= 128;
    memset(m.data, 0, 128);
    memcpy(m.data, data, n);
    done += n;
    memset(t.data, 0, 16);
    for (int j = 0; j < 8; j++)
      t.data[j] = (uint8_t)(done >> (8 * j));
    if (zkvm_blake2f(12, h, &m, &t, (uint8_t)last) != ZKVM_EOK)
      return ZKVM_EFAIL;
    data += n;
    len -= n;
    if (last)
      break;
  } while (1);
  return ZKVM_EOK;
}

static void emit(zkvm_status status, const uint8_t *out, size_t n) {
  uint8_t s = (uint8_t)status;
  write_output(&s, 1);
  if (status != ZKVM_EOK) {
    static const uint8_t zero[192];
    write_output(zero, n);
  } else {
    write_output(out, n);
  }
}

int main(void) {
  const uint8_t *in;
  size_t len;
  read_input(&in, &len);
  size_t pos = 0;
  while (pos + 5 <= len) {
    uint8_t op = in[pos];
    uint32_t n = le32(in + pos + 1);
    const uint8_t *p = in + pos + 5;
    pos += 5 + n;
    if (pos > len)
      return 2;
    union { /* aligned copies of the payload's pieces */
      struct { zkvm_secp256k1_hash h; zkvm_secp256k1_signature s; zkvm_secp256k1_pubkey k; } sig;
      struct { zkvm_bn254_g1_point a, b; zkvm_bn254_scalar k; } bn;
      struct { zkvm_blake2f_state h; zkvm_blake2f_message m; zkvm_blake2f_offset t; } b2;
    } a;
    zkvm_bytes_64 out;
    bool ok = false;
    zkvm_status st;
    switch (op) {
    case ECRECOVER:
      memcpy(a.sig.h.data, p, 32);
      memcpy(a.sig.s.data, p + 32, 64);
      st = zkvm_secp256k1_ecrecover(&a.sig.h, &a.sig.s, p[96], &out);
      emit(st, out.data, 64);
      break;
    case K1_VERIFY:
    case R1_VERIFY:
      memcpy(a.sig.h.data, p, 32);
      memcpy(a.sig.s.data, p + 32, 64);
      memcpy(a.sig.k.data, p + 96, 64);
      st = op == K1_VERIFY
               ? zkvm_secp256k1_verify(&a.sig.h, &a.sig.s, &a.sig.k, &ok)
               : zkvm_secp256r1_verify((const zkvm_secp256r1_hash *)&a.sig.h,
                                       (const zkvm_secp256r1_signature *)&a.sig.s,
                                       (const zkvm_secp256r1_pubkey *)&a.sig.k, &ok);
      out.data[0] = ok;
      emit(st, out.data, 1);
      break;
    case BN_ADD:
      memcpy(a.bn.a.data, p, 64);
      memcpy(a.bn.b.data, p + 64, 64);
      st = zkvm_bn254_g1_add(&a.bn.a, &a.bn.b, &a.bn.a); /* the result may alias an input */
      emit(st, a.bn.a.data, 64);
      break;
    case BN_MUL:
      memcpy(a.bn.a.data, p, 64);
      memcpy(a.bn.k.data, p + 64, 32);
      st = zkvm_bn254_g1_mul(&a.bn.a, &a.bn.k, (zkvm_bn254_g1_point *)&out);
      emit(st, out.data, 64);
      break;
    case KECCAK256:
      st = zkvm_keccak256(p, n, (zkvm_keccak256_hash *)&out);
      emit(st, out.data, 32);
      break;
    case SHA256:
      st = zkvm_sha256(p, n, (zkvm_sha256_hash *)&out);
      emit(st, out.data, 32);
      break;
    case MODEXP: /* base || exp || modulus, 32 bytes each: the 32-byte result */
      st = zkvm_modexp(p, 32, p + 32, 32, p + 64, 32, out.data);
      emit(st, out.data, 32);
      break;
    case RIPEMD160:
      st = zkvm_ripemd160(p, n, (zkvm_ripemd160_hash *)&out);
      emit(st, out.data, 32);
      break;
    case BLAKE2F: /* rounds (u32 BE) || h || m || t || f: EIP-152's 213 bytes */
      memcpy(a.b2.h.data, p + 4, 64);
      memcpy(a.b2.m.data, p + 68, 128);
      memcpy(a.b2.t.data, p + 196, 16);
      st = zkvm_blake2f((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3],
                        &a.b2.h, &a.b2.m, &a.b2.t, p[212]);
      emit(st, a.b2.h.data, 64);
      break;
    case BLAKE2B:
      st = blake2b(p, n, (zkvm_blake2f_state *)&out);
      emit(st, out.data, 64);
      break;
    case BN_PAIRING: /* (G1 || G2) pairs, 192 bytes each: EIP-197's input */
      if (n % 192)
        return 4;
      {
        zkvm_bn254_pairing_pair *pairs = malloc(n ? n : 1);
        memcpy(pairs, p, n);
        st = zkvm_bn254_pairing(pairs, n / 192, &ok);
      }
      out.data[0] = ok;
      emit(st, out.data, 1);
      break;
#ifndef ZKAOT_SOFT_ACCEL /* the software emulation has no BLS12-381 (docs/accelerators.md) */
    case BLS_ADD: /* two 96-byte points */
      {
        zkvm_bls12_381_g1_point *pts = malloc(192);
        zkvm_bls12_381_g1_point r;
        memcpy(pts, p, 192);
        st = zkvm_bls12_g1_add(&pts[0], &pts[1], &r);
        emit(st, r.data, 96);
      }
      break;
    case BLS_MSM: /* (point || scalar) pairs, 128 bytes each */
      if (n % 128)
        return 4;
      {
        zkvm_bls12_381_g1_msm_pair *pairs = malloc(n ? n : 1);
        zkvm_bls12_381_g1_point r;
        memcpy(pairs, p, n);
        st = zkvm_bls12_g1_msm(pairs, n / 128, &r);
        emit(st, r.data, 96);
      }
      break;
    case BLS_G2_ADD: /* two 192-byte points */
      {
        zkvm_bls12_381_g2_point *pts = malloc(384);
        zkvm_bls12_381_g2_point r;
        memcpy(pts, p, 384);
        st = zkvm_bls12_g2_add(&pts[0], &pts[1], &r);
        emit(st, r.data, 192);
      }
      break;
    case BLS_G2_MSM: /* (point || scalar) pairs, 224 bytes each */
      if (n % 224)
        return 4;
      {
        zkvm_bls12_381_g2_msm_pair *pairs = malloc(n ? n : 1);
        zkvm_bls12_381_g2_point r;
        memcpy(pairs, p, n);
        st = zkvm_bls12_g2_msm(pairs, n / 224, &r);
        emit(st, r.data, 192);
      }
      break;
    case BLS_PAIRING: /* (G1 || G2) pairs, 288 bytes each */
      if (n % 288)
        return 4;
      {
        zkvm_bls12_381_pairing_pair *pairs = malloc(n ? n : 1);
        memcpy(pairs, p, n);
        st = zkvm_bls12_pairing(pairs, n / 288, &ok);
      }
      out.data[0] = ok;
      emit(st, out.data, 1);
      break;
    case MAP_G1: /* a 48-byte field element */
      {
        zkvm_bls12_381_fp u;
        zkvm_bls12_381_g1_point r;
        memcpy(u.data, p, 48);
        st = zkvm_bls12_map_fp_to_g1(&u, &r);
        emit(st, r.data, 96);
      }
      break;
    case MAP_G2: /* a 96-byte Fp2 element */
      {
        zkvm_bls12_381_fp2 u;
        zkvm_bls12_381_g2_point r;
        memcpy(u.data, p, 96);
        st = zkvm_bls12_map_fp2_to_g2(&u, &r);
        emit(st, r.data, 192);
      }
      break;
    case KZG: /* commitment (48) || z (32) || y (32) || proof (48) */
      {
        struct { zkvm_kzg_commitment c; zkvm_kzg_field_element z, y; zkvm_kzg_proof pi; } k;
        memcpy(k.c.data, p, 48);
        memcpy(k.z.data, p + 48, 32);
        memcpy(k.y.data, p + 80, 32);
        memcpy(k.pi.data, p + 112, 48);
        st = zkvm_kzg_point_eval(&k.c, &k.z, &k.y, &k.pi, &ok);
      }
      out.data[0] = ok;
      emit(st, out.data, 1);
      break;
#endif
    default:
      return 3;
    }
  }
  return 0;
}
