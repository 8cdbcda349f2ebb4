/* Runs the soft-float library as guest code: for each case of the input, one
   zkfp_execute call, and the steps it took.
   Input: u64 n, then n cases of 6 u64: insn, fcsr, f1, f2, f3, xin.
   Output per case, 5 u64: f4, xout, fcsr, status, steps of the call. */
#include "zkaot.h"
#include "zkfp.h"

int main(void) {
  const uint8_t *in;
  size_t len;
  read_input(&in, &len);
  const uint64_t *w = (const uint64_t *)in;
  uint64_t n = w[0];
  if (len < 8 + n * 48) return 1;
  static zkfp_block blk;
  for (uint64_t i = 0; i < n; i++) {
    const uint64_t *c = w + 1 + 6 * i;
    blk.insn = c[0];
    blk.fcsr = c[1];
    blk.f[1] = c[2];
    blk.f[2] = c[3];
    blk.f[3] = c[4];
    blk.f[4] = 0;
    blk.xin = c[5];
    blk.xout = 0;
    uint64_t before = zkvm_cycle_count();
    zkfp_execute(&blk);
    uint64_t steps = zkvm_cycle_count() - before;
    uint64_t out[5] = {blk.f[4], blk.xout, blk.fcsr, blk.status, steps};
    write_output((const uint8_t *)out, sizeof out);
  }
  return 0;
}
