/* misaligned_atomics (rv64ima): misaligned loads and stores, and the A
 * extension (AMOs and LR/SC).
 *
 * input:  u64 seed (LE)
 * output: u64 number of misaligned accesses made, u64 FNV-1a-64 of every
 *         loaded value, the final 64-byte buffer, then one u64 per atomic
 *         result (all LE); examples/make_expected.py models each step.
 *
 * The loads and stores are inline assembly so that the compiler cannot
 * split them into byte accesses: each one is a real lh/lw/ld/sh/sw/sd at an
 * address that is not a multiple of its size (Zicclsm). */
#include "zkaot.h"

#if __riscv_xlen != 64 || !defined(__riscv_atomic)
#error "build this example for rv64ima"
#endif

static uint8_t buf[64] __attribute__((aligned(8)));
static uint64_t digest = 0xcbf29ce484222325ull; /* FNV-1a 64 */
static uint64_t results[40];
static unsigned nresults;

static void mix(uint64_t v) {
  for (int k = 0; k < 8; k++) {
    digest ^= (v >> (8 * k)) & 0xff;
    digest *= 0x100000001b3ull;
  }
}

static void record(uint64_t v) { results[nresults++] = v; }

#define LOAD(name)                                                            \
  static uint64_t name##_at(const uint8_t *p) {                               \
    long v;                                                                   \
    __asm__ volatile(#name " %0, 0(%1)" : "=r"(v) : "r"(p) : "memory");       \
    return (uint64_t)v;                                                       \
  }
LOAD(lb)
LOAD(lbu)
LOAD(lh)
LOAD(lhu)
LOAD(lw)
LOAD(lwu)
LOAD(ld)

#define STORE(name)                                                           \
  static void name##_at(uint8_t *p, uint64_t v) {                             \
    __asm__ volatile(#name " %0, 0(%1)" : : "r"(v), "r"(p) : "memory");       \
  }
STORE(sh)
STORE(sw)
STORE(sd)

/* The ops, their access sizes, in the order the model applies them. */
static uint64_t (*const loads[])(const uint8_t *) = {lb_at, lbu_at, lh_at, lhu_at,
                                                     lw_at, lwu_at, ld_at};
static const unsigned load_size[] = {1, 1, 2, 2, 4, 4, 8};

static const unsigned sd_offs[] = {1, 6, 11, 19, 28, 37};
static const unsigned sw_offs[] = {2, 7, 13, 22, 31, 45, 59};
static const unsigned sh_offs[] = {3, 15, 23, 39, 55, 61};

static uint64_t a64;
static uint32_t a32;
static int32_t s32;
static int64_t s64;

int main(void) {
  const uint8_t *in;
  size_t len;
  read_input(&in, &len);
  if (len < 8)
    return 2;
  uint64_t seed = 0;
  for (int i = 0; i < 8; i++)
    seed |= (uint64_t)in[i] << (8 * i);

  uint64_t misaligned = 0;
  for (unsigned i = 0; i < sizeof buf; i++)
    buf[i] = (uint8_t)((seed >> (8 * (i % 8))) ^ (i * 37u));

  /* every load kind at offsets 0..16: most cross a 2/4/8-byte boundary */
  for (unsigned off = 0; off <= 16; off++) {
    for (unsigned k = 0; k < sizeof loads / sizeof loads[0]; k++) {
      mix(loads[k](buf + off));
      misaligned += off % load_size[k] != 0;
    }
  }

  /* stores, then loads across what they wrote */
  const uint64_t golden = 0x9e3779b97f4a7c15ull;
  for (unsigned i = 0; i < sizeof sd_offs / sizeof sd_offs[0]; i++) {
    sd_at(buf + sd_offs[i], seed ^ (golden * (i + 1)));
    misaligned += sd_offs[i] % 8 != 0;
  }
  for (unsigned i = 0; i < sizeof sw_offs / sizeof sw_offs[0]; i++) {
    sw_at(buf + sw_offs[i], (seed >> 7) + golden * (i + 3));
    misaligned += sw_offs[i] % 4 != 0;
  }
  for (unsigned i = 0; i < sizeof sh_offs / sizeof sh_offs[0]; i++) {
    sh_at(buf + sh_offs[i], (seed >> 13) * (i + 5));
    misaligned += sh_offs[i] % 2 != 0;
  }
  for (unsigned off = 3; off + 8 <= sizeof buf; off += 5) {
    mix(ld_at(buf + off));
    misaligned += off % 8 != 0;
  }

  /* AMOs (amoadd/amoxor/amoand/amoor/amoswap/amomax/amomin, .w and .d) */
  a64 = seed;
  record(__atomic_fetch_add(&a64, 0x1111, __ATOMIC_SEQ_CST));
  record(__atomic_fetch_xor(&a64, 0xff00ff00ff00ff00ull, __ATOMIC_RELAXED));
  record(__atomic_fetch_and(&a64, ~(uint64_t)0xf0, __ATOMIC_ACQUIRE));
  record(__atomic_fetch_or(&a64, 0x8000000000000001ull, __ATOMIC_RELEASE));
  record(__atomic_exchange_n(&a64, 42, __ATOMIC_SEQ_CST));
  /* compare-and-swap: LR/SC loops */
  uint64_t expected = 42;
  record(__atomic_compare_exchange_n(&a64, &expected, 7, 0, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST));
  expected = 99;
  record(__atomic_compare_exchange_n(&a64, &expected, 8, 0, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST));
  record(expected);
  record(a64);

  a32 = (uint32_t)seed | 0x80000000u;
  record(__atomic_fetch_add(&a32, 0xffffffffu, __ATOMIC_SEQ_CST));
  record(__atomic_fetch_max(&a32, 5u, __ATOMIC_SEQ_CST)); /* amomaxu.w */
  record(__atomic_fetch_min(&a32, 5u, __ATOMIC_SEQ_CST)); /* amominu.w */
  uint32_t e32 = 5;
  record(__atomic_compare_exchange_n(&a32, &e32, 0xdeadbeefu, 0,
                                     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
  record(a32);

  s32 = -5;
  record((uint64_t)(int64_t)__atomic_fetch_max(&s32, 3, __ATOMIC_SEQ_CST));
  record((uint64_t)(int64_t)__atomic_fetch_min(&s32, -100, __ATOMIC_SEQ_CST));
  record((uint64_t)(int64_t)__atomic_exchange_n(&s32, (int32_t)seed, __ATOMIC_SEQ_CST));
  record((uint64_t)(int64_t)s32);

  s64 = (int64_t)seed;
  record((uint64_t)__atomic_fetch_min(&s64, -1, __ATOMIC_SEQ_CST)); /* amomin.d */
  record((uint64_t)__atomic_fetch_max(&s64, 1, __ATOMIC_SEQ_CST));  /* amomax.d */
  record((uint64_t)s64);

  /* explicit LR/SC: a paired SC succeeds (0), a second SC without a
   * reservation fails (nonzero, recorded as 1) and stores nothing */
  uint64_t old, rc1, rc2;
  __asm__ volatile("lr.d %0, (%3)\n\t"
                   "addi %0, %0, 1\n\t"
                   "sc.d %1, %0, (%3)\n\t"
                   "sc.d %2, %0, (%3)"
                   : "=&r"(old), "=&r"(rc1), "=&r"(rc2)
                   : "r"(&s64)
                   : "memory");
  record(rc1 != 0);
  record(rc2 != 0);
  record((uint64_t)s64);

  uint8_t out[16 + sizeof buf + 8 * sizeof results / sizeof results[0]];
  size_t n = 0;
  for (int i = 0; i < 8; i++)
    out[n++] = (uint8_t)(misaligned >> (8 * i));
  for (int i = 0; i < 8; i++)
    out[n++] = (uint8_t)(digest >> (8 * i));
  for (unsigned i = 0; i < sizeof buf; i++)
    out[n++] = buf[i];
  for (unsigned r = 0; r < nresults; r++)
    for (int i = 0; i < 8; i++)
      out[n++] = (uint8_t)(results[r] >> (8 * i));
  write_output(out, n);
  return 0;
}
