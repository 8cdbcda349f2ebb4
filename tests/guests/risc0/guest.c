/* A test guest for the risc0 profile, written to risc0-zkvm-platform's ABI (syscall.rs): ecall
   with the kind in t0; SOFTWARE calls with the kernel's number in t6, the name's address in a2,
   the host-to-guest buffer in a0/a1 and arguments from a3; HALT with TERMINATE | exit << 8 in
   a0 and the output digest's address in a1.  stdin is one stream; frames are read as
   env::read_frame does (a u32 LE length, then the bytes).  The first frame's first byte says
   what to do:
     e  echo every frame to the journal (SYS_READ by the v1 word protocol, to an unaligned
        buffer), count them on stdout, SYS_LOG a line
     E  the same with the v1compat byte protocol
     s  commit the SHA-256 digest of every frame (the SHA call: contiguous blocks, then the
        last block in two halves apart)
     r  commit 2 x 12 words of SYS_RANDOM
     g  commit SYS_GETENV("RUST_BACKTRACE"), SYS_ARGC and INPUT word 3
     c  commit SYS_CYCLE_COUNT (hi, lo)
     k  commit the sum of the next two frames' bytes (a frame missing: a panic, as env::read)
     w  SYS_READ with a1 = 3 words and a4 = 5 bytes (neither protocol);  f  SYS_READ of fd 5
     p  SYS_PANIC;  u  SOFTWARE SYS_FORK;  b  the BIGINT call;  v  SYS_ARGV 0;  h  HALT PAUSE
     x  exit with the code in the first frame's second byte */
#include <stdint.h>

#define HALT 0
#define INPUT 1
#define SOFTWARE 2
#define SHA 3
#define BIGINT 4
#define TERMINATE 0
#define PAUSE 1
#define NR "risc0_zkvm_platform::syscall::nr::"
enum { NR_ARGC = 1, NR_ARGV = 2, NR_CYCLE_COUNT = 3, NR_FORK = 5, NR_GETENV = 6, NR_LOG = 8, NR_PANIC = 9,
       NR_RANDOM = 11, NR_READ = 12, NR_WRITE = 16 };
#define MAX_BUF_BYTES 4096
#define MAX_BUF_WORDS (MAX_BUF_BYTES / 4)

const char SYS_ARGC[] = NR "SYS_ARGC", SYS_ARGV[] = NR "SYS_ARGV", SYS_CYCLE_COUNT[] = NR "SYS_CYCLE_COUNT",
           SYS_FORK[] = NR "SYS_FORK", SYS_GETENV[] = NR "SYS_GETENV", SYS_LOG[] = NR "SYS_LOG",
           SYS_PANIC[] = NR "SYS_PANIC", SYS_RANDOM[] = NR "SYS_RANDOM", SYS_READ[] = NR "SYS_READ",
           SYS_WRITE[] = NR "SYS_WRITE";
const char risc0_zkvm_platform_marker[] = "risc0";     /* names the vendor, as a Rust guest's symbols do */

struct ret { uint32_t a0, a1; };

static struct ret syscall(uint32_t nr, const char *name, void *from_host, uint32_t words,
                          uint32_t a3, uint32_t a4, uint32_t a5) {
    register uint32_t t0 __asm__("t0") = SOFTWARE, t6 __asm__("t6") = nr;
    register uint32_t r0 __asm__("a0") = (uint32_t)from_host, r1 __asm__("a1") = words;
    register uint32_t r2 __asm__("a2") = (uint32_t)name, r3 __asm__("a3") = a3, r4 __asm__("a4") = a4,
                      r5 __asm__("a5") = a5;
    __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(t0), "r"(t6), "r"(r2), "r"(r3), "r"(r4), "r"(r5)
                     : "memory");
    return (struct ret){r0, r1};
}

static void ecall5(uint32_t kind, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4) {
    register uint32_t t0 __asm__("t0") = kind, r0 __asm__("a0") = a0, r1 __asm__("a1") = a1,
                      r2 __asm__("a2") = a2, r3 __asm__("a3") = a3, r4 __asm__("a4") = a4;
    __asm__ volatile("ecall" : "+r"(r0) : "r"(t0), "r"(r1), "r"(r2), "r"(r3), "r"(r4) : "memory");
}

static uint32_t sys_input(uint32_t index) {
    register uint32_t t0 __asm__("t0") = INPUT, r0 __asm__("a0") = index & 7;
    __asm__ volatile("ecall" : "+r"(r0) : "r"(t0) : "memory");
    return r0;
}

static const uint32_t output_digest[8];

__attribute__((noinline, noreturn)) static void sys_halt(uint32_t type, uint8_t code) {
    ecall5(HALT, type | (uint32_t)code << 8, (uint32_t)output_digest, 0, 0, 0);
    for (;;) {}
}

static void sys_write(uint32_t fd, const void *p, uint32_t n) {
    syscall(NR_WRITE, SYS_WRITE, 0, 0, fd, (uint32_t)p, n);
}

static uint32_t length(const char *s) { uint32_t n = 0; while (s[n]) n++; return n; }

__attribute__((noreturn)) static void sys_panic(const char *msg) {
    syscall(NR_PANIC, SYS_PANIC, 0, 0, (uint32_t)msg, length(msg), 0);
    __asm__ volatile("sw x0, 1(x0)");          /* the platform's fallback for a host that returns */
    for (;;) {}
}

static void fill_from_word(uint8_t *p, uint32_t word, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) { p[i] = (uint8_t)word; word >>= 8; }
}

/* sys_read of risc0 1.x: an unaligned head through a1's word, whole words to the buffer (in
   chunks of MAX_BUF_BYTES), the last 0-3 bytes from a1's word. */
static uint32_t read_v1(uint8_t *p, uint32_t n) {
    uint32_t first = 0, off = (uint32_t)p & 3;
    if (off) {
        uint32_t k = n < 4 - off ? n : 4 - off;
        struct ret r = syscall(NR_READ, SYS_READ, 0, 0, 0, k, 0);
        fill_from_word(p, r.a1, k);
        first = r.a0;
        p += k;
        n -= k;
        if (!n) return first;
    }
    uint32_t *w = (uint32_t *)p, words = n / 4, remain = n, total = 0, last = 0;
    while (remain) {
        uint32_t chunk = remain < MAX_BUF_BYTES ? remain : MAX_BUF_BYTES;
        struct ret r = syscall(NR_READ, SYS_READ, w, words < MAX_BUF_WORDS ? words : MAX_BUF_WORDS, 0, chunk, 0);
        w += r.a0 / 4;
        words -= r.a0 / 4;
        last = r.a1;
        total += r.a0;
        remain -= r.a0;
        if (r.a0 < chunk) break;
    }
    fill_from_word(p + (n / 4) * 4, last, n % 4);
    return first + total;
}

/* sys_read of the v1compat platform: the bytes, wherever they go, in one call. */
static uint32_t read_v2(uint8_t *p, uint32_t n) {
    return syscall(NR_READ, SYS_READ, p, n, 0, n, 0).a0;
}

static uint8_t heap[1 << 16] __attribute__((aligned(8)));
static uint32_t heap_used;
static uint32_t (*read_bytes)(uint8_t *, uint32_t) = read_v1;

/* A frame as env::read_frame reads it; 0 at the end of stdin, a panic in the middle of a frame. */
static uint8_t *read_frame(uint32_t *len) {
    uint8_t head[4];
    uint32_t got = read_bytes(head, 4);
    if (got == 0) return 0;
    if (got != 4) sys_panic("unexpected end of file (frame length)");
    *len = head[0] | head[1] << 8 | head[2] << 16 | (uint32_t)head[3] << 24;
    uint8_t *p = heap + heap_used + 1;         /* unaligned on purpose */
    heap_used += (*len + 8) & ~3u;
    if (read_bytes(p, *len) != *len) sys_panic("unexpected end of file (frame data)");
    return p;
}

static uint8_t *need_frame(uint32_t *len) {
    uint8_t *p = read_frame(len);
    if (!p) sys_panic("unexpected end of file (no frame)");
    return p;
}

static void print(const char *s) { sys_write(1, s, length(s)); }

static void print_number(uint32_t n) {
    char text[12];
    int i = 11;
    text[i] = 0;
    do { text[--i] = (char)('0' + n % 10); n /= 10; } while (n);
    print(text + i);
}

static void commit(const void *p, uint32_t n) { sys_write(3, p, n); }
static void commit_word(uint32_t w) { commit(&w, 4); }

static const uint8_t IV[32] = {0x6a, 0x09, 0xe6, 0x67, 0xbb, 0x67, 0xae, 0x85, 0x3c, 0x6e, 0xf3, 0x72,
                               0xa5, 0x4f, 0xf5, 0x3a, 0x51, 0x0e, 0x52, 0x7f, 0x9b, 0x05, 0x68, 0x8c,
                               0x1f, 0x83, 0xd9, 0xab, 0x5b, 0xe0, 0xcd, 0x19};

/* SHA-256 with the SHA call: the padded message's blocks but the last in one call
   (sys_sha_buffer), the last as two halves apart (sys_sha_compress). */
static void sha256(const uint8_t *msg, uint32_t n, uint32_t out[8]) {
    static uint32_t blocks[1024];
    static uint32_t second_half[8];
    uint8_t *b = (uint8_t *)blocks;
    uint32_t total = ((n + 8) / 64 + 1) * 64;
    for (uint32_t i = 0; i < total; i++) b[i] = i < n ? msg[i] : i == n ? 0x80 : 0;
    uint64_t bits = (uint64_t)n * 8;
    for (int i = 0; i < 8; i++) b[total - 1 - i] = (uint8_t)(bits >> (8 * i));
    uint32_t count = total / 64;
    const uint32_t *state = (const uint32_t *)IV;
    if (count > 1) {
        ecall5(SHA, (uint32_t)out, (uint32_t)state, (uint32_t)b, (uint32_t)(b + 32), count - 1);
        state = out;
    }
    uint8_t *last = b + total - 64;
    for (int i = 0; i < 8; i++) second_half[i] = ((uint32_t *)(last + 32))[i];
    ecall5(SHA, (uint32_t)out, (uint32_t)state, (uint32_t)last, (uint32_t)second_half, 1);
}

static int run(void) {
    uint32_t len, count = 0;
    uint8_t *command = need_frame(&len);
    if (len == 0) return 2;
    uint8_t *frame;
    switch (command[0]) {
    case 'E':
        read_bytes = read_v2;
        /* fall through */
    case 'e':
        while ((frame = read_frame(&len))) {
            commit(frame, len);
            count++;
        }
        print("frames: ");
        print_number(count);
        print("\n");
        syscall(NR_LOG, SYS_LOG, 0, 0, (uint32_t)"echo done", 9, 0);
        return 0;
    case 's':
        while ((frame = read_frame(&len))) {
            uint32_t digest[8];
            sha256(frame, len, digest);
            commit(digest, 32);
        }
        return 0;
    case 'r': {
        uint32_t words[12];
        for (int k = 0; k < 2; k++) {
            syscall(NR_RANDOM, SYS_RANDOM, words, 12, 0, 0, 0);
            commit(words, sizeof words);
        }
        return 0;
    }
    case 'g':
        commit_word(syscall(NR_GETENV, SYS_GETENV, heap, 4, (uint32_t)"RUST_BACKTRACE", 14, 0).a0);
        commit_word(syscall(NR_ARGC, SYS_ARGC, 0, 0, 0, 0, 0).a0);
        commit_word(sys_input(3));
        return 0;
    case 'c': {
        struct ret r = syscall(NR_CYCLE_COUNT, SYS_CYCLE_COUNT, 0, 0, 0, 0, 0);
        commit_word(r.a0);
        commit_word(r.a1);
        return 0;
    }
    case 'k': {
        uint32_t sum = 0;
        for (int k = 0; k < 2; k++) {
            frame = need_frame(&len);
            for (uint32_t i = 0; i < len; i++) sum += frame[i];
        }
        commit_word(sum);
        return 0;
    }
    case 'w':
        syscall(NR_READ, SYS_READ, heap, 3, 0, 5, 0);
        return 0;
    case 'f':
        syscall(NR_READ, SYS_READ, heap, 1, 5, 4, 0);
        return 0;
    case 'p':
        sys_panic("boom: the guest gave up");
    case 'u':
        syscall(NR_FORK, SYS_FORK, 0, 0, 0, 0, 0);
        return 0;
    case 'b':
        ecall5(BIGINT, (uint32_t)heap, 0, (uint32_t)heap, (uint32_t)heap, (uint32_t)heap);
        return 0;
    case 'v':
        syscall(NR_ARGV, SYS_ARGV, heap, 4, 0, 0, 0);
        return 0;
    case 'h':
        sys_halt(PAUSE, 5);
    case 'x':
        return len > 1 ? command[1] : 0;
    }
    return 4;
}

void __start(void) {
    __asm__ volatile("" : : "r"(risc0_zkvm_platform_marker));     /* kept by --gc-sections */
    sys_halt(TERMINATE, (uint8_t)run());
}
