/* Runs zkfp_execute on arrays of operands: f1, f2, f3 and xin in, f4 (or xout)
   and fflags out, one instruction word for the whole batch. */
#include <stdint.h>
#include "zkfp.h"

void zkfp_batch(uint32_t insn, uint64_t fcsr, int writes_x, long n, const uint64_t *a, const uint64_t *b,
                const uint64_t *c, const uint64_t *x, uint64_t *out, uint8_t *flags, uint8_t *status) {
  zkfp_block blk = {0};
  long i;
  for (i = 0; i < n; i++) {
    blk.insn = insn;
    blk.fcsr = fcsr;
    blk.f[1] = a[i];
    blk.f[2] = b[i];
    blk.f[3] = c[i];
    blk.f[4] = 0;
    blk.xin = x[i];
    blk.xout = 0;
    zkfp_execute(&blk);
    out[i] = writes_x ? blk.xout : blk.f[4];
    flags[i] = (uint8_t)(blk.fcsr & 0x1F);
    status[i] = (uint8_t)blk.status;
  }
}
