/*
 * zkaot guest SDK: I/O, exit, a bump allocator and the mem* functions.
 *
 * The I/O calls follow the eth-act zkVM standards: read_input() hands out the
 * preloaded input without copying, write_output() appends to the public
 * (committed) output. Accelerators are declared in zkvm_accelerators.h.
 *
 * Link with crt0.S, zkaot.c and zkaot.ld (zkaot/build.py does this).
 */
#ifndef ZKAOT_H
#define ZKAOT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Machine contract --------------------------------------------------
 * Mirrors runtime/calls.py and runtime/memory_map.py, which are the source of
 * truth: change them there first.                                         */
#define ZKAOT_SYS_WRITE            64      /* a0 = fd, a1 = ptr, a2 = len    */
#define ZKAOT_SYS_EXIT             93      /* a0 = exit code                 */
#define ZKAOT_FD_STDOUT            1       /* console, not committed         */
#define ZKAOT_FD_STDERR            2       /* console, not committed         */
#define ZKAOT_FD_PUBLIC_OUTPUT     3       /* committed public output        */
#define ZKAOT_PRECOMPILE_BASE      0x800
#define ZKAOT_SYS_KECCAKF          0x800   /* a0 = 25 u64 lanes, 8-aligned   */
#define ZKAOT_SYS_SHA256_COMPRESS  0x801   /* a0 = u32 state[8], a1 = block  */
#define ZKAOT_SYS_CYCLE_SCOPE_START 0x810  /* a0 = name, a1 = its length     */
#define ZKAOT_SYS_CYCLE_SCOPE_END  0x811   /* a0 = name, a1 = its length     */
#define ZKAOT_SYS_CYCLE_COUNT      0x812   /* returns the steps so far in a0 */
/* Big-integer, curve and Fp2 precompiles (docs/accelerators.md): a0 = a0 op a1
 * (mod a2 for the uint256 calls), LE integers, 8-byte aligned.            */
#define ZKAOT_SYS_UINT256_MULMOD         0x820
#define ZKAOT_SYS_UINT256_ADDMOD         0x821
#define ZKAOT_SYS_SECP256K1_ADD          0x822
#define ZKAOT_SYS_SECP256K1_DOUBLE       0x823
#define ZKAOT_SYS_SECP256R1_ADD          0x824
#define ZKAOT_SYS_SECP256R1_DOUBLE       0x825
#define ZKAOT_SYS_BN254_G1_ADD           0x826
#define ZKAOT_SYS_BN254_G1_DOUBLE        0x827
#define ZKAOT_SYS_BLS12_381_G1_ADD       0x828
#define ZKAOT_SYS_BLS12_381_G1_DOUBLE    0x829
#define ZKAOT_SYS_BN254_FP2_MUL          0x82a
#define ZKAOT_SYS_BN254_FP2_ADD          0x82b
#define ZKAOT_SYS_BLS12_381_FP2_MUL      0x82c
#define ZKAOT_SYS_BLS12_381_FP2_ADD      0x82d

#define ZKAOT_INPUT_BASE           0x40000000u /* u64 LE length, then bytes  */
#define ZKAOT_RAM_BASE             0x80000000u
#define ZKAOT_ABORT_CODE           134         /* exit code of abort()       */

/* ---- Input / output ---------------------------------------------------- */

/* Points *buf at the input bytes (read-only, no copy); *len = their count. */
void read_input(const uint8_t **buf, size_t *len);

/* Appends n bytes to the public output (write to fd 3). */
void write_output(const uint8_t *p, size_t n);

/* Console output (fd 1): shown by the host, not part of the public output. */
void zkaot_write_console(const void *p, size_t n);
void zkaot_print(const char *s);               /* NUL-terminated string   */

/* printf to the console (fd 1) and into buffers: conversions d i u x X o c s
 * p %, flags - + space # 0, width and precision (or *), length modifiers hh h
 * l ll z j t. No floating point: %f %e %g %a print as written. Return the
 * number of characters (snprintf: that the whole text needs). Weak: a guest
 * may bring its own. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int putchar(int c);
int puts(const char *s);                       /* s and a newline         */

/* Raw ecall with up to three arguments; returns a0. */
long zkaot_syscall(long num, long a0, long a1, long a2);

/* ---- Region cycles ----------------------------------------------------
 * Counts the instructions retired between a start and an end with the same
 * name (the marking ecalls excluded), summed per name; `zkaot run` prints the
 * table. The console form works too: zkaot_print("cycle-tracker-start: x\n").
 * Inline, so that guests which do not use them keep their bytes.            */
static inline void zkvm_cycle_scope_start(const char *name) {
  zkaot_syscall(ZKAOT_SYS_CYCLE_SCOPE_START, (long)name, (long)__builtin_strlen(name), 0);
}
static inline void zkvm_cycle_scope_end(const char *name) {
  zkaot_syscall(ZKAOT_SYS_CYCLE_SCOPE_END, (long)name, (long)__builtin_strlen(name), 0);
}
/* The instructions retired before this call's ecall. */
static inline uint64_t zkvm_cycle_count(void) {
  return (uint64_t)zkaot_syscall(ZKAOT_SYS_CYCLE_COUNT, 0, 0, 0);
}

/* ---- Termination ------------------------------------------------------- */

void zkaot_exit(int code) __attribute__((noreturn));  /* ecall 93         */
void abort(void) __attribute__((noreturn));           /* exit code 134    */

/* ---- Memory ------------------------------------------------------------ */

/* Bump allocator over [_heap_start, _heap_end) (both set by zkaot.ld).
 * align must be a power of two. Returns NULL when the heap is exhausted.
 * Memory is never reused; free() does nothing. */
void *zkaot_alloc(size_t size, size_t align);
void *malloc(size_t size);                      /* 16-byte aligned        */
void *calloc(size_t count, size_t size);
void free(void *p);                             /* no-op                  */

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#ifdef __cplusplus
}
#endif

#endif /* ZKAOT_H */
