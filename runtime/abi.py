"""The ecall ABI a guest sees: a7 selects the call, a0..a2 carry arguments, a0 the result."""

SYS_WRITE = 64           # write(fd=a0, ptr=a1, len=a2) -> a0 = len
SYS_EXIT = 93            # exit(code=a0)

FD_STDOUT = 1            # console: shown, not committed
FD_STDERR = 2            # console: shown, not committed
FD_PUBLIC_OUTPUT = 3     # appended to the committed public output

# Precompiles live in a vendor range so they never collide with Linux syscall numbers.
PRECOMPILE_BASE = 0x800
SYS_KECCAKF = 0x800      # keccak-f[1600] in place on 25 little-endian u64 lanes at a0 (8-aligned)
SYS_SHA256_COMPRESS = 0x801  # SHA-256 compression: state = 8 u32 words at a0 (4-aligned), 64-byte block at a1

REG_A0, REG_A1, REG_A2, REG_A7 = 10, 11, 12, 17
