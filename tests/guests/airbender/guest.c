/* A test guest for the airbender profile, written to riscv_common's ABI: input words read
   from CSR 0x7c0 (`csrrw rd, 0x7c0, x0`), console text written to it in the QuasiUART's
   protocol, BLAKE2s by the round delegation on CSR 0x7c7, the result in x10..x17 at the jump
   to itself (start.S).  The first input word says what to do:
     1  read n, then n words: the result is n and the first 7 words (0 past the input's end)
     2  read a length in bytes and the message's words: the result is its BLAKE2s-256 digest
     3  print "hello from airbender" on the QuasiUART, result 3
     4  zksync_os_finish_error (csrrw x0, cycle, x0)
     5  read and write CSR 0x7c0 in one instruction
     6  write CSR 0x7c9, which zkaot does not have
     7  a blake2s round on a state that is not 128-byte aligned */
#include <stdint.h>

static uint32_t read_word(void) {
    uint32_t w;
    __asm__ volatile("csrrw %0, 0x7c0, x0" : "=r"(w));
    return w;
}

static void write_word(uint32_t w) { __asm__ volatile("csrrw x0, 0x7c0, %0" : : "r"(w)); }

static void print(const char *s) {
    uint32_t len = 0;
    while (s[len]) len++;
    write_word(0xffffffffu);                /* QuasiUART: hello, word count, byte length, words */
    write_word((len + 3) / 4 + 1);
    write_word(len);
    for (uint32_t i = 0; i < len; i += 4) {
        uint32_t w = 0;
        for (uint32_t j = 0; j < 4 && i + j < len; j++) w |= (uint32_t)(uint8_t)s[i + j] << (8 * j);
        write_word(w);
    }
}

static const uint32_t IV[8] = {0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
                               0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19};
static uint32_t state[24] __attribute__((aligned(128)));      /* h, then the 16-word working vector */
static uint32_t block[16];
static uint32_t message[256];
static uint32_t result[8];

static void blake2s_round(uint32_t *st, uint32_t round, uint32_t control) {
    register uint32_t a0 __asm__("a0") = (uint32_t)st;
    register uint32_t a1 __asm__("a1") = (uint32_t)block;
    register uint32_t a2 __asm__("a2") = 1u << round;
    register uint32_t a3 __asm__("a3") = control;
    __asm__ volatile("csrrw x0, 0x7c7, x0" : : "r"(a0), "r"(a1), "r"(a2), "r"(a3) : "memory");
}

static void blake2s(const uint8_t *m, uint32_t len, uint32_t *st) {
    for (int i = 0; i < 8; i++) st[i] = IV[i];
    st[0] ^= 0x01010020;                    /* no key, a 32-byte digest */
    uint32_t done = 0;
    for (;;) {
        uint32_t n = len - done > 64 ? 64 : len - done;
        int last = done + n == len;
        for (uint32_t i = 0; i < 16; i++) block[i] = 0;
        for (uint32_t i = 0; i < n; i++) ((uint8_t *)block)[i] = m[done + i];
        done += n;
        st[8 + 12] = IV[4] ^ done;          /* the byte counter; the round sets words 13 and 15 */
        st[8 + 14] = IV[6] ^ (last ? 0xffffffffu : 0);
        for (uint32_t r = 0; r < 10; r++) blake2s_round(st, r, r == 9 ? 1 : 0);
        if (last) return;
    }
}

uint32_t *main(void) {
    uint32_t command = read_word();
    switch (command) {
    case 1: {
        uint32_t n = read_word();
        result[0] = n;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t w = read_word();
            if (i < 7) result[i + 1] = w;
        }
        break;
    }
    case 2: {
        uint32_t len = read_word();
        if (len > sizeof message) len = sizeof message;
        for (uint32_t i = 0; i < (len + 3) / 4; i++) message[i] = read_word();
        blake2s((const uint8_t *)message, len, state);
        for (int i = 0; i < 8; i++) result[i] = state[i];
        break;
    }
    case 3:
        print("hello from airbender");
        result[0] = 3;
        break;
    case 4:
        __asm__ volatile("csrrw x0, cycle, x0");
        break;
    case 5: {
        uint32_t w = 7;
        __asm__ volatile("csrrw %0, 0x7c0, %0" : "+r"(w));
        result[0] = w;
        break;
    }
    case 6:
        __asm__ volatile("csrrw x0, 0x7c9, %0" : : "r"(command));
        break;
    case 7:
        blake2s_round(state + 1, 0, 0);
        break;
    }
    return result;
}
