"""Fuzz targets: generators of hostile input and the oracles zkaot must pass on it, shared by
the bounded suite that `make test` runs (tests/test_fuzz.py, fixed seeds) and `make fuzz`
(this file as a script: random seeds for as long as asked, failing cases saved).

A target makes cases, the same ones for the same seed (`cases(seed, count)`), and checks
one (`check(case)` raises, an AssertionError or anything else, when zkaot misbehaves):

- elf: mutants of the committed example ELFs (bit flips, header fields set to boundary
  values, truncation, extension, code words).  load_elf loads them or raises ElfError with
  one line naming the file; `zkaot disasm` exits 0, or 3 with that line; a mutant that loads
  runs the same on the interpreter and the JIT (both modes) up to a step limit.
- programs-rv64, programs-rv32: random programs (tests/random_programs.py) on both engines.
- proofs: mutants of one proof of a tiny guest (bit flips, header words, truncation,
  extension, swapped chunks, edited claim fields).  `zkaot verify` rejects each (exit 1)
  or refuses it as malformed (exit 3), with one line, never accepting one.

Anything raised other than what the oracle allows is a failure too, tracebacks included.
"""
import argparse
import dataclasses
import hashlib
import io
import pickle
import random
import shutil
import struct
import sys
import tempfile
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed as hypothesis_seed, settings

from differential import MODES, run_interpreter, run_native
from elf_factory import PF_R, PF_X, PT_LOAD, SHT_SYMTAB, Seg, build_elf
from random_programs import STEP_LIMIT, jit_matches_interpreter, programs, run_length
from runtime.memory_map import RAM_BASE, MemoryMap
from translator.assembler import assemble
from translator.elf import ElfError, Program, load_elf
from translator.interpreter import RunResult
from zkaot.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_ELFS = sorted((ROOT / "examples").glob("*/guest.*.elf"))


@dataclass
class Case:
    what: str           # how it was made (with the target's seed and index: how to make it again)
    data: bytes         # the file zkaot is given (ELF, proof), or the program's source
    suffix: str         # of the saved file
    extra: object = None


def cli(args: list[str]) -> tuple[int, str, str]:
    """`zkaot ARGS` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = cli_main(args)
    return status, out.getvalue(), err.getvalue()


def boundary(rng: random.Random, value: int, size: int, file_size: int) -> int:
    """A value for a `size`-byte field that was `value`: its neighbours, the type's extremes,
    the file's size, the edges of RAM, one bit flipped, or anything."""
    top = 1 << (8 * size)
    ram = MemoryMap()
    choices = [0, 1, value - 1, value + 1, value + 2, value + 4, value ^ (1 << rng.randrange(8 * size)),
               top - 1, top >> 1, (top >> 1) - 1, file_size, file_size + 1, RAM_BASE, ram.ram_end,
               ram.ram_end - 4, ram.stack_guard[0], rng.randrange(top)]
    return rng.choice(choices) % top


def flip(data: bytearray, rng: random.Random, lo: int = 0, hi: int | None = None) -> str:
    pos = rng.randrange(lo, len(data) if hi is None else min(hi, len(data)))
    bit = rng.randrange(8)
    data[pos] ^= 1 << bit
    return f"bit {bit} of byte {pos:#x} flipped"


def set_field(data: bytearray, rng: random.Random, name: str, offset: int, fmt: str) -> str:
    """Write a boundary value into the field at `offset`, if it lies inside the file."""
    if offset + struct.calcsize(fmt) > len(data):
        return f"{name} at {offset:#x}: past the end, not set"
    (old,) = struct.unpack_from(fmt, data, offset)
    new = boundary(rng, old, struct.calcsize(fmt), len(data))
    struct.pack_into(fmt, data, offset, new)
    return f"{name} at {offset:#x}: {old:#x} -> {new:#x}"


def truncate(data: bytearray, rng: random.Random, header: int) -> str:
    """Cut the file, half the time inside its first `header` bytes, where the tables are."""
    n = rng.randrange(min(header, len(data)) if rng.random() < 0.5 else len(data))
    del data[n:]
    return f"truncated to {n:#x} bytes"


def extend(data: bytearray, rng: random.Random) -> str:
    n = rng.randint(1, 64)
    data += rng.randbytes(n)
    return f"{n} random bytes appended"


class Target:
    """A fuzz target whose cases are independent draws: case i of a seed needs only (seed, i)."""
    name = ""

    def cases(self, seed: int, count: int):
        for i in range(count):
            yield self.generate(random.Random(f"{seed}:{i}"))

    def generate(self, rng: random.Random) -> Case:
        raise NotImplementedError

    def check(self, case: Case) -> None:
        raise NotImplementedError


# ---- ELF mutants ------------------------------------------------------------------------------

ELF_STEP_LIMIT = 20_000

# Field layouts: name:struct code, A the address size (Q for ELF64, I for ELF32).
IDENT = "ei_class:B ei_data:B ei_version:B ei_osabi:B ei_abiversion:B"
EHDR = ("e_type:H e_machine:H e_version:I e_entry:A e_phoff:A e_shoff:A e_flags:I e_ehsize:H "
        "e_phentsize:H e_phnum:H e_shentsize:H e_shnum:H e_shstrndx:H")
PHDR = {64: "p_type:I p_flags:I p_offset:A p_vaddr:A p_paddr:A p_filesz:A p_memsz:A p_align:A",
        32: "p_type:I p_offset:A p_vaddr:A p_paddr:A p_filesz:A p_memsz:A p_flags:I p_align:A"}
SHDR = "sh_name:I sh_type:I sh_flags:A sh_addr:A sh_offset:A sh_size:A sh_link:I sh_info:I sh_addralign:A sh_entsize:A"
SYM = {64: "st_name:I st_info:B st_other:B st_shndx:H st_value:A st_size:A",
       32: "st_name:I st_value:A st_size:A st_info:B st_other:B st_shndx:H"}


def _table(layout: str, xlen: int, base: int, label: str) -> list[tuple[str, int, str]]:
    """(label.field, file offset, struct format) of each field of one table entry at `base`."""
    out = []
    for item in layout.split():
        name, code = item.split(":")
        fmt = "<" + (("Q" if xlen == 64 else "I") if code == "A" else code)
        out.append((f"{label}.{name}", base, fmt))
        base += struct.calcsize(fmt)
    return out


def _values(data: bytes, fields: list[tuple[str, int, str]]) -> dict[str, int]:
    return {name.split(".")[1]: struct.unpack_from(fmt, data, offset)[0] for name, offset, fmt in fields}


@dataclass(frozen=True)
class Original:
    """An example ELF, its input, and where its fields and code words are."""
    path: Path
    data: bytes
    input_bytes: bytes
    fields: dict[str, list]           # ident, ehdr, phdr, shdr, sym -> [(name, offset, format)]
    code: list[tuple[int, int]]       # file ranges of the executable segments
    headers_end: int                  # the ELF header and the program headers end here


@cache
def original(path: Path) -> Original:
    data = path.read_bytes()
    xlen = 64 if data[4] == 2 else 32
    ehdr = _table(EHDR, xlen, 16, "ehdr")
    e = _values(data, ehdr)
    fields = {"ident": _table(IDENT, xlen, 4, "ident"), "ehdr": ehdr, "phdr": [], "shdr": [], "sym": []}
    code = []
    for i in range(e["e_phnum"]):
        entry = _table(PHDR[xlen], xlen, e["e_phoff"] + i * e["e_phentsize"], f"phdr{i}")
        p = _values(data, entry)
        fields["phdr"] += entry
        if p["p_type"] == PT_LOAD and p["p_flags"] & PF_X:
            code.append((p["p_offset"], p["p_offset"] + p["p_filesz"]))
    for i in range(e["e_shnum"]):
        entry = _table(SHDR, xlen, e["e_shoff"] + i * e["e_shentsize"], f"shdr{i}")
        s = _values(data, entry)
        fields["shdr"] += entry
        if s["sh_type"] == SHT_SYMTAB:
            for k in range(s["sh_size"] // s["sh_entsize"]):
                fields["sym"] += _table(SYM[xlen], xlen, s["sh_offset"] + k * s["sh_entsize"], f"sym{k}")
    input_path = path.parent / "input.bin"
    return Original(path, data, input_path.read_bytes() if input_path.exists() else b"", fields, code,
                    e["e_phoff"] + e["e_phnum"] * e["e_phentsize"])


def code_word(data: bytearray, rng: random.Random, code: list[tuple[int, int]]) -> str:
    """Change one instruction word: a bit of it, all of it, or a copy of another."""
    lo, hi = rng.choice(code)
    hi = min(hi, len(data))                     # an earlier mutation may have cut the file
    if hi - lo < 4:
        return "code word: none left in the file"
    pos = rng.randrange(lo, hi - 3) & ~3
    old = data[pos:pos + 4]
    how = rng.choice(["flip", "random", "copy"])
    if how == "flip":
        data[pos + rng.randrange(4)] ^= 1 << rng.randrange(8)
    elif how == "random":
        data[pos:pos + 4] = rng.randbytes(4)
    else:
        other = rng.randrange(lo, hi - 3) & ~3
        data[pos:pos + 4] = data[other:other + 4]
    return f"code word at {pos:#x}: {old.hex()} -> {data[pos:pos + 4].hex()} ({how})"


class ElfMutants(Target):
    name = "elf"

    def __init__(self, workdir: Path, cache_dir: Path):
        self.path = Path(workdir) / "mutant.elf"
        self.cache_dir = cache_dir

    def generate(self, rng: random.Random) -> Case:
        elf = original(rng.choice(EXAMPLE_ELFS))
        data = bytearray(elf.data)
        done = []
        for _ in range(1 + (rng.random() < 0.3)):
            kind = rng.choices(["field", "flip-header", "flip", "code", "overwrite", "truncate", "extend"],
                               [35, 15, 10, 15, 10, 10, 5])[0]
            if kind == "field":
                group = rng.choices(["ident", "ehdr", "phdr", "shdr", "sym"], [1, 4, 5, 2, 3])[0]
                done.append(set_field(data, rng, *rng.choice(elf.fields[group])))
            elif kind == "flip-header":
                done.append(flip(data, rng, 0, elf.headers_end))
            elif kind == "flip":
                done.append(flip(data, rng))
            elif kind == "code":
                done.append(code_word(data, rng, elf.code))
            elif kind == "overwrite":
                pos, n = rng.randrange(len(data)), rng.randint(1, 16)
                data[pos:pos + n] = rng.randbytes(n)
                done.append(f"{n} random bytes at {pos:#x}")
            elif kind == "truncate":
                done.append(truncate(data, rng, elf.headers_end))
            else:
                done.append(extend(data, rng))
        return Case(f"{elf.path.relative_to(ROOT)}: {'; '.join(done)}", bytes(data), ".elf", elf.input_bytes)

    def check(self, case: Case) -> None:
        self.path.write_bytes(case.data)
        try:
            program = load_elf(self.path)
        except ElfError as e:
            message = str(e)
            assert "\n" not in message and message.startswith(f"{self.path}: "), f"ElfError message {message!r}"
            status, out, err = cli(["disasm", str(self.path)])
            assert (status, out, err) == (3, "", f"zkaot: error: {message}\n"), \
                f"disasm of a file load_elf refuses: exit {status}, stdout {out[:200]!r}, stderr {err[:500]!r}"
            return
        status, out, err = cli(["disasm", str(self.path)])
        assert status == 0 and not err and out.startswith(f"{self.path}: RV{program.xlen}"), \
            f"disasm of a file that loads: exit {status}, stderr {err[:500]!r}"
        program = by_content(program)
        want, _ = run_interpreter(program, case.extra, MemoryMap(), ELF_STEP_LIMIT)
        for mode in MODES:
            got, _ = run_native(program, case.extra, MemoryMap(), ELF_STEP_LIMIT, mode=mode, cache_dir=self.cache_dir)
            same_ending(want, got.result, mode)


def by_content(program: Program) -> Program:
    """The program keyed (for the JIT's cache) by what its translation is made of instead of
    the file's hash, so that the many mutants that load the same image compile once."""
    image = pickle.dumps((program.xlen, program.entry, program.functions, program.segments))
    return dataclasses.replace(program, sha256=hashlib.sha256(image).hexdigest())


def same_ending(want: RunResult, got: RunResult, mode: str) -> None:
    """The JIT ended the run as the interpreter did.  Unlike differential.assert_same, RAM is
    not compared: reading two fresh 128 MiB maps costs about half a second of page faults."""
    fields = ("exit_code", "steps", "pc", "output", "console", "misaligned", "regs")
    diff = [f"{f}: interpreter {getattr(want, f)!r}, JIT {getattr(got, f)!r}"
            for f in fields if getattr(want, f) != getattr(got, f)]
    if str(want.fault) != str(got.fault):
        diff.append(f"fault: interpreter {want.fault}, JIT {got.fault}")
    assert not diff, f"JIT ({mode}) and interpreter differ: " + "; ".join(diff)


# ---- random programs --------------------------------------------------------------------------

class RandomPrograms(Target):
    """Drawn with hypothesis, a batch per seed (so a case is made again from its seed, index and
    the batch's size); the first of a batch is the simplest program, later ones vary earlier ones."""

    def __init__(self, xlen: int, cache_dir: Path):
        self.name, self.xlen, self.cache_dir = f"programs-rv{xlen}", xlen, cache_dir

    def cases(self, seed: int, count: int):
        specs = []

        @hypothesis_seed(seed)
        @settings(max_examples=count, database=None, phases=[Phase.generate], deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(programs(self.xlen))
        def draw(spec):
            specs.append(spec)

        draw()
        rng = random.Random(seed)
        for i, spec in enumerate(specs[:count]):
            limit = STEP_LIMIT
            if spec.cut:
                limit = rng.choice([0, rng.randint(1, max(1, run_length(spec) - 1))])
            what = (f"example {i} of {count} (hypothesis seed {seed}), regs={spec.regs} "
                    f"input={spec.input_bytes!r} step_limit={limit}")
            yield Case(what, spec.source.encode(), ".s", (spec, limit))

    def check(self, case: Case) -> None:
        spec, limit = case.extra
        jit_matches_interpreter(spec, limit, self.cache_dir)


# ---- proof mutants ----------------------------------------------------------------------------

# Writes 8 bytes of its own code to the public output and exits 0: the smallest run whose
# proof has an output, in one segment.
TINY_GUEST = """
auipc a1, 0
addi a0, zero, 3
addi a2, zero, 8
addi a7, zero, 64
ecall
addi a0, zero, 0
addi a7, zero, 93
ecall
"""


def tiny_elf() -> bytes:
    """TINY_GUEST as an ELF file."""
    return build_elf([Seg(RAM_BASE, PF_R | PF_X, assemble(TINY_GUEST, RAM_BASE, 64))])


@cache
def tiny_proof() -> tuple[bytes, str]:
    """(proof file, program ID) of TINY_GUEST, proven once per process (about 5 s)."""
    import zkaot
    proved = zkaot.prove(load_elf(tiny_elf(), name="tiny.elf"), engine="interp")
    return proved.proof, proved.program_id


def edited_claim(proof: bytes, rng: random.Random) -> tuple[bytes, str]:
    """The proof file with one public value of the claim changed, re-encoded well-formed."""
    from prover.riscv.claim import RunClaim
    claim = RunClaim.decode(proof)
    seg = claim.segments[-1]
    changes = {
        "program_id": lambda: {"program_id": f"{int(claim.program_id, 16) ^ 1 << rng.randrange(256):064x}"},
        "entry": lambda: {"entry": claim.entry + rng.choice([-4, 4, 2])},
        "exit_code": lambda: {"exit_code": rng.choice([1, -1, 134])},
        "input_root": lambda: {"input_root": bytes([claim.input_root[0] ^ 1]) + claim.input_root[1:]},
        "no segments": lambda: {"segments": ()},
        "segment twice": lambda: {"segments": claim.segments * 2},
        "final_pc": lambda: {"segments": (dataclasses.replace(seg, final_pc=seg.final_pc + rng.choice([-4, 4])),)},
        "steps": lambda: {"segments": (dataclasses.replace(seg, steps=seg.steps + rng.choice([-1, 1])),)},
        "exits": lambda: {"segments": (dataclasses.replace(seg, exits=not seg.exits),)},
        "precompiles": lambda: {"segments": (dataclasses.replace(seg, precompiles=not seg.precompiles),)},
        "output": lambda: {"segments": (dataclasses.replace(seg, output=rng.choice(
            [seg.output[:-1], seg.output + b"\0", bytes([seg.output[0] ^ 1]) + seg.output[1:]])),)},
    }
    name = rng.choice(sorted(changes))
    return dataclasses.replace(claim, **changes[name]()).encode(), f"claim field {name} edited"


class ProofMutants(Target):
    name = "proofs"

    def __init__(self, workdir: Path):
        from prover.riscv.claim import RunClaim
        self.path = Path(workdir) / "mutant.proof"
        self.proof, self.program_id = tiny_proof()
        self.header = len(self.proof) - len(RunClaim.decode(self.proof).segments[-1].proof)

    def generate(self, rng: random.Random) -> Case:
        data = bytearray(self.proof)
        kind = rng.choices(["flip", "flip-header", "header-word", "truncate", "extend", "swap", "claim"],
                           [25, 15, 15, 10, 5, 10, 20])[0]
        if kind == "flip":
            what = flip(data, rng)
        elif kind == "flip-header":
            what = flip(data, rng, 0, self.header)
        elif kind == "header-word":
            fmt = rng.choice(["<I", "<Q"])
            what = set_field(data, rng, "header word", rng.randrange(self.header - struct.calcsize(fmt)), fmt)
        elif kind == "truncate":
            what = truncate(data, rng, self.header)
        elif kind == "extend":
            what = extend(data, rng)
        elif kind == "swap":
            n = rng.randint(1, 64)
            a, b = sorted(rng.sample(range(len(data) // n), 2))
            data[a * n:(a + 1) * n], data[b * n:(b + 1) * n] = data[b * n:(b + 1) * n], data[a * n:(a + 1) * n]
            what = f"chunks of {n} bytes at {a * n:#x} and {b * n:#x} swapped"
        else:
            edited, what = edited_claim(self.proof, rng)
            data = bytearray(edited)
        if data == self.proof:                          # a no-op (equal chunks swapped, ...): make it a change
            what += "; then " + flip(data, rng)
        return Case(what, bytes(data), ".proof")

    def check(self, case: Case) -> None:
        self.path.write_bytes(case.data)
        status, out, err = cli(["verify", str(self.path), "--program-id", self.program_id])
        assert status != 0, f"a mutant was accepted: {out!r}"
        prefix = {1: "zkaot: proof rejected: ", 3: "zkaot: error: "}.get(status)
        assert prefix and err.startswith(prefix) and err.count("\n") == 1 and not out, \
            f"exit {status}, stdout {out[:200]!r}, stderr {err[:1000]!r}"


# ---- running ----------------------------------------------------------------------------------

def failure(target: Target, case: Case) -> str | None:
    """What went wrong on `case`, or None: an oracle's message, or the traceback of anything else."""
    try:
        target.check(case)
    except AssertionError as e:
        return str(e) or traceback.format_exc()
    except (Exception, SystemExit):
        return traceback.format_exc()
    return None


def run(target: Target, seed: int, count: int) -> list[str]:
    """Check `count` cases of `seed`; a report of each failure."""
    return [f"{target.name} seed {seed} case {i}: {case.what}\n{problem}"
            for i, case in enumerate(target.cases(seed, count))
            if (problem := failure(target, case)) is not None]


# ---- make fuzz ----------------------------------------------------------------------------------

BATCH = {"elf": 50, "programs-rv64": 20, "programs-rv32": 20, "proofs": 10}     # cases per seed


def make_targets(names: list[str], workdir: Path, cache_dir: Path) -> list[Target]:
    make = {"elf": lambda: ElfMutants(workdir, cache_dir),
            "programs-rv64": lambda: RandomPrograms(64, cache_dir),
            "programs-rv32": lambda: RandomPrograms(32, cache_dir),
            "proofs": lambda: ProofMutants(workdir)}
    return [make[name]() for name in names]


def save(out: Path, target: Target, seed: int, index: int, count: int, case: Case, problem: str) -> Path:
    """The case's file and a text file saying how it was made and what went wrong."""
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{target.name}-{seed}-{index}"
    Path(f"{stem}{case.suffix}").write_bytes(case.data)
    Path(f"{stem}.txt").write_text(
        f"target:  {target.name}\ncase:    {index} of seed {seed} (batches of {count})\n"
        f"replay:  .venv/bin/python tests/fuzzing.py --targets {target.name} --seed {seed} --count {count}\n"
        f"made by: {case.what}\n\n{problem}\n")
    return Path(f"{stem}.txt")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="tests/fuzzing.py", description="Run the fuzz targets with random seeds "
                                "for a while (or replay one seed); save each failing case.")
    p.add_argument("--seconds", type=float, default=600, help="how long to fuzz (default 600)")
    p.add_argument("--out", type=Path, default=Path("fuzz-failures"), help="where failing cases go")
    p.add_argument("--targets", default=",".join(BATCH), help=f"comma-separated, of {', '.join(BATCH)}")
    p.add_argument("--seed", type=int, help="replay: one batch of this seed per target, then stop")
    p.add_argument("--count", type=int, help="cases per batch (default: per target)")
    args = p.parse_args(argv)
    names = args.targets.split(",")
    if not set(names) <= set(BATCH):
        p.error(f"--targets {args.targets}: choose from {', '.join(BATCH)}")
    deadline = time.monotonic() + args.seconds
    started = time.monotonic()
    done = {name: [0, 0, 0.0] for name in names}           # cases, failures, seconds
    with tempfile.TemporaryDirectory(prefix="zkaot-fuzz-") as work:
        cache_dir = Path(work) / "jit-cache"
        targets = make_targets(names, Path(work), cache_dir)
        while args.seed is not None or time.monotonic() < deadline:
            for target in targets:
                seed = random.SystemRandom().getrandbits(32) if args.seed is None else args.seed
                count = args.count or BATCH[target.name]
                stats = done[target.name]
                start = time.monotonic()
                for i, case in enumerate(target.cases(seed, count)):
                    problem = failure(target, case)
                    stats[0] += 1
                    if problem is not None:
                        stats[1] += 1
                        report = save(args.out, target, seed, i, count, case, problem)
                        print(f"FAILED {target.name} seed {seed} case {i}: {problem.strip().splitlines()[-1]} "
                              f"({report})", flush=True)
                    if args.seed is None and time.monotonic() >= deadline:
                        break
                stats[2] += time.monotonic() - start
            print(f"[{time.monotonic() - started:6.0f} s] " + "  ".join(
                f"{name}: {n:,} ({n / max(s, 1e-9):.1f}/s, {f} failed)" for name, (n, f, s) in done.items()),
                flush=True)
            shutil.rmtree(cache_dir, ignore_errors=True)        # mutants' code: compiled once, never again
            if args.seed is not None:
                break
    return 1 if any(f for _, f, _ in done.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
