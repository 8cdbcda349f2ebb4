/*
 * zkvm_accelerators.h: the accelerator interface of the eth-act zkVM
 * standards (c-interface-accelerators), restricted to what the zkaot guest
 * SDK implements.
 *
 * Conventions of the standard: each function returns a zkvm_status,
 * ZKVM_EOK (0) on success; fixed-size values (hashes, field elements,
 * points) are byte arrays in structs whose size is a multiple of 8 and
 * whose data is 8-byte aligned; arbitrary-size integers are big-endian
 * byte strings. Pointers must be valid; the caller owns all buffers.
 *
 * Provided (implemented in zkaot.c):
 *   zkvm_keccak256  Keccak-256 as used by Ethereum (padding 0x01..0x80);
 *                   the keccak-f[1600] permutation is the keccakf precompile.
 *   zkvm_sha256     SHA-256 (EVM precompile 0x02); the compression function
 *                   is the sha256_compress precompile.
 *   zkvm_modexp     base^exp mod modulus (EVM precompile 0x05), computed in
 *                   portable guest software (32-bit limbs, RV32 and RV64).
 *
 * Not provided yet (declared by the standard, absent here so that a guest
 * using them fails at link time rather than at run time):
 *   zkvm_secp256k1_verify, zkvm_secp256k1_ecrecover, zkvm_ripemd160,
 *   zkvm_bn254_g1_add, zkvm_bn254_g1_mul, zkvm_bn254_pairing, zkvm_blake2f,
 *   zkvm_kzg_point_eval, zkvm_bls12_g1_add, zkvm_bls12_g1_msm,
 *   zkvm_bls12_g2_add, zkvm_bls12_g2_msm, zkvm_bls12_pairing,
 *   zkvm_bls12_map_fp_to_g1, zkvm_bls12_map_fp2_to_g2, zkvm_secp256r1_verify.
 */
#ifndef ZKVM_ACCELERATORS_H
#define ZKVM_ACCELERATORS_H

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

#ifdef __cplusplus
}
#endif

#endif /* ZKVM_ACCELERATORS_H */
