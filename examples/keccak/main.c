/* keccak: output Keccak-256(input), 32 bytes, via zkvm_keccak256
 * (keccak-f[1600] is precompile 0x800). */
#include "zkaot.h"
#include "zkvm_accelerators.h"

int main(void) {
  const uint8_t *in;
  size_t len;
  read_input(&in, &len);
  zkvm_keccak256_hash h;
  if (zkvm_keccak256(in, len, &h) != ZKVM_EOK)
    return 1;
  write_output(h.data, sizeof h.data);
  /* An unaligned start exercises the byte-wise absorb path as well. */
  if (len > 1) {
    if (zkvm_keccak256(in + 1, len - 1, &h) != ZKVM_EOK)
      return 1;
    write_output(h.data, sizeof h.data);
  }
  return 0;
}
