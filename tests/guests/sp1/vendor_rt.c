/* A runtime for SP1 (with -DSP1_V3 an SP1 before v4, with -DPICO Pico) guests, rv32 or rv64, written from the vendors' ABI:
   ecall with the call id in t0, arguments in a0..a2 (sp1 crates/zkvm/entrypoint/src/syscalls).
   HALT is preceded by 8 COMMITs of the SHA-256 digest of the public values and 8
   COMMIT_DEFERRED_PROOFS of zero, as syscall_halt does; the digest is computed with the
   SHA_EXTEND and SHA_COMPRESS precompiles, whose words sit in slots of XLEN bits. */
#include "vendor_rt.h"

#if defined(PICO) || defined(SP1_V3)      /* Pico and SP1 before v4: public values on fd 3 */
#define FD_PUBLIC_VALUES 3
#endif
#ifdef PICO
#define VENDOR_SYMBOL pico_sdk_runtime       /* names the vendor, as a Rust guest's symbols do */
#else
#ifndef SP1_V3
#define FD_PUBLIC_VALUES 13
#endif
#define VENDOR_SYMBOL sp1_zkvm_runtime
#endif

static inline uintptr_t ecall3(uintptr_t id, uintptr_t a0, uintptr_t a1, uintptr_t a2) {
    register uintptr_t t0 __asm__("t0") = id;
    register uintptr_t r0 __asm__("a0") = a0, r1 __asm__("a1") = a1, r2 __asm__("a2") = a2;
    __asm__ volatile("ecall" : "+r"(t0) : "r"(r0), "r"(r1), "r"(r2) : "memory");
    return t0;
}

uintptr_t syscall_hint_len(void) { return ecall3(HINT_LEN, 0, 0, 0); }
void syscall_hint_read(void *ptr, uint32_t len) { ecall3(HINT_READ, (uintptr_t)ptr, len, 0); }
void syscall_sha256_extend(slot_t *w) { ecall3(SHA_EXTEND, (uintptr_t)w, 0, 0); }
void syscall_sha256_compress(slot_t *w, slot_t *h) { ecall3(SHA_COMPRESS, (uintptr_t)w, (uintptr_t)h, 0); }
void syscall_keccak_permute(uint64_t *state) { ecall3(KECCAK_PERMUTE, (uintptr_t)state, 0, 0); }
uintptr_t syscall_raw(uint32_t id, uint32_t a0, uint32_t a1) { return ecall3(id, a0, a1, 0); }

static const uint32_t IV[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

void sha256_init(struct sha256 *s) {
    for (int i = 0; i < 8; i++) s->h[i] = IV[i];
    s->fill = 0;
    s->total = 0;
}

static void sha256_block(struct sha256 *s) {
    slot_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)s->block[4 * i] << 24 | (uint32_t)s->block[4 * i + 1] << 16 |
               (uint32_t)s->block[4 * i + 2] << 8 | s->block[4 * i + 3];
    syscall_sha256_extend(w);
    syscall_sha256_compress(w, s->h);
    s->fill = 0;
}

void sha256_update(struct sha256 *s, const uint8_t *p, uint32_t n) {
    s->total += n;
    while (n--) {
        s->block[s->fill++] = *p++;
        if (s->fill == 64) sha256_block(s);
    }
}

void sha256_final(struct sha256 *s, uint8_t out[32]) {
    uint64_t bits = (uint64_t)s->total * 8;
    uint8_t pad = 0x80;
    sha256_update(s, &pad, 1);
    pad = 0;
    while (s->fill != 56) sha256_update(s, &pad, 1);
    for (int i = 7; i >= 0; i--) s->block[s->fill++] = (uint8_t)(bits >> (8 * i));
    sha256_block(s);
    for (int i = 0; i < 32; i++) out[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

static struct sha256 public_values_hasher;

void syscall_write(uint32_t fd, const void *buf, uint32_t n) {
    ecall3(WRITE, fd, (uintptr_t)buf, n);
    if (fd == FD_PUBLIC_VALUES) sha256_update(&public_values_hasher, buf, n);
}

void commit(const void *buf, uint32_t n) { syscall_write(FD_PUBLIC_VALUES, buf, n); }

void print(const char *s) {
    uint32_t n = 0;
    while (s[n]) n++;
    syscall_write(1, s, n);
}

__attribute__((noreturn)) void syscall_halt(uint8_t code) {
    uint8_t digest[32];
    sha256_final(&public_values_hasher, digest);
    for (uint32_t i = 0; i < 8; i++) {
        uint32_t word = digest[4 * i] | digest[4 * i + 1] << 8 | digest[4 * i + 2] << 16 |
                        (uint32_t)digest[4 * i + 3] << 24;
        ecall3(COMMIT, i, word, 0);
    }
    for (uint32_t i = 0; i < 8; i++) ecall3(COMMIT_DEFERRED_PROOFS, i, 0, 0);
    ecall3(HALT, code, 0, 0);
    __builtin_unreachable();
}

int main(void);

const char VENDOR_SYMBOL[] = "vendor";

void __start(void) {
    __asm__ volatile("" : : "r"(VENDOR_SYMBOL));     /* kept by --gc-sections */
    sha256_init(&public_values_hasher);
    syscall_halt((uint8_t)main());
}
