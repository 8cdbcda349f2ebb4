/* bignum: modular exponentiation with zkvm_modexp (EVM MODEXP semantics).
 *
 * input:  u32 count, then count records of
 *           u32 base_len, base, u32 exp_len, exp, u32 mod_len, modulus
 *         (lengths little-endian, numbers big-endian)
 * output: the mod_len-byte result of each record, concatenated. */
#include "zkaot.h"
#include "zkvm_accelerators.h"

static const uint8_t *in;
static size_t left;

static int take_u32(uint32_t *v) {
  if (left < 4)
    return 0;
  *v = (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 |
       (uint32_t)in[3] << 24;
  in += 4;
  left -= 4;
  return 1;
}

static int take_bytes(const uint8_t **p, uint32_t *n) {
  if (!take_u32(n) || left < *n)
    return 0;
  *p = in;
  in += *n;
  left -= *n;
  return 1;
}

int main(void) {
  read_input(&in, &left);
  uint32_t count;
  if (!take_u32(&count))
    return 2;
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *b, *e, *m;
    uint32_t bl, el, ml;
    if (!take_bytes(&b, &bl) || !take_bytes(&e, &el) || !take_bytes(&m, &ml))
      return 2;
    uint8_t *out = malloc(ml);
    if (!out || zkvm_modexp(b, bl, e, el, m, ml, out) != ZKVM_EOK)
      return 1;
    write_output(out, ml);
  }
  return 0;
}
