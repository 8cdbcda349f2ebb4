"""A large guest for the cold-start and translate benchmarks: thousands of distinct functions.

`write_source(path, functions)` writes a C program of `functions` generated
functions (each a different mix of arithmetic, a data-dependent loop and a
switch, about a hundred RISC-V instructions at -O2) called through a table;
`build_big(out, functions)` builds it with `zkaot build`.  The input is two
u32 (LE): how many of the functions to call (from the first), and how many
rounds; the output is a u64 checksum.  So a run that calls a few functions
reaches a small part of a large program, as a real program's first steps do.
"""
import random
from pathlib import Path

OPS = ["x = x * {a}u + {b}u;", "x ^= x >> {s};", "x += (x << {s}) ^ {a}u;", "x = (x | {a}u) - (x >> {s});",
       "x ^= y; y = y * {a}u + x;", "y += x >> {s}; x -= y ^ {b}u;", "x = x % ({a}u | 1u) + y;",
       "x = x / ({a}u | 3u) + (x << {s});"]


def function(rng: random.Random, k: int) -> str:
    """One function, different from every other (its constants and operations), with a loop and a switch."""
    def op() -> str:
        return rng.choice(OPS).format(a=rng.getrandbits(31) | 1, b=rng.getrandbits(31), s=rng.randrange(1, 60))
    body = " ".join(op() for _ in range(10))
    loop = " ".join(op() for _ in range(4))
    cases = "\n".join(f"    case {c}: {op()} {op()} break;" for c in range(6))
    return (f"static __attribute__((noinline)) uint64_t f{k}(uint64_t x, uint64_t y) {{\n"
            f"  {body}\n"
            f"  for (uint64_t i = 0; i < (x & 7u) + 1; i++) {{ {loop} }}\n"
            f"  switch ((x ^ y) % 7u) {{\n{cases}\n    default: {op()}\n  }}\n"
            f"  return x ^ y;\n}}\n")


def write_source(path: Path, functions: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    table = ", ".join(f"f{k}" for k in range(functions))
    Path(path).write_text(
        '#include "zkaot.h"\n\n' + "".join(function(rng, k) for k in range(functions)) +
        f"\nstatic uint64_t (*const table[{functions}])(uint64_t, uint64_t) = {{{table}}};\n\n"
        "int main(void) {\n"
        "  const uint8_t *in;\n  size_t len;\n  read_input(&in, &len);\n  if (len < 8)\n    return 1;\n"
        "  uint32_t calls = in[0] | in[1] << 8 | in[2] << 16 | (uint32_t)in[3] << 24;\n"
        "  uint32_t rounds = in[4] | in[5] << 8 | in[6] << 16 | (uint32_t)in[7] << 24;\n"
        f"  if (calls > {functions})\n    calls = {functions};\n"
        "  uint64_t sum = 0x9e3779b97f4a7c15u;\n"
        "  for (uint32_t r = 0; r < rounds; r++)\n"
        "    for (uint32_t k = 0; k < calls; k++)\n"
        "      sum = table[k](sum + k, r) ^ (sum >> 7);\n"
        "  uint8_t out[8];\n  for (int i = 0; i < 8; i++)\n    out[i] = (uint8_t)(sum >> (8 * i));\n"
        "  write_output(out, sizeof out);\n  return 0;\n}\n")


def build_big(out: Path, functions: int, arch: str = "rv64im") -> Path:
    """Build the guest (once: an ELF already at `out` is kept)."""
    from zkaot.build import build
    out = Path(out)
    if not out.exists():
        source = out.with_suffix(".c")
        write_source(source, functions)
        build([source], out, arch=arch, opt="-O2")
    return out


def big_input(calls: int, rounds: int = 1) -> bytes:
    return calls.to_bytes(4, "little") + rounds.to_bytes(4, "little")
