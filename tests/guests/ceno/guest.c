/* A test guest for the ceno profile, written to ceno_rt's ABI: hints read from memory as
   ceno_rt's mmio.rs reads them (at _lengths_of_hints_start the data offset, the alignment and
   each hint's length, as u32; the hints from _hints_start + data offset, each padded to the
   alignment), public output committed as ceno_rt's `commit` does (the Keccak-256 digest of the
   bytes, 8 LE words, by PUB_IO_COMMIT, t0 = 0x10, a0 = the words), Keccak-256 computed with
   KECCAK_PERMUTE (t0 = 0x00010109, a0 = 25 u64 lanes, 4-byte aligned), HALT with t0 = 0 and
   the exit code in a0.  The first hint's first byte says what to do:
     e N  commit the Keccak-256 digest of each of the next N hints
     c N  commit one digest of the next N hints' bytes concatenated (ceno_rt's CommitCtx)
     x C  halt with exit code C
     w    store into the hints region;  u  the SHA_EXTEND call;  a  KECCAK_PERMUTE on a state
          that is not 4-byte aligned */
#include <stdint.h>

#define HALT 0
#define PUB_IO_COMMIT 0x10
#define KECCAK_PERMUTE 0x00010109
#define SHA_EXTEND 0x00300105
#define RATE 136

extern const uint32_t _lengths_of_hints_start[];
extern const uint8_t _hints_start[];
const char ceno_rt_marker[] = "ceno";      /* names the vendor, as a Rust guest's symbols do */
static uint32_t calls = 1;                  /* in .data: the RAM segment has bytes */

static const uint32_t *next_len;
static const uint8_t *next_data;
static uint32_t alignment;

static void ecall2(uint32_t code, uint32_t a0) {
    register uint32_t t0 __asm__("t0") = code, r0 __asm__("a0") = a0;
    __asm__ volatile("ecall" : : "r"(t0), "r"(r0) : "memory");
}

__attribute__((noreturn)) static void halt(uint32_t code) {
    ecall2(HALT, code);
    for (;;) {}
}

static const uint8_t *read_slice(uint32_t *len) {
    if (!next_len) {
        alignment = _lengths_of_hints_start[1];
        next_data = _hints_start + _lengths_of_hints_start[0];
        next_len = _lengths_of_hints_start + 2;
    }
    *len = *next_len++;
    const uint8_t *p = next_data;
    next_data += (*len + alignment - 1) / alignment * alignment;
    return p;
}

typedef struct { uint32_t words[50]; uint32_t used; } sponge;

static void clear(sponge *s) {
    for (int i = 0; i < 50; i++) ((volatile uint32_t *)s->words)[i] = 0;
    s->used = 0;
}

static void absorb(sponge *s, const uint8_t *m, uint32_t n) {
    uint8_t *b = (uint8_t *)s->words;
    for (uint32_t i = 0; i < n; i++) {
        b[s->used++] ^= m[i];
        if (s->used == RATE) {
            ecall2(KECCAK_PERMUTE, (uint32_t)s->words);
            calls++;
            s->used = 0;
        }
    }
}

static void commit_digest(sponge *s) {
    uint8_t *b = (uint8_t *)s->words;
    b[s->used] ^= 0x01;
    b[RATE - 1] ^= 0x80;
    ecall2(KECCAK_PERMUTE, (uint32_t)s->words);
    ecall2(PUB_IO_COMMIT, (uint32_t)s->words);      /* the first 8 words are the digest */
}

int main(void) {
    uint32_t len;
    __asm__ volatile("" : : "r"(ceno_rt_marker));      /* kept by --gc-sections */
    const uint8_t *command = read_slice(&len);
    uint32_t count = len > 1 ? command[1] : 0;
    sponge s;
    clear(&s);
    switch (len ? command[0] : 0) {
    case 'e':
        for (uint32_t k = 0; k < count; k++) {
            sponge one;
            clear(&one);
            const uint8_t *hint = read_slice(&len);
            absorb(&one, hint, len);
            commit_digest(&one);
        }
        return 0;
    case 'c':
        for (uint32_t k = 0; k < count; k++) {
            const uint8_t *hint = read_slice(&len);
            absorb(&s, hint, len);
        }
        commit_digest(&s);
        return 0;
    case 'x':
        halt(count);
    case 'w':
        *(volatile uint8_t *)(uintptr_t)command = 1;
        return 0;
    case 'u':
        ecall2(SHA_EXTEND, (uint32_t)s.words);
        return 0;
    case 'a':
        ecall2(KECCAK_PERMUTE, (uint32_t)s.words + 2);
        return 0;
    }
    halt(100 + calls);
}
