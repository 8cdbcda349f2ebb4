/*
 * zkvm_accelerators.h: the accelerator interface of the eth-act zkVM
 * standards (c-interface-accelerators), as the zkaot guest SDK implements it.
 *
 * Conventions of the standard: each function returns a zkvm_status,
 * ZKVM_EOK (0) on success; fixed-size values (hashes, field elements,
 * points) are byte arrays in structs whose size is a multiple of 8 and
 * whose data is 8-byte aligned; arbitrary-size integers are big-endian
 * byte strings. Pointers must be valid; the caller owns all buffers.
 *
 * Provided (zkaot.c and the accel_*.c files it includes; docs/accelerators.md):
 *   zkvm_keccak256  Keccak-256 as used by Ethereum (padding 0x01..0x80);
 *                   the keccak-f[1600] permutation is the keccakf precompile.
 *   zkvm_sha256     SHA-256 (EVM precompile 0x02); the compression function
 *                   is the sha256_compress precompile.
 *   zkvm_modexp     base^exp mod modulus (EVM precompile 0x05), computed in
 *                   portable guest software (32-bit limbs, RV32 and RV64).
 *   zkvm_secp256k1_ecrecover, zkvm_secp256k1_verify, zkvm_secp256r1_verify,
 *   zkvm_bn254_g1_add, zkvm_bn254_g1_mul, zkvm_bn254_pairing,
 *   zkvm_bls12_g1_add, zkvm_bls12_g1_msm, zkvm_bls12_g2_add,
 *   zkvm_bls12_g2_msm, zkvm_bls12_pairing, zkvm_kzg_point_eval,
 *   zkvm_bls12_map_fp_to_g1, zkvm_bls12_map_fp2_to_g2
 *                   on the field, curve and Fp2 precompiles 0x820..0x82d.
 *   zkvm_ripemd160, zkvm_blake2f
 *                   guest software.
 *
 * All 19 functions of the standard are provided.
 */
#ifndef ZKVM_ACCELERATORS_H
#define ZKVM_ACCELERATORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes: zero is success, anything else a failure. */
typedef enum {
  ZKVM_EOK = 0,
  ZKVM_EFAIL = -1
} zkvm_status;

/* 8-byte alignment for the byte-array members below. */
#ifndef ALIGN8
#ifdef __cplusplus
#define ALIGN8 alignas(8)
#else
#define ALIGN8 _Alignas(8)
#endif
#endif

/* Fixed-size byte strings. */
typedef struct { ALIGN8 uint8_t data[16]; } zkvm_bytes_16;
typedef struct { ALIGN8 uint8_t data[32]; } zkvm_bytes_32;
typedef struct { ALIGN8 uint8_t data[48]; } zkvm_bytes_48;
typedef struct { ALIGN8 uint8_t data[64]; } zkvm_bytes_64;
typedef struct { ALIGN8 uint8_t data[96]; } zkvm_bytes_96;
typedef struct { ALIGN8 uint8_t data[128]; } zkvm_bytes_128;
typedef struct { ALIGN8 uint8_t data[192]; } zkvm_bytes_192;

/* 32-byte digests. */
typedef zkvm_bytes_32 zkvm_keccak256_hash;
typedef zkvm_bytes_32 zkvm_sha256_hash;
typedef zkvm_bytes_32 zkvm_ripemd160_hash; /* 20-byte digest, after 12 zero bytes */

/* secp256k1 and secp256r1: 32-byte hash, r || s, x || y (big-endian). */
typedef zkvm_bytes_32 zkvm_secp256k1_hash;
typedef zkvm_bytes_64 zkvm_secp256k1_signature;
typedef zkvm_bytes_64 zkvm_secp256k1_pubkey;
typedef zkvm_bytes_32 zkvm_secp256r1_hash;
typedef zkvm_bytes_64 zkvm_secp256r1_signature;
typedef zkvm_bytes_64 zkvm_secp256r1_pubkey;

/* BN254 G1: x || y, big-endian; (0, 0) is the point at infinity. */
typedef zkvm_bytes_64 zkvm_bn254_g1_point;
typedef zkvm_bytes_32 zkvm_bn254_scalar;
/* BN254 G2 (EIP-197): x = x1 u + x0 as x1 || x0, then y likewise. */
typedef zkvm_bytes_128 zkvm_bn254_g2_point;
typedef struct {
  zkvm_bn254_g1_point g1;
  zkvm_bn254_g2_point g2;
} zkvm_bn254_pairing_pair;

/* BLS12-381 G1: x || y, 48-byte big-endian coordinates (EIP-2537's 64-byte
 * field elements without their 16 zero bytes); (0, 0) is infinity. */
typedef zkvm_bytes_96 zkvm_bls12_381_g1_point;
typedef zkvm_bytes_32 zkvm_bls12_381_scalar;
typedef struct {
  zkvm_bls12_381_g1_point point;
  zkvm_bls12_381_scalar scalar;
} zkvm_bls12_381_g1_msm_pair;
typedef zkvm_bytes_48 zkvm_bls12_381_fp;
typedef zkvm_bytes_96 zkvm_bls12_381_fp2; /* c0 || c1 */
/* BLS12-381 G2: x = x0 + x1 u as x0 || x1, then y (48-byte big-endian each). */
typedef zkvm_bytes_192 zkvm_bls12_381_g2_point;
typedef struct {
  zkvm_bls12_381_g2_point point;
  zkvm_bls12_381_scalar scalar;
} zkvm_bls12_381_g2_msm_pair;
typedef struct {
  zkvm_bls12_381_g1_point g1;
  zkvm_bls12_381_g2_point g2;
} zkvm_bls12_381_pairing_pair;

/* KZG (EIP-4844): 48-byte compressed G1 points, 32-byte big-endian field elements. */
typedef zkvm_bytes_48 zkvm_kzg_commitment;
typedef zkvm_bytes_48 zkvm_kzg_proof;
typedef zkvm_bytes_32 zkvm_kzg_field_element;

/* BLAKE2f: 8 LE u64 state words, 16 LE u64 message words, 2 LE u64 offsets. */
typedef zkvm_bytes_64 zkvm_blake2f_state;
typedef zkvm_bytes_128 zkvm_blake2f_message;
typedef zkvm_bytes_16 zkvm_blake2f_offset;

/* Keccak-256 of data[0..len) written to *output. */
zkvm_status zkvm_keccak256(const uint8_t *data, size_t len,
                           zkvm_keccak256_hash *output);

/* SHA-256 of data[0..len) written to *output. */
zkvm_status zkvm_sha256(const uint8_t *data, size_t len,
                        zkvm_sha256_hash *output);

/* output[0..mod_len) = base^exp mod modulus. All three inputs are
 * big-endian byte strings of the given lengths (length 0 means the value 0);
 * the result is left-padded with zeros to exactly mod_len bytes. As in the
 * EVM: a zero modulus yields all-zero output, and 0^0 = 1. Scratch space
 * comes from the guest heap and is given back before returning; the result
 * is ZKVM_EFAIL only if the heap cannot hold it. */
zkvm_status zkvm_modexp(const uint8_t *base, size_t base_len,
                        const uint8_t *exp, size_t exp_len,
                        const uint8_t *modulus, size_t mod_len,
                        uint8_t *output);

/* RIPEMD-160 of data[0..len) (EVM precompile 0x03), guest software; the
 * 20-byte digest is written after 12 zero bytes. */
zkvm_status zkvm_ripemd160(const uint8_t *data, size_t len,
                           zkvm_ripemd160_hash *output);

/* ECDSA public key recovery (EVM precompile 0x01, the yellow paper's
 * ECDSARECOVER): ZKVM_EFAIL when recid > 1, r or s is not in [1, n-1], r is
 * not the x of a curve point, or the recovered key is infinity. The key is
 * written as x || y (the address is the last 20 bytes of its keccak256). */
zkvm_status zkvm_secp256k1_ecrecover(const zkvm_secp256k1_hash *msg,
                                     const zkvm_secp256k1_signature *sig,
                                     uint8_t recid,
                                     zkvm_secp256k1_pubkey *output);

/* ECDSA verification (SEC 1 4.1.4) on secp256k1 and on P-256 (EIP-7951):
 * *verified is true exactly when r and s are in [1, n-1], the key is a point
 * of the curve other than infinity (coordinates below p), and the signature
 * checks; high s is accepted. Always ZKVM_EOK. */
zkvm_status zkvm_secp256k1_verify(const zkvm_secp256k1_hash *msg,
                                  const zkvm_secp256k1_signature *sig,
                                  const zkvm_secp256k1_pubkey *pubkey,
                                  bool *verified);
zkvm_status zkvm_secp256r1_verify(const zkvm_secp256r1_hash *msg,
                                  const zkvm_secp256r1_signature *sig,
                                  const zkvm_secp256r1_pubkey *pubkey,
                                  bool *verified);

/* BN254 G1 addition and scalar multiplication (EVM 0x06 and 0x07, EIP-196):
 * ZKVM_EFAIL when a coordinate is >= p or a point other than (0, 0) is not on
 * the curve; the scalar is any 256-bit big-endian integer. */
zkvm_status zkvm_bn254_g1_add(const zkvm_bn254_g1_point *p1,
                              const zkvm_bn254_g1_point *p2,
                              zkvm_bn254_g1_point *result);
zkvm_status zkvm_bn254_g1_mul(const zkvm_bn254_g1_point *point,
                              const zkvm_bn254_scalar *scalar,
                              zkvm_bn254_g1_point *result);

/* The BN254 pairing check (EVM 0x08, EIP-197): *verified says whether the
 * product of the pairings e(g1, g2) is 1 (true for no pairs). ZKVM_EFAIL when a
 * G1 point fails the checks of zkvm_bn254_g1_add, or a G2 point has a
 * coordinate >= p, is off the twist or is not of order r ((0, 0) is infinity). */
zkvm_status zkvm_bn254_pairing(const zkvm_bn254_pairing_pair *pairs,
                               size_t num_pairs, bool *verified);

/* BLS12-381 G1 addition and multi-scalar multiplication (EVM 0x0b and 0x0c,
 * EIP-2537): ZKVM_EFAIL when a coordinate is >= p or a point other than
 * (0, 0) is off the curve; for the MSM also when a point is not in the
 * subgroup of order r, or there are no pairs. Scalars are any 256-bit
 * big-endian values. */
zkvm_status zkvm_bls12_g1_add(const zkvm_bls12_381_g1_point *p1,
                              const zkvm_bls12_381_g1_point *p2,
                              zkvm_bls12_381_g1_point *result);
zkvm_status zkvm_bls12_g1_msm(const zkvm_bls12_381_g1_msm_pair *pairs,
                              size_t num_pairs,
                              zkvm_bls12_381_g1_point *result);

/* BLS12-381 G2 addition and multi-scalar multiplication (EVM 0x0d and 0x0e,
 * EIP-2537), with the checks of the G1 functions on the twist
 * y^2 = x^3 + 4 (1 + u). */
zkvm_status zkvm_bls12_g2_add(const zkvm_bls12_381_g2_point *p1,
                              const zkvm_bls12_381_g2_point *p2,
                              zkvm_bls12_381_g2_point *result);
zkvm_status zkvm_bls12_g2_msm(const zkvm_bls12_381_g2_msm_pair *pairs,
                              size_t num_pairs,
                              zkvm_bls12_381_g2_point *result);

/* The BLS12-381 pairing check (EVM 0x0f, EIP-2537): *verified says whether
 * the product of the pairings is 1. ZKVM_EFAIL for no pairs, or a point that
 * fails the checks of the MSMs (subgroup checks included). */
zkvm_status zkvm_bls12_pairing(const zkvm_bls12_381_pairing_pair *pairs,
                               size_t num_pairs, bool *verified);

/* BLS12-381 map of a field element to G1 (EVM 0x10, EIP-2537): the
 * simplified SWU map, the 11-isogeny, the cofactor cleared (RFC 9380).
 * ZKVM_EFAIL when the element is not below p. */
zkvm_status zkvm_bls12_map_fp_to_g1(const zkvm_bls12_381_fp *field_element,
                                    zkvm_bls12_381_g1_point *result);

/* BLS12-381 map of an Fp2 element (c0 || c1) to G2 (EVM 0x11, EIP-2537): the
 * simplified SWU map, the 3-isogeny, the cofactor cleared (RFC 9380).
 * ZKVM_EFAIL when a coefficient is not below p. */
zkvm_status zkvm_bls12_map_fp2_to_g2(const zkvm_bls12_381_fp2 *field_element,
                                     zkvm_bls12_381_g2_point *result);

/* KZG point evaluation (EVM 0x0a, EIP-4844, without its versioned hash):
 * *verified says whether proof opens commitment to y at z, against the mainnet
 * trusted setup's [tau]G2. ZKVM_EFAIL when z or y is not below the BLS12-381
 * group order r, or a point is not a valid compressed G1 point of order r
 * (infinity, c0 00 .. 00, allowed). */
zkvm_status zkvm_kzg_point_eval(const zkvm_kzg_commitment *commitment,
                                const zkvm_kzg_field_element *z,
                                const zkvm_kzg_field_element *y,
                                const zkvm_kzg_proof *proof, bool *verified);

/* The BLAKE2b compression F (EVM 0x09, EIP-152) with `rounds` rounds, the
 * state h updated in place; ZKVM_EFAIL when f is neither 0 nor 1. */
zkvm_status zkvm_blake2f(uint32_t rounds, zkvm_blake2f_state *h,
                         const zkvm_blake2f_message *m,
                         const zkvm_blake2f_offset *t, uint8_t f);

#ifdef __cplusplus
}
#endif

#endif /* ZKVM_ACCELERATORS_H */
