/* A test guest for the openvm profile, written to OpenVM's custom-0 ABI
   (extensions/rv32im/guest/src/lib.rs, io.rs; the keccak256 and sha256 extensions of
   OpenVM 1.x).  Each input vector is read as openvm::io::read_vec does: HintInput, the
   length by HINT_STOREW, the bytes by HINT_BUFFER.  The first vector says what to do
   (byte 0) and how many vectors follow (byte 1):
     e  read the vectors, reveal the first 32 bytes of them all, print how many on stdout
     k  reveal keccak256 of the next vector     s  reveal sha256 of the next vector
     f  KECCAKF (the development branch's form: rs1 = rs2 = x0) on the next vector (200
        bytes), reveal its first 32 bytes
     r  reveal 8 words of HintRandom            z  csrrw x0, 0x7c0, x0 (a no-op), reveal 1
     w  HINT_BUFFER of more words than the hint stream holds
     m  read one vector more than there are     c  ecall
     v  REVEAL past the 32 public-value bytes   l  PHANTOM HintLoadByKey
     u  an int256 instruction (custom-0 funct3 5), which zkaot does not have
     x  TERMINATE with exit code 7            t  TERMINATE with 300, which is no byte */
#include <stdint.h>

#define CUSTOM0 0x0b

static inline void hint_input(void) { __asm__ volatile(".insn i 0x0b, 3, x0, x0, 0" ::: "memory"); }
static inline void hint_random(uint32_t words) {
    __asm__ volatile(".insn i 0x0b, 3, %0, x0, 2" : : "r"(words) : "memory");
}
static inline void hint_storew(void *p) { __asm__ volatile(".insn i 0x0b, 1, %0, x0, 0" : : "r"(p) : "memory"); }
static inline void hint_buffer(void *p, uint32_t words) {
    if (words) __asm__ volatile(".insn i 0x0b, 1, %0, %1, 1" : : "r"(p), "r"(words) : "memory");
}
static inline void reveal(uint32_t byte_index, uint32_t word) {
    __asm__ volatile(".insn i 0x0b, 2, %0, %1, 0" : : "r"(byte_index), "r"(word) : "memory");
}
static inline void print_str(const char *s, uint32_t n) {
    __asm__ volatile(".insn i 0x0b, 3, %0, %1, 1" : : "r"(s), "r"(n) : "memory");
}
static inline void keccak256(const void *in, uint32_t n, void *out) {
    __asm__ volatile(".insn r 0x0b, 4, 0, %0, %1, %2" : : "r"(out), "r"(in), "r"(n) : "memory");
}
static inline void sha256(const void *in, uint32_t n, void *out) {
    __asm__ volatile(".insn r 0x0b, 4, 1, %0, %1, %2" : : "r"(out), "r"(in), "r"(n) : "memory");
}
__attribute__((noreturn)) static void terminate_ok(void) {
    __asm__ volatile(".insn i 0x0b, 0, x0, x0, 0");
    for (;;) {}
}

const char openvm_platform_marker[] = "openvm";   /* names the vendor, as a Rust guest's symbols do */

static uint8_t heap[1 << 16] __attribute__((aligned(4)));
static uint32_t heap_used;

static uint8_t *read_vec(uint32_t *len) {
    uint32_t n;
    hint_input();
    hint_storew(&n);
    uint8_t *p = heap + heap_used;
    heap_used += (n + 3) & ~3u;
    hint_buffer(p, (n + 3) / 4);
    *len = n;
    return p;
}

static uint32_t length(const char *s) { uint32_t n = 0; while (s[n]) n++; return n; }
static void print(const char *s) { print_str(s, length(s)); }

static void reveal_bytes32(const uint8_t *b) {
    for (uint32_t i = 0; i < 8; i++)
        reveal(4 * i, b[4 * i] | b[4 * i + 1] << 8 | b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24);
}

static void run(void) {
    uint32_t len, n;
    uint8_t *command = read_vec(&len);
    n = len > 1 ? command[1] : 0;
    uint8_t out[32] __attribute__((aligned(4))) = {0};
    uint8_t *v;
    switch (command[0]) {
    case 'e': {
        uint32_t filled = 0;
        for (uint32_t i = 0; i < n; i++) {
            v = read_vec(&len);
            for (uint32_t j = 0; j < len && filled < 32; j++) out[filled++] = v[j];
        }
        reveal_bytes32(out);
        char text[] = "vectors: 0\n";
        text[9] = (char)('0' + n % 10);
        print(text);
        return;
    }
    case 'k':
        v = read_vec(&len);
        keccak256(v, len, out);
        reveal_bytes32(out);
        return;
    case 'f':
        v = read_vec(&len);
        __asm__ volatile(".insn r 0x0b, 4, 0, %0, x0, x0" : : "r"(v) : "memory");
        reveal_bytes32(v);
        return;
    case 's':
        v = read_vec(&len);
        sha256(v, len, out);
        reveal_bytes32(out);
        return;
    case 'r':
        hint_random(8);
        hint_buffer(out, 8);
        reveal_bytes32(out);
        return;
    case 'z':
        __asm__ volatile("csrrw x0, 0x7c0, x0");
        reveal(0, 1);
        return;
    case 'w':
        hint_input();
        hint_buffer(out, 4);
        return;
    case 'm':
        for (uint32_t i = 0; i <= n; i++) read_vec(&len);
        return;
    case 'c':
        __asm__ volatile("li a7, 93\n\tecall" ::: "a7", "memory");
        return;
    case 'v':
        reveal(32, 1);
        return;
    case 'l':
        __asm__ volatile(".insn i 0x0b, 3, %0, %1, 3" : : "r"(out), "r"(4) : "memory");
        return;
    case 'u':
        __asm__ volatile(".insn r 0x0b, 5, 0, %0, %1, %2" : : "r"(out), "r"(out), "r"(out) : "memory");
        return;
    case 'x':
        __asm__ volatile(".insn i 0x0b, 0, x0, x0, 7");
        return;
    case 't':
        __asm__ volatile(".insn i 0x0b, 0, x0, x0, 300");
        return;
    }
}

void __start(void) {
    __asm__ volatile("" : : "r"(openvm_platform_marker));     /* kept by --gc-sections */
    run();
    terminate_ok();
}
