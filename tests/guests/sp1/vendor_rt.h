#include <stdint.h>

#define NO_FRAME 0xFFFFFFFFu        /* HINT_LEN with no frame left: u32::MAX, zero-extended on rv64 */

#define HALT 0x00
#define WRITE 0x02
#define COMMIT 0x10
#define COMMIT_DEFERRED_PROOFS 0x1A
#define HINT_LEN 0xF0
#define HINT_READ 0xF1
#define SHA_EXTEND 0x00300105
#define SHA_COMPRESS 0x00010106
#define KECCAK_PERMUTE 0x00010109

#if __riscv_xlen == 64
typedef uint64_t slot_t;         /* SP1 v6 and the rv64 Pico: a u32 word in each u64 slot */
#else
typedef uint32_t slot_t;
#endif

struct sha256 { slot_t h[8]; uint8_t block[64]; uint32_t fill, total; };

uintptr_t syscall_hint_len(void);
void syscall_hint_read(void *ptr, uint32_t len);
void syscall_keccak_permute(uint64_t *state);
uintptr_t syscall_raw(uint32_t id, uint32_t a0, uint32_t a1);
void syscall_write(uint32_t fd, const void *buf, uint32_t n);
void commit(const void *buf, uint32_t n);
void print(const char *s);
void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const uint8_t *p, uint32_t n);
void sha256_final(struct sha256 *s, uint8_t out[32]);
__attribute__((noreturn)) void syscall_halt(uint8_t code);
