/* A guest whose helpers are inlined into main at -O2: profiles built with
 * `zkaot build --debug` attribute their steps to them (tests/test_inlines.py).
 * Rebuild: zkaot build -O2 --debug main.c -o guest.elf */
#include "zkaot.h"

static inline __attribute__((always_inline)) uint32_t mix(uint32_t x) {
  for (int i = 0; i < 64; i++)
    x = (x ^ (x >> 7)) * 0x9e3779b1u + (uint32_t)i;
  return x;
}

static inline __attribute__((always_inline)) uint32_t square_sum(uint32_t n) {
  uint32_t s = 0;
  for (uint32_t i = 0; i < n; i++)
    s += mix(i) * i;
  return s;
}

int main(void) {
  uint32_t out[2];
  out[0] = square_sum(50);
  out[1] = mix(out[0]);
  write_output((const uint8_t *)out, sizeof out);
  return 0;
}
