/*
 * Hash functions of zkvm_accelerators.h that run as guest software, included
 * by zkaot.c (one translation unit, so that guests which do not call them keep
 * their bytes):
 *
 *   zkvm_ripemd160  RIPEMD-160 (Dobbertin, Bosselaers, Preneel 1996; EVM 0x03)
 *   zkvm_blake2f    the BLAKE2b compression function F (RFC 7693 3.2; EIP-152)
 */

/* ---- RIPEMD-160 ---------------------------------------------------------- */

static const uint8_t RMD_R[80] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8,
    3, 10, 14, 4, 9, 15, 8, 1, 2, 7, 0, 6, 13, 11, 5, 12,
    1, 9, 11, 10, 0, 8, 12, 4, 13, 3, 7, 15, 14, 5, 6, 2,
    4, 0, 5, 9, 7, 12, 2, 10, 14, 1, 3, 8, 11, 6, 15, 13};
static const uint8_t RMD_RP[80] = {
    5, 14, 7, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12,
    6, 11, 3, 7, 0, 13, 5, 10, 14, 15, 8, 12, 4, 9, 1, 2,
    15, 5, 1, 3, 7, 14, 6, 9, 11, 8, 12, 2, 10, 0, 4, 13,
    8, 6, 4, 1, 3, 11, 15, 0, 5, 12, 2, 13, 9, 7, 10, 14,
    12, 15, 10, 4, 1, 5, 8, 7, 6, 2, 13, 14, 0, 3, 9, 11};
static const uint8_t RMD_S[80] = {
    11, 14, 15, 12, 5, 8, 7, 9, 11, 13, 14, 15, 6, 7, 9, 8,
    7, 6, 8, 13, 11, 9, 7, 15, 7, 12, 15, 9, 11, 7, 13, 12,
    11, 13, 6, 7, 14, 9, 13, 15, 14, 8, 13, 6, 5, 12, 7, 5,
    11, 12, 14, 15, 14, 15, 9, 8, 9, 14, 5, 6, 8, 6, 5, 12,
    9, 15, 5, 11, 6, 8, 13, 12, 5, 12, 13, 14, 11, 8, 5, 6};
static const uint8_t RMD_SP[80] = {
    8, 9, 9, 11, 13, 15, 15, 5, 7, 7, 8, 11, 14, 14, 12, 6,
    9, 13, 15, 7, 12, 8, 9, 11, 7, 7, 12, 7, 6, 15, 13, 11,
    9, 7, 15, 11, 8, 6, 6, 14, 12, 13, 5, 14, 13, 13, 7, 5,
    15, 5, 8, 11, 14, 14, 6, 14, 6, 9, 12, 9, 12, 5, 15, 8,
    8, 5, 12, 9, 12, 5, 14, 6, 8, 13, 6, 5, 15, 13, 11, 11};
static const uint32_t RMD_K[5] = {0x00000000u, 0x5a827999u, 0x6ed9eba1u, 0x8f1bbcdcu, 0xa953fd4eu};
static const uint32_t RMD_KP[5] = {0x50a28be6u, 0x5c4dd124u, 0x6d703ef3u, 0x7a6d76e9u, 0x00000000u};

static uint32_t rol32(uint32_t x, unsigned n) { return (x << n) | (x >> (32 - n)); }

/* The five boolean functions, by round (0..4). */
static uint32_t rmd_f(int round, uint32_t x, uint32_t y, uint32_t z) {
  switch (round) {
  case 0: return x ^ y ^ z;
  case 1: return (x & y) | (~x & z);
  case 2: return (x | ~y) ^ z;
  case 3: return (x & z) | (y & ~z);
  default: return x ^ (y | ~z);
  }
}

static void rmd_compress(uint32_t h[5], const uint8_t *block) {
  uint32_t x[16];
  for (int i = 0; i < 16; i++)
    x[i] = block[4 * i] | (uint32_t)block[4 * i + 1] << 8 | (uint32_t)block[4 * i + 2] << 16 |
           (uint32_t)block[4 * i + 3] << 24;
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  uint32_t ap = a, bp = b, cp = c, dp = d, ep = e, t;
  for (int j = 0; j < 80; j++) {
    int round = j / 16;
    t = rol32(a + rmd_f(round, b, c, d) + x[RMD_R[j]] + RMD_K[round], RMD_S[j]) + e;
    a = e; e = d; d = rol32(c, 10); c = b; b = t;
    t = rol32(ap + rmd_f(4 - round, bp, cp, dp) + x[RMD_RP[j]] + RMD_KP[round], RMD_SP[j]) + ep;
    ap = ep; ep = dp; dp = rol32(cp, 10); cp = bp; bp = t;
  }
  t = h[1] + c + dp;
  h[1] = h[2] + d + ep;
  h[2] = h[3] + e + ap;
  h[3] = h[4] + a + bp;
  h[4] = h[0] + b + cp;
  h[0] = t;
}

/* The 20-byte digest right-aligned in 32 bytes (the first 12 are zero), as
 * the standard's zkvm_ripemd160_hash and the EVM's output are. */
zkvm_status zkvm_ripemd160(const uint8_t *data, size_t len, zkvm_ripemd160_hash *output) {
  uint32_t h[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u};
  uint64_t bits = (uint64_t)len * 8u;
  uint8_t tail[128];
  for (; len >= 64; len -= 64, data += 64)
    rmd_compress(h, data);
  size_t n = len + 9 <= 64 ? 64 : 128; /* 0x80 byte + 8 length bytes */
  for (size_t i = 0; i < n; i++)
    tail[i] = i < len ? data[i] : 0;
  tail[len] = 0x80;
  for (size_t i = 0; i < 8; i++)
    tail[n - 8 + i] = (uint8_t)(bits >> (8 * i)); /* little-endian length */
  rmd_compress(h, tail);
  if (n == 128)
    rmd_compress(h, tail + 64);
  for (size_t i = 0; i < 12; i++)
    output->data[i] = 0;
  for (size_t i = 0; i < 20; i++)
    output->data[12 + i] = (uint8_t)(h[i / 4] >> (8 * (i % 4)));
  return ZKVM_EOK;
}

/* ---- BLAKE2f ----------------------------------------------------------------- */

static const uint64_t BLAKE2B_IV[8] = {
    0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull, 0xa54ff53a5f1d36f1ull,
    0x510e527fade682d1ull, 0x9b05688c2b3e6c1full, 0x1f83d9abfb41bd6bull, 0x5be0cd19137e2179ull};
static const uint8_t BLAKE2_SIGMA[10][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0}};

static uint64_t ror64(uint64_t x, unsigned n) { return (x >> n) | (x << (64 - n)); }

static uint64_t load_le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static void blake2_g(uint64_t *v, int a, int b, int c, int d, uint64_t x, uint64_t y) {
  v[a] = v[a] + v[b] + x;
  v[d] = ror64(v[d] ^ v[a], 32);
  v[c] = v[c] + v[d];
  v[b] = ror64(v[b] ^ v[c], 24);
  v[a] = v[a] + v[b] + y;
  v[d] = ror64(v[d] ^ v[a], 16);
  v[c] = v[c] + v[d];
  v[b] = ror64(v[b] ^ v[c], 63);
}

/* F(h, m, t, f) with `rounds` rounds (any 32-bit count, as EIP-152), h updated
 * in place; f must be 0 or 1 (EIP-152: any other final flag is an error). */
zkvm_status zkvm_blake2f(uint32_t rounds, zkvm_blake2f_state *h, const zkvm_blake2f_message *m,
                         const zkvm_blake2f_offset *t, uint8_t f) {
  uint64_t v[16], w[16], hv[8];
  if (f > 1)
    return ZKVM_EFAIL;
  for (int i = 0; i < 16; i++)
    w[i] = load_le64(m->data + 8 * i);
  for (int i = 0; i < 8; i++) {
    hv[i] = load_le64(h->data + 8 * i);
    v[i] = hv[i];
    v[i + 8] = BLAKE2B_IV[i];
  }
  v[12] ^= load_le64(t->data);
  v[13] ^= load_le64(t->data + 8);
  if (f)
    v[14] = ~v[14];
  for (uint32_t r = 0; r < rounds; r++) {
    const uint8_t *s = BLAKE2_SIGMA[r % 10];
    blake2_g(v, 0, 4, 8, 12, w[s[0]], w[s[1]]);
    blake2_g(v, 1, 5, 9, 13, w[s[2]], w[s[3]]);
    blake2_g(v, 2, 6, 10, 14, w[s[4]], w[s[5]]);
    blake2_g(v, 3, 7, 11, 15, w[s[6]], w[s[7]]);
    blake2_g(v, 0, 5, 10, 15, w[s[8]], w[s[9]]);
    blake2_g(v, 1, 6, 11, 12, w[s[10]], w[s[11]]);
    blake2_g(v, 2, 7, 8, 13, w[s[12]], w[s[13]]);
    blake2_g(v, 3, 4, 9, 14, w[s[14]], w[s[15]]);
  }
  for (int i = 0; i < 8; i++) {
    uint64_t out = hv[i] ^ v[i] ^ v[i + 8];
    for (int j = 0; j < 8; j++)
      h->data[8 * i + j] = (uint8_t)(out >> (8 * j));
  }
  return ZKVM_EOK;
}
