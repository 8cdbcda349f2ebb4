/* sha256: output SHA-256(input), 32 bytes, via zkvm_sha256 (precompile 0x801). */
#include "zkaot.h"
#include "zkvm_accelerators.h"

int main(void) {
  const uint8_t *in;
  size_t len;
  read_input(&in, &len);
  zkvm_sha256_hash h;
  if (zkvm_sha256(in, len, &h) != ZKVM_EOK)
    return 1;
  write_output(h.data, sizeof h.data);
  return 0;
}
