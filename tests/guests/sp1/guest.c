/* A test guest for the sp1 and pico profiles.  It reads frames as sp1_zkvm::io::read_vec
   does (HINT_LEN, then HINT_READ into a slot-aligned buffer; u32::MAX: no frame left), and
   the first frame's first byte says what to do with the others:
     e  echo every frame to the public values, count them on stdout
     s  commit the SHA-256 digest of every frame (SHA_EXTEND and SHA_COMPRESS)
     k  keccak-f[1600] on the next frame (200 bytes), committed
     w  read the next frame with HINT_READ of one byte more than HINT_LEN said
     u  call ED_ADD, a call zkaot does not implement
     x  exit with the code in the first frame's second byte */
#include "vendor_rt.h"

static uint8_t heap[1 << 16] __attribute__((aligned(8)));
static uint32_t heap_used;

static uint8_t *read_frame(uint32_t *len) {
    uintptr_t n = syscall_hint_len();
    if (n == NO_FRAME) return 0;
    *len = (uint32_t)n;
    uint8_t *p = heap + heap_used;
    heap_used += (*len + sizeof(slot_t) - 1) & ~(uint32_t)(sizeof(slot_t) - 1);
    syscall_hint_read(p, *len);
    return p;
}

static void print_number(uint32_t n) {
    char text[12];
    int i = 11;
    text[i] = 0;
    do { text[--i] = (char)('0' + n % 10); n /= 10; } while (n);
    print(text + i);
}

int main(void) {
    uint32_t len;
    uint8_t *command = read_frame(&len);
    if (!command || len == 0) return 2;
    uint32_t count = 0;
    uint8_t *frame;
    switch (command[0]) {
    case 'e':
        while ((frame = read_frame(&len))) {
            commit(frame, len);
            count++;
        }
        print("frames: ");
        print_number(count);
        print("\n");
        return 0;
    case 's':
        while ((frame = read_frame(&len))) {
            struct sha256 s;
            uint8_t digest[32];
            sha256_init(&s);
            sha256_update(&s, frame, len);
            sha256_final(&s, digest);
            commit(digest, 32);
        }
        return 0;
    case 'k':
        frame = read_frame(&len);
        if (!frame || len != 200) return 3;
        syscall_keccak_permute((uint64_t *)frame);
        commit(frame, 200);
        return 0;
    case 'w':
        len = (uint32_t)syscall_hint_len();
        syscall_hint_read(heap + heap_used, len + 1);
        return 0;
    case 'u':
        syscall_raw(0x00010107, 0, 0);
        return 0;
    case 'x':
        return len > 1 ? command[1] : 0;
    }
    return 4;
}
