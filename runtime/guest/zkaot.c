/*
 * zkaot guest SDK library (RV32 and RV64, freestanding).
 *
 *   I/O and exit          the write and exit ecalls, see zkaot.h
 *   heap                  bump allocator over [_heap_start, _heap_end)
 *   mem*, strlen          compilers emit calls to these even freestanding
 *   zkvm_keccak256        sponge + padding here, keccak-f[1600] by the keccakf ecall
 *   zkvm_sha256           padding here, compression by the sha256_compress ecall
 *   zkvm_modexp           schoolbook bignum on 32-bit limbs (Knuth division)
 *   accel_ec.c            ecrecover, ECDSA verify, BN254 G1 (curve precompiles)
 *   accel_bls.c           BLS12-381 G1 add and MSM (curve precompiles)
 *   accel_pairing.c       the towers, G2 and pairings; the BN254 pairing check (Fp2 precompiles)
 *   accel_bls_g2.c        BLS12-381 G2 add and MSM, the BLS12-381 pairing check
 *   accel_kzg.c           KZG point evaluation (on the BLS12-381 pairing)
 *   accel_map.c           BLS12-381 map of Fp to G1
 *   accel_hash.c          RIPEMD-160, BLAKE2f (guest software)
 *
 * The ecall numbers mirror runtime/calls.py (the source of truth).
 */
#include "zkaot.h"
#include "zkvm_accelerators.h"

/* A machine word that may alias anything (for word-at-a-time loops). */
typedef unsigned long __attribute__((may_alias)) zk_word;
#define ZK_WORD sizeof(unsigned long)

/* ------------------------------------------------------------------------ */
/* ecalls                                                                   */
/* ------------------------------------------------------------------------ */

#if defined(__riscv)
static inline long zk_ecall(long num, long a0, long a1, long a2) {
  register long r_a0 __asm__("a0") = a0;
  register long r_a1 __asm__("a1") = a1;
  register long r_a2 __asm__("a2") = a2;
  register long r_a7 __asm__("a7") = num;
  __asm__ volatile("ecall"
                   : "+r"(r_a0)
                   : "r"(r_a1), "r"(r_a2), "r"(r_a7)
                   : "memory");
  return r_a0;
}
#else
/* Built for the host (bench/native_host.c), which plays the machine so that
 * benchmarks can time the same C natively. */
long zkaot_host_ecall(long num, long a0, long a1, long a2);
#define zk_ecall zkaot_host_ecall
#endif

long zkaot_syscall(long num, long a0, long a1, long a2) {
  return zk_ecall(num, a0, a1, a2);
}

/* ------------------------------------------------------------------------ */
/* I/O and termination                                                      */
/* ------------------------------------------------------------------------ */

#if defined(__riscv)
void read_input(const uint8_t **buf, size_t *len) {
  const volatile uint64_t *hdr =
      (const volatile uint64_t *)(uintptr_t)ZKAOT_INPUT_BASE;
  uint64_t n = *hdr;
  *buf = (const uint8_t *)(uintptr_t)(ZKAOT_INPUT_BASE + 8u);
  *len = (size_t)n;
}

#endif

void write_output(const uint8_t *p, size_t n) {
  zk_ecall(ZKAOT_SYS_WRITE, ZKAOT_FD_PUBLIC_OUTPUT, (long)(uintptr_t)p,
           (long)n);
}

void zkaot_write_console(const void *p, size_t n) {
  zk_ecall(ZKAOT_SYS_WRITE, ZKAOT_FD_STDOUT, (long)(uintptr_t)p, (long)n);
}

void zkaot_print(const char *s) { zkaot_write_console(s, strlen(s)); }

void zkaot_exit(int code) {
  zk_ecall(ZKAOT_SYS_EXIT, code, 0, 0);
  for (;;) {
  }
}

void abort(void) { zkaot_exit(ZKAOT_ABORT_CODE); }

/* ------------------------------------------------------------------------ */
/* Heap                                                                     */
/* ------------------------------------------------------------------------ */

extern char _heap_start[], _heap_end[]; /* zkaot.ld; on the host, the harness's arena */
static uintptr_t heap_next;             /* 0 until the first allocation */

void *zkaot_alloc(size_t size, size_t align) {
  uintptr_t end = (uintptr_t)_heap_end;
  uintptr_t p = heap_next ? heap_next : (uintptr_t)_heap_start;
  if (align == 0)
    align = 1;
  if (align & (align - 1))
    return NULL;
  p = (p + (align - 1)) & ~(uintptr_t)(align - 1);
  if (p > end || size > end - p)
    return NULL;
  heap_next = p + size;
  return (void *)p;
}

/* Scratch allocations: remember the heap top and give everything above it
 * back afterwards (only valid when nothing else allocates in between). */
static uintptr_t heap_mark(void) { return heap_next; }
static void heap_release(uintptr_t mark) { heap_next = mark; }

#if defined(__riscv) /* on the host, libc provides these */
void *malloc(size_t size) { return zkaot_alloc(size ? size : 1, 16); }

void *calloc(size_t count, size_t size) {
  if (size && count > (size_t)-1 / size)
    return NULL;
  void *p = malloc(count * size);
  if (p)
    memset(p, 0, count * size);
  return p;
}

void free(void *p) { (void)p; }

/* ------------------------------------------------------------------------ */
/* mem* and strlen                                                          */
/* ------------------------------------------------------------------------ */

void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if ((((uintptr_t)d | (uintptr_t)s) & (ZK_WORD - 1)) == 0) {
    for (; n >= ZK_WORD; n -= ZK_WORD, d += ZK_WORD, s += ZK_WORD)
      *(zk_word *)d = *(const zk_word *)s;
  }
  while (n--)
    *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if (d == s || n == 0)
    return dst;
  if (d < s) /* forward copy never overwrites unread source bytes */
    return memcpy(dst, src, n);
  /* d > s: copy backwards */
  d += n;
  s += n;
  if ((((uintptr_t)d | (uintptr_t)s) & (ZK_WORD - 1)) == 0) {
    for (; n >= ZK_WORD; n -= ZK_WORD) {
      d -= ZK_WORD;
      s -= ZK_WORD;
      *(zk_word *)d = *(const zk_word *)s;
    }
  }
  while (n--)
    *--d = *--s;
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  unsigned char *d = dst;
  unsigned char b = (unsigned char)c;
  if (n >= 2 * ZK_WORD) {
    while ((uintptr_t)d & (ZK_WORD - 1)) {
      *d++ = b;
      n--;
    }
    unsigned long w = (unsigned long)-1 / 0xff * b; /* b in every byte */
    for (; n >= ZK_WORD; n -= ZK_WORD, d += ZK_WORD)
      *(zk_word *)d = w;
  }
  while (n--)
    *d++ = b;
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y)
      return *x - *y;
  return 0;
}

size_t strlen(const char *s) {
  const char *p = s;
  while (*p)
    p++;
  return (size_t)(p - s);
}

#endif /* __riscv */

/* ------------------------------------------------------------------------ */
/* Keccak-256                                                               */
/* ------------------------------------------------------------------------ */

#define KECCAK256_RATE 136 /* bytes: 1600 - 2 * 256 bits */

static void keccakf(uint64_t st[25]) {
  zk_ecall(ZKAOT_SYS_KECCAKF, (long)(uintptr_t)st, 0, 0);
}

/* The lanes are little-endian, as is the machine: XOR bytes in directly. */
static void keccak_absorb(uint64_t st[25], const uint8_t *p) {
  if (((uintptr_t)p & (ZK_WORD - 1)) == 0) {
    zk_word *s = (zk_word *)st;
    const zk_word *w = (const zk_word *)p;
    for (size_t i = 0; i < KECCAK256_RATE / ZK_WORD; i++)
      s[i] ^= w[i];
  } else {
    uint8_t *s = (uint8_t *)st;
    for (size_t i = 0; i < KECCAK256_RATE; i++)
      s[i] ^= p[i];
  }
}

zkvm_status zkvm_keccak256(const uint8_t *data, size_t len,
                           zkvm_keccak256_hash *output) {
  uint64_t st[25] __attribute__((aligned(8)));
  uint8_t *s = (uint8_t *)st;
  for (size_t i = 0; i < 25; i++)
    st[i] = 0;
  for (; len >= KECCAK256_RATE; len -= KECCAK256_RATE, data += KECCAK256_RATE) {
    keccak_absorb(st, data);
    keccakf(st);
  }
  for (size_t i = 0; i < len; i++)
    s[i] ^= data[i];
  s[len] ^= 0x01;                /* Keccak padding (not SHA-3's 0x06) */
  s[KECCAK256_RATE - 1] ^= 0x80;
  keccakf(st);
  for (size_t i = 0; i < 32; i++)
    output->data[i] = s[i];
  return ZKVM_EOK;
}

/* ------------------------------------------------------------------------ */
/* SHA-256                                                                  */
/* ------------------------------------------------------------------------ */

static void sha256_compress(uint32_t st[8], const uint8_t *block) {
  zk_ecall(ZKAOT_SYS_SHA256_COMPRESS, (long)(uintptr_t)st,
           (long)(uintptr_t)block, 0);
}

zkvm_status zkvm_sha256(const uint8_t *data, size_t len,
                        zkvm_sha256_hash *output) {
  uint32_t st[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                    0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
  uint64_t bits = (uint64_t)len * 8u;
  uint8_t tail[128] __attribute__((aligned(8)));
  for (; len >= 64; len -= 64, data += 64)
    sha256_compress(st, data);
  size_t n = len + 9 <= 64 ? 64 : 128; /* 0x80 byte + 8 length bytes */
  for (size_t i = 0; i < n; i++)
    tail[i] = i < len ? data[i] : 0;
  tail[len] = 0x80;
  for (size_t i = 0; i < 8; i++)
    tail[n - 1 - i] = (uint8_t)(bits >> (8 * i));
  sha256_compress(st, tail);
  if (n == 128)
    sha256_compress(st, tail + 64);
  for (size_t i = 0; i < 8; i++) {
    output->data[4 * i + 0] = (uint8_t)(st[i] >> 24);
    output->data[4 * i + 1] = (uint8_t)(st[i] >> 16);
    output->data[4 * i + 2] = (uint8_t)(st[i] >> 8);
    output->data[4 * i + 3] = (uint8_t)st[i];
  }
  return ZKVM_EOK;
}

/* ------------------------------------------------------------------------ */
/* Modular exponentiation                                                   */
/* ------------------------------------------------------------------------ */
/* Numbers are little-endian arrays of 32-bit limbs. The modulus m has n
 * limbs with m[n-1] != 0. Remainders use Knuth's algorithm D on the modulus
 * shifted left by s bits so that its top limb has its high bit set.        */

typedef struct {
  size_t n;         /* limbs of the modulus */
  unsigned s;       /* normalisation shift  */
  uint32_t *vn;     /* modulus << s, n limbs */
  uint32_t *un;     /* scratch, up to 2n+1 (or base limbs + 1) limbs */
} zk_modulus;

static size_t bn_from_be(uint32_t *r, const uint8_t *b, size_t blen) {
  size_t limbs = (blen + 3) / 4;
  for (size_t i = 0; i < limbs; i++)
    r[i] = 0;
  for (size_t i = 0; i < blen; i++)
    r[i / 4] |= (uint32_t)b[blen - 1 - i] << (8 * (i % 4));
  return limbs;
}

static unsigned clz32(uint32_t x) {
  unsigned c = 0;
  while (!(x & 0x80000000u)) {
    x <<= 1;
    c++;
  }
  return c;
}

/* r[0..n) = u[0..ulen) mod m. u is left untouched. */
static void bn_rem(uint32_t *r, const uint32_t *u, size_t ulen,
                   const zk_modulus *md) {
  size_t n = md->n;
  unsigned s = md->s;
  const uint32_t *vn = md->vn;
  uint32_t *un = md->un;
  if (ulen < n) { /* already smaller than the modulus */
    for (size_t i = 0; i < n; i++)
      r[i] = i < ulen ? u[i] : 0;
    return;
  }
  /* un = u << s, ulen + 1 limbs */
  un[ulen] = (uint32_t)((uint64_t)u[ulen - 1] >> (32 - s));
  for (size_t i = ulen - 1; i > 0; i--)
    un[i] = (u[i] << s) | (uint32_t)((uint64_t)u[i - 1] >> (32 - s));
  un[0] = u[0] << s;

  if (n == 1) {
    uint64_t rem = 0;
    for (size_t i = ulen + 1; i-- > 0;)
      rem = ((rem << 32) | un[i]) % vn[0];
    r[0] = (uint32_t)rem >> s;
    return;
  }

  const uint64_t B = (uint64_t)1 << 32;
  for (size_t j = ulen - n + 1; j-- > 0;) {
    uint64_t p = ((uint64_t)un[j + n] << 32) | un[j + n - 1];
    uint64_t qhat = p / vn[n - 1];
    uint64_t rhat = p - qhat * vn[n - 1];
    while (qhat >= B || qhat * vn[n - 2] > ((rhat << 32) | un[j + n - 2])) {
      qhat--;
      rhat += vn[n - 1];
      if (rhat >= B)
        break;
    }
    /* un[j .. j+n] -= qhat * vn */
    int64_t k = 0, t;
    for (size_t i = 0; i < n; i++) {
      p = qhat * vn[i];
      t = (int64_t)un[i + j] - k - (int64_t)(p & 0xffffffffu);
      un[i + j] = (uint32_t)t;
      k = (int64_t)(p >> 32) - (t >> 32);
    }
    t = (int64_t)un[j + n] - k;
    un[j + n] = (uint32_t)t;
    if (t < 0) { /* qhat was one too large: add vn back */
      uint64_t c = 0;
      for (size_t i = 0; i < n; i++) {
        uint64_t sum = (uint64_t)un[i + j] + vn[i] + c;
        un[i + j] = (uint32_t)sum;
        c = sum >> 32;
      }
      un[j + n] += (uint32_t)c;
    }
  }
  /* remainder = un[0..n) >> s */
  for (size_t i = 0; i + 1 < n; i++)
    r[i] = (un[i] >> s) | (uint32_t)(((uint64_t)un[i + 1] << (32 - s)));
  r[n - 1] = un[n - 1] >> s;
}

/* r = a * b mod m; t is scratch of 2n limbs. r may alias a or b. */
static void bn_mulmod(uint32_t *r, const uint32_t *a, const uint32_t *b,
                      uint32_t *t, const zk_modulus *md) {
  size_t n = md->n;
  for (size_t i = 0; i < 2 * n; i++)
    t[i] = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t ai = a[i], carry = 0;
    if (!ai)
      continue;
    for (size_t j = 0; j < n; j++) {
      uint64_t p = ai * b[j] + t[i + j] + carry;
      t[i + j] = (uint32_t)p;
      carry = p >> 32;
    }
    t[i + n] = (uint32_t)carry;
  }
  bn_rem(r, t, 2 * n, md);
}

zkvm_status zkvm_modexp(const uint8_t *base, size_t base_len,
                        const uint8_t *exp, size_t exp_len,
                        const uint8_t *modulus, size_t mod_len,
                        uint8_t *output) {
  /* Leading zero bytes do not change the values. */
  const uint8_t *mb = modulus;
  size_t mlen = mod_len;
  while (mlen && !*mb) {
    mb++;
    mlen--;
  }
  while (base_len && !*base) {
    base++;
    base_len--;
  }
  while (exp_len && !*exp) {
    exp++;
    exp_len--;
  }
  if (mlen == 0) { /* modulus 0: the result is 0 */
    for (size_t i = 0; i < mod_len; i++)
      output[i] = 0;
    return ZKVM_EOK;
  }

  size_t n = (mlen + 3) / 4;
  size_t bl = (base_len + 3) / 4;
  size_t unl = (bl > 2 * n ? bl : 2 * n) + 1;
  uintptr_t mark = heap_mark();
  uint32_t *mem = zkaot_alloc(sizeof(uint32_t) * (6 * n + bl + unl), 8);
  if (!mem)
    return ZKVM_EFAIL;
  uint32_t *m = mem, *vn = m + n, *b = vn + n, *acc = b + n, *t = acc + n,
           *bv = t + 2 * n, *un = bv + bl;

  bn_from_be(m, mb, mlen);
  zk_modulus md = {n, clz32(m[n - 1]), vn, un};
  for (size_t i = n - 1; i > 0; i--)
    vn[i] = (m[i] << md.s) | (uint32_t)((uint64_t)m[i - 1] >> (32 - md.s));
  vn[0] = m[0] << md.s;

  bn_from_be(bv, base, base_len);
  bn_rem(b, bv, bl, &md); /* b = base mod m */
  acc[0] = 1;
  bn_rem(acc, acc, 1, &md); /* 1 mod m (0 when m == 1) */

  int started = 0;
  for (size_t i = 0; i < exp_len; i++) {
    for (int bit = 7; bit >= 0; bit--) {
      if (started)
        bn_mulmod(acc, acc, acc, t, &md);
      if ((exp[i] >> bit) & 1) {
        if (started) {
          bn_mulmod(acc, acc, b, t, &md);
        } else {
          for (size_t k = 0; k < n; k++)
            acc[k] = b[k];
          started = 1;
        }
      }
    }
  }

  /* output may alias an input: it is written only now */
  for (size_t i = 0; i < mod_len; i++)
    output[mod_len - 1 - i] =
        i / 4 < n ? (uint8_t)(acc[i / 4] >> (8 * (i % 4))) : 0;
  heap_release(mark);
  return ZKVM_EOK;
}

/* ------------------------------------------------------------------------ */
/* The other accelerators: files of their own, one translation unit with     */
/* this one (a new object would change every guest's symbol table).          */
/* ------------------------------------------------------------------------ */

#include "accel_ec.c"
#include "accel_bls.c"
#include "accel_pairing.c"
#include "accel_bls_g2.c"
#include "accel_kzg.c"
#include "accel_map.c"
#include "accel_hash.c"
