/* fibonacci: input u32 n (LE); output fib(n) mod 2^64 as u64 LE. */
#include "zkaot.h"

int main(void) {
  const uint8_t *in;
  size_t len;
  read_input(&in, &len);
  if (len < 4)
    return 1;
  uint32_t n = (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 |
               (uint32_t)in[3] << 24;
  uint64_t a = 0, b = 1; /* fib(0), fib(1) */
  for (uint32_t i = 0; i < n; i++) {
    uint64_t t = a + b;
    a = b;
    b = t;
  }
  uint8_t out[8];
  for (int i = 0; i < 8; i++)
    out[i] = (uint8_t)(a >> (8 * i));
  write_output(out, sizeof out);
  return 0;
}
