/* A test guest for the zisk profiles, written to ZisK's ABI as ziskos defines it: frames read
   from the input region (the current layout: 8 reserved bytes, then per frame a u64 length and
   the bytes padded to 8, each made ready by the input-ready free call first; LEGACY: one blob,
   a u64 length at 0x90000000 and the bytes), the public output in the 64 u32 slots, the
   console by byte stores to the UART, precompiles by `csrs 0x800+id, rs1`.
   The first frame's first byte says what to do (LEGACY: with the rest of the blob as the one
   frame):
     e  echo the next n frames (n: the command's second byte) to the output, count them on the UART
     s  commit the SHA-256 digest of the next frame (sha256f)
     k  keccak-f[1600] on the next frame (200 bytes), committed
     m  commit what marchid reads
     x  exit with the code in the command's second byte
     u  call arith256 (0x801), a precompile zkaot does not implement
     b  keccakf on a pointer outside memory
     c  read mstatus, a CSR ZisK's guests do not use
     f  free call 5, which zkaot does not implement */
#include <stddef.h>
#include <stdint.h>

#ifdef LEGACY
#define INPUT_ADDR 0x90000000ul
#define SYS_ADDR 0xa0000000ul
#define OUTPUT_ADDR 0xa0010000ul
#else
#define INPUT_ADDR 0x40000000ul
#define SYS_ADDR 0xa0400000ul
#define OUTPUT_ADDR 0xa0410000ul
#endif
#define UART_ADDR (SYS_ADDR + 0x200)

static void putc_uart(char c) { *(volatile uint8_t *)UART_ADDR = (uint8_t)c; }

static void print(const char *s) {
    while (*s) putc_uart(*s++);
}

static uint8_t shadow[256];
static uint32_t output_len;

static void set_output(uint32_t id, uint32_t value) { ((volatile uint32_t *)OUTPUT_ADDR)[id] = value; }

/* ziskos commit_slice: bytes appended to the output slots, a partial slot shared by the next write. */
static void commit(const uint8_t *p, uint32_t n) {
    for (uint32_t i = 0; i < n && output_len < sizeof shadow; i++) {
        shadow[output_len++] = p[i];
        uint32_t id = (output_len - 1) / 4;
        const uint8_t *w = shadow + 4 * id;
        set_output(id, (uint32_t)w[0] | (uint32_t)w[1] << 8 | (uint32_t)w[2] << 16 | (uint32_t)w[3] << 24);
    }
}

#ifdef LEGACY
static int blob_taken;

static const uint8_t *read_frame(uint64_t *len) {
    uint64_t n = *(volatile uint64_t *)INPUT_ADDR;
    if (!blob_taken) {              /* the command: the blob's first byte (and its second) */
        blob_taken = 1;
        *len = n < 2 ? n : 2;
        return (const uint8_t *)(INPUT_ADDR + 8);
    }
    *len = n < 2 ? 0 : n - 2;
    return (const uint8_t *)(INPUT_ADDR + 10);
}
#else
static uint64_t input_pos = 8;      /* ziskos INPUT_INITIAL_OFFSET */

static void input_ready(uint64_t address) {
    __asm__ volatile("csrs 0x8f0, %0\n\tcsrwi 0x8c0, 23" : : "r"(address) : "memory");
}

static const uint8_t *read_frame(uint64_t *len) {
    uint64_t addr = INPUT_ADDR + input_pos;
    input_ready(addr + 7);
    *len = *(volatile uint64_t *)addr;
    uint64_t aligned = (*len + 7) & ~7ul;
    input_ready(addr + 8 + aligned - 1);
    input_pos += 8 + aligned;
    return (const uint8_t *)(addr + 8);
}
#endif

struct sha256f_params { uint32_t *state; const uint8_t *block; };

static void sha256f(uint32_t state[8], const uint8_t block[64]) {
    struct sha256f_params params = { state, block };
    __asm__ volatile("csrs 0x805, %0" : : "r"(&params) : "memory");
}

static void sha256(const uint8_t *p, uint64_t n, uint8_t digest[32]) {
    uint32_t state[8] __attribute__((aligned(8))) = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint8_t block[64] __attribute__((aligned(8)));
    uint64_t done = 0;
    for (; n - done >= 64; done += 64) {
        for (int i = 0; i < 64; i++) block[i] = p[done + i];
        sha256f(state, block);
    }
    uint64_t rest = n - done;
    for (uint64_t i = 0; i < 64; i++) block[i] = i < rest ? p[done + i] : 0;
    block[rest] = 0x80;
    if (rest >= 56) {
        sha256f(state, block);
        for (int i = 0; i < 64; i++) block[i] = 0;
    }
    for (int i = 0; i < 8; i++) block[63 - i] = (uint8_t)((n * 8) >> (8 * i));
    sha256f(state, block);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++) digest[4 * i + j] = (uint8_t)(state[i] >> (24 - 8 * j));
}

static void print_number(uint32_t n) {
    char text[12];
    int i = 11;
    text[i] = 0;
    do { text[--i] = (char)('0' + n % 10); n /= 10; } while (n);
    print(text + i);
}

static uint64_t keccak_state[25];

int main(void) {
    uint64_t len;
    const uint8_t *command = read_frame(&len);
    if (len == 0) return 2;
    const uint8_t *frame;
    uint64_t arg = len > 1 ? command[1] : 0;
    switch (command[0]) {
    case 'e':
        for (uint64_t i = 0; i < arg; i++) {
            frame = read_frame(&len);
            commit(frame, (uint32_t)len);
        }
        print("frames: ");
        print_number((uint32_t)arg);
        print("\n");
        return 0;
    case 's': {
        uint8_t digest[32];
        frame = read_frame(&len);
        sha256(frame, len, digest);
        commit(digest, 32);
        return 0;
    }
    case 'k':
        frame = read_frame(&len);
        if (len != 200) return 3;
        for (int i = 0; i < 200; i++) ((uint8_t *)keccak_state)[i] = frame[i];
        __asm__ volatile("csrs 0x800, %0" : : "r"(keccak_state) : "memory");
        commit((const uint8_t *)keccak_state, 200);
        return 0;
    case 'm': {
        uint64_t id;
        __asm__ volatile("csrr %0, marchid" : "=r"(id));
        uint32_t word = (uint32_t)id;
        commit((const uint8_t *)&word, 4);
        return 0;
    }
    case 'x':
        print("exiting\n");
        return (int)arg;
    case 'u':
        __asm__ volatile("csrs 0x801, %0" : : "r"(keccak_state) : "memory");
        return 0;
    case 'b':
        __asm__ volatile("csrs 0x800, %0" : : "r"(0x1000ul) : "memory");
        return 0;
    case 'c': {
        uint64_t status;
        __asm__ volatile("csrr %0, mstatus" : "=r"(status));
        return (int)status;
    }
    case 'f':
        __asm__ volatile("csrwi 0x8c0, 5" : : : "memory");
        return 0;
    }
    return 1;
}
