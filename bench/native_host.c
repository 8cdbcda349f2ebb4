/*
 * The zkaot machine played natively on the host, so a guest's C can be timed
 * compiled with the host's cc -O2: the baseline every benchmark ratio uses.
 *
 * Build: cc -O2 -c -Dmain=guest_main -Iruntime/guest guest.c -o guest.o
 *        cc -O2 -Iruntime/guest guest.o runtime/guest/zkaot.c bench/native_host.c
 *           -Wl,--defsym=_heap_end=_heap_start+0x4000000
 * Run:   ./a.out input.bin REPS   -> prints best ns per run, exit code, output hex
 *
 * The precompiles (keccak-f, SHA-256 compression) are plain C here, as any
 * host would run them.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zkaot.h"

int guest_main(void);

char _heap_start[0x4000000]; /* _heap_end comes from --defsym */

static const uint8_t *input;
static size_t input_len;
static uint8_t output[1 << 20];
static size_t output_len;
static jmp_buf exit_jump;
static int exit_code;

void read_input(const uint8_t **buf, size_t *len) {
  *buf = input;
  *len = input_len;
}

static uint64_t rotl64(uint64_t x, int n) { return n ? (x << n) | (x >> (64 - n)) : x; }

static void keccakf(uint64_t st[25]) {
  static const uint64_t rc[24] = {
      0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
      0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
      0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
      0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
      0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
      0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};
  static const int rot[25] = {0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43,
                              25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14};
  for (int round = 0; round < 24; round++) {
    uint64_t c[5], d, b[25];
    for (int x = 0; x < 5; x++) c[x] = st[x] ^ st[x + 5] ^ st[x + 10] ^ st[x + 15] ^ st[x + 20];
    for (int x = 0; x < 5; x++) {
      d = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
      for (int y = 0; y < 25; y += 5) st[y + x] ^= d;
    }
    for (int x = 0; x < 5; x++)
      for (int y = 0; y < 5; y++) b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl64(st[x + 5 * y], rot[x + 5 * y]);
    for (int y = 0; y < 25; y += 5)
      for (int x = 0; x < 5; x++) st[y + x] = b[y + x] ^ (~b[y + (x + 1) % 5] & b[y + (x + 2) % 5]);
    st[0] ^= rc[round];
  }
}

static uint32_t rotr32(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha256_compress(uint32_t st[8], const uint8_t *block) {
  static const uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
  uint32_t w[64], v[8];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 | (uint32_t)block[4 * i + 2] << 8 | block[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = rotr32(w[i - 15], 7) ^ rotr32(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr32(w[i - 2], 17) ^ rotr32(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  memcpy(v, st, sizeof v);
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = v[7] + (rotr32(v[4], 6) ^ rotr32(v[4], 11) ^ rotr32(v[4], 25)) + ((v[4] & v[5]) ^ (~v[4] & v[6])) + k[i] + w[i];
    uint32_t t2 = (rotr32(v[0], 2) ^ rotr32(v[0], 13) ^ rotr32(v[0], 22)) + ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
    memmove(v + 1, v, 7 * sizeof *v);
    v[4] += t1;
    v[0] = t1 + t2;
  }
  for (int i = 0; i < 8; i++) st[i] += v[i];
}

long zkaot_host_ecall(long num, long a0, long a1, long a2) {
  switch (num) {
  case ZKAOT_SYS_EXIT:
    exit_code = (int)a0;
    longjmp(exit_jump, 1);
  case ZKAOT_SYS_WRITE:
    if (a0 == ZKAOT_FD_PUBLIC_OUTPUT) {
      if (output_len + (size_t)a2 > sizeof output) abort();
      memcpy(output + output_len, (const void *)a1, (size_t)a2);
      output_len += (size_t)a2;
    }
    return a2;
  case ZKAOT_SYS_KECCAKF:
    keccakf((uint64_t *)a0);
    return a0;
  case ZKAOT_SYS_SHA256_COMPRESS:
    sha256_compress((uint32_t *)a0, (const uint8_t *)a1);
    return a0;
  }
  fprintf(stderr, "native host: unknown ecall %ld\n", num);
  exit(2);
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s input.bin reps\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 2; }
  static uint8_t buf[64 << 20];
  input = buf;
  input_len = fread(buf, 1, sizeof buf, f);
  fclose(f);
  int reps = atoi(argv[2]);
  double best = 1e300;
  for (int r = 0; r < reps; r++) {
    output_len = 0;
    double t0 = now_ns();
    if (!setjmp(exit_jump)) exit_code = guest_main();
    double t = now_ns() - t0;
    if (t < best) best = t;
  }
  printf("ns %.0f\nexit %d\noutput ", best, exit_code);
  for (size_t i = 0; i < output_len; i++) printf("%02x", output[i]);
  printf("\n");
  return 0;
}
