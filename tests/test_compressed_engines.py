"""Random compressed code, assembled by GNU as (not by zkaot's table), on both engines under a
machine that takes the C extension and on unicorn: the same registers at the exit.  Half-word
instructions, 32-bit ones straddling 4-byte boundaries, and branches and jumps to 2-byte
aligned labels."""
import hashlib
import random
import shutil
import subprocess

import pytest

from differential import assert_same, run_interpreter, run_native, run_unicorn
from guest_asm import CODE, DATA, DATA_SIZE, SMALL_RAM, program_from_asm
from runtime.calls import ZKAOT, Registry
from translator.elf import Program, Segment

AS, OBJCOPY = shutil.which("riscv64-linux-gnu-as"), shutil.which("riscv64-linux-gnu-objcopy")
needs_binutils = pytest.mark.skipif(AS is None or OBJCOPY is None, reason="binutils for riscv64 is not installed")

WITH_C = Registry(ZKAOT.calls, compressed=True)      # the zkaot machine's calls, with the C extension
FULL = [f"x{i}" for i in range(1, 32) if i not in (2, 17)]       # not sp (c.addi16sp's) nor a7 (the exit's)
PRIME = [f"x{i}" for i in range(8, 16)]                          # the registers c.* 3-bit fields name


def _line(rng: random.Random, label: int, labels: int) -> str:
    rd, rs, r3, s3 = rng.choice(FULL), rng.choice(FULL), rng.choice(PRIME), rng.choice(PRIME)
    ahead = f"L{rng.randrange(label + 1, label + 4)}"          # L120..L122 are the end
    choices = [
        f"c.addi {rd}, {rng.choice([i for i in range(-32, 32) if i])}",
        f"c.li {rd}, {rng.randrange(-32, 32)}",
        f"c.lui {rd}, {rng.randrange(1, 32)}",
        f"c.slli {rd}, {rng.randrange(1, 64)}",
        f"c.srli {r3}, {rng.randrange(1, 64)}",
        f"c.srai {r3}, {rng.randrange(1, 64)}",
        f"c.andi {r3}, {rng.randrange(-32, 32)}",
        f"c.mv {rd}, {rs}", f"c.add {rd}, {rs}", f"c.addiw {rd}, {rng.randrange(-32, 32)}",
        *(f"c.{op} {r3}, {s3}" for op in ("sub", "xor", "or", "and", "subw", "addw")),
        f"c.addi16sp sp, {rng.choice([i for i in range(-512, 512, 16) if i])}",
        f"c.addi4spn {r3}, sp, {rng.randrange(4, 1024, 4)}",
        f"c.beqz {r3}, {ahead}", f"c.bnez {r3}, {ahead}", f"c.j {ahead}",
        # 32-bit ones (`.option norvc` keeps them whole), often at 2 mod 4
        f".option norvc; addi {rd}, {rs}, {rng.randrange(-2048, 2048)}; .option rvc",
        f".option norvc; mul {rd}, {rs}, {r3}; .option rvc",
        f".option norvc; sraw {rd}, {rs}, {r3}; .option rvc",
        f".option norvc; bne {rd}, {rs}, {ahead}; .option rvc",
    ]
    return rng.choice(choices)


def _program(seed: int, tmp_path) -> tuple[Program, int]:
    """(the program, the address of its exiting ecall)."""
    rng = random.Random(seed)
    labels = 120
    lines = [".option rvc", ".globl _start", "_start:"]
    for label in range(labels):
        lines += [f"L{label}:", _line(rng, label, labels)]
    lines += ["L120: L121: L122:", ".option norvc", "addi a7, zero, 93", "end:", "ecall"]
    source, obj, binary = tmp_path / "random.s", tmp_path / "random.o", tmp_path / "random.bin"
    source.write_text("\n".join(lines) + "\n")
    subprocess.run([AS, "-march=rv64imac", "-o", obj, source], check=True)
    subprocess.run([OBJCOPY, "-O", "binary", "-j", ".text", obj, binary], check=True)
    code = binary.read_bytes()
    symbols = subprocess.run([shutil.which("riscv64-linux-gnu-nm"), obj], capture_output=True, text=True).stdout
    end = CODE + next(int(line.split()[0], 16) for line in symbols.splitlines() if line.endswith(" end"))
    segments = (Segment(CODE, code, True, False, True), Segment(DATA, bytes(DATA_SIZE), True, True, False))
    return Program("random.s", 64, CODE, segments, {}, (), hashlib.sha256(code).hexdigest()), end


@needs_binutils
@pytest.mark.parametrize("seed", range(6))
def test_random_compressed_code_agrees_on_both_engines_and_unicorn(seed, tmp_path, jit_cache):
    program, end = _program(seed, tmp_path)
    regs = {f"x{i}": random.Random(seed * 32 + i).getrandbits(64) for i in range(1, 32) if i != 17}
    want, interp = run_interpreter(program, regs=regs, calls=WITH_C)
    assert want.exit_code is not None, want.fault
    for mode in ("fast", "minimal"):
        got, native = run_native(program, regs=regs, mode=mode, cache_dir=jit_cache, calls=WITH_C)
        assert_same(want, interp, got, native, what=mode)
    unicorn_regs, _ = run_unicorn(program, regs, end, memory_map=SMALL_RAM)
    assert unicorn_regs == want.regs


def test_a_jump_into_the_second_half_of_a_32_bit_instruction_runs_what_is_there(jit_cache):
    """addi a0, a0, 80 (0x05050513) has c.addi a0, 1 (0x0505) as its second half: a jump there runs
    that, on both engines (the translator leaves slots the sweep finds inside an instruction to the
    interpreter) and on unicorn."""
    program = program_from_asm("auipc t0, 0\njalr zero, 10(t0)\n.word 0x05050513\naddi a7, zero, 93\necall\n")
    want, interp = run_interpreter(program, calls=WITH_C)
    assert (want.exit_code, want.steps) == (1, 5)
    for mode in ("fast", "minimal"):
        got, native = run_native(program, mode=mode, cache_dir=jit_cache, calls=WITH_C)
        assert_same(want, interp, got, native, what=mode)
    assert run_unicorn(program, {}, CODE + 16)[0][10] == 1
