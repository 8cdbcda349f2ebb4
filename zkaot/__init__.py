"""zkaot: run RISC-V zkVM guests, trace them and prove them.

The public API follows the shape of the eth-act `ere` host interface.
"""
import os
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from runtime.files import default_cache_dir
from runtime.linux import LinuxOptions, linux_calls
from runtime.memory_map import MemoryMap
from runtime.profiles import PROFILES, ZKAOT_PROFILE
from translator.elf import Program, load_elf
from translator.interpreter import Interpreter, RunResult
from zkaot.recognise import AUTO, frames_for, load_guest

if TYPE_CHECKING:                   # the prover is imported only when something is proven
    from prover.riscv.claim import RunClaim

ENGINES = ("jit", "interp")


class Interrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C (or by SIGTERM, raised as a KeyboardInterrupt, then the __cause__):
    str() says where the guest was, `pc <symbol+off> after N steps`."""

    def __init__(self, pc: int, steps: int, symbol: str | None):
        super().__init__(pc, steps, symbol)
        self.pc, self.steps, self.symbol = pc, steps, symbol

    def __str__(self) -> str:
        return f"pc 0x{self.pc:x}" + (f" <{self.symbol}>" if self.symbol else "") + f" after {self.steps:,} steps"


def execute(program: Program | str | Path, input_bytes: bytes | Sequence[bytes] = b"", engine: str = "jit",
            step_limit: int | None = None, memory_map: MemoryMap = MemoryMap(),
            progress=None, on_console=None, opt: int | None = None, cache_dir=None,
            profile: str = "zkaot", process: "LinuxOptions | None" = None) -> RunResult:
    """Run a guest to completion; the result holds its public output, exit code and counts.

    engine "jit" runs LLVM-translated code (compiled once, then cached on disk);
    "interp" the reference interpreter.  `profile` names the machine profile
    (runtime/profiles.py; "auto": recognised from the binary); `input_bytes` is one frame,
    or a list of frames, in order.  memory_map applies to the zkaot profile; the others
    bring their own.  `process` gives a linux-profile run its argv, environment and files.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if profile == AUTO or (profile != "zkaot" and not isinstance(program, Program)):
        guest = load_guest(program, profile)
        program, chosen = guest.program, guest.profile
    else:
        chosen = PROFILES[profile]
        if not isinstance(program, Program):
            program = load_elf(program, memory_map)
    if chosen is not ZKAOT_PROFILE:
        memory_map = chosen.maps[program.xlen]
    frames = [input_bytes] if isinstance(input_bytes, (bytes, bytearray)) else list(input_bytes)
    input_bytes, handed_out = frames_for(chosen, frames)
    calls = chosen.calls[program.xlen]
    if process is not None:
        if chosen.name != "linux":
            raise ValueError(f"argv, environment and files are for the linux profile, not {chosen.name}")
        calls = linux_calls(process)
    if engine == "interp":
        machine = Interpreter(program, input_bytes, memory_map, step_limit, on_console,
                              calls=calls, frames=handed_out)
    else:
        from translator.executor import NativeMachine
        from translator.jit import DEFAULT_OPT
        machine = NativeMachine(program, input_bytes, memory_map, "fast", step_limit, on_console,
                                opt=DEFAULT_OPT if opt is None else opt, cache_dir=cache_dir,
                                calls=calls, frames=handed_out)
    try:
        run = machine.run(progress)
    except KeyboardInterrupt as e:
        raise Interrupted(machine.pc, machine.steps, program.symbol_at(machine.pc)) from e
    if engine == "interp":
        return run
    run.result.compile_seconds = run.compile_seconds
    run.result.cached = run.cached
    return run.result


# ---------------------------------------------------------------- proving

MAX_PROVE_STEPS = 1 << 30       # the longest run `prove` takes (segments chain up to this)


class CannotProve(ValueError):
    """The run cannot be proven (too many steps, no exit, a step no table proves)."""


class GuestFaulted(CannotProve):
    """The guest faulted: a run that did not exit has nothing to prove."""


@dataclass
class ProveResult:
    claim: "RunClaim"           # prover.riscv.claim: the public claim and the STARK proofs
    proof: bytes                # the proof file's bytes (claim.encode())
    seconds: float              # proving time (the run that makes the trace excluded)
    security_bits: float        # conjectured (ethSTARK convention), what each segment's proof states
    proven_bits: float          # proven (unique-decoding regime): prover/security.py

    @property
    def program_id(self) -> str:
        return self.claim.program_id

    # ere's ProgramProvingReport and PublicValues (eth-act/ere, crates/zkvm-interface)
    @property
    def proving_time(self) -> timedelta:
        return timedelta(seconds=self.seconds)

    @property
    def total_num_cycles(self) -> int:
        return self.claim.steps

    @property
    def public_values(self) -> bytes:
        return self.claim.output


def prove(program: Program | str | Path, input_bytes: bytes = b"", *, max_steps: int = MAX_PROVE_STEPS,
          segment_steps: int | None = None, engine: str = "jit", memory_map: MemoryMap = MemoryMap(),
          progress: bool = False, cache_dir=None) -> ProveResult:
    """Prove a whole run of a guest: a proof file (prover/riscv/claim.py) that `verify`
    checks against the program ID alone.  The witness is the run's full trace: with
    engine "jit" the translator's (a minimal-trace run, expanded in parallel into a
    temporary directory and read back memory-mapped, `zkaot trace --mode full`; the
    directory of a killed prover is removed by the next one, runtime.scratch), with
    "interp" the interpreter's, streamed.  It is proven segment by segment (at most
    segment_steps steps each, default prover.riscv.segments.DEFAULT_SEGMENT_STEPS), so
    the prover's memory is bounded by a segment (docs/continuations.md), on every core;
    the constraints are not evaluated on the traces first, the finished proof is
    verified instead (CannotProve if it does not verify), with the program's verifying
    keys written to the cache under `cache_dir` (the JIT's too; default $ZKAOT_CACHE or
    ~/.cache/zkaot) for later verifications.  CannotProve for runs longer than max_steps or not exiting (GuestFaulted when the guest faulted)."""
    import tempfile

    from prover.riscv.claim import prove_claim, verify_claim
    from prover.riscv.segments import DEFAULT_SEGMENT_STEPS
    from runtime.scratch import scratch_dir
    from runtime.trace_files import read_trace
    from translator.segments import SegmentedRun, TraceSegments
    from zkaot.tracing import trace
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if memory_map != MemoryMap():
        raise CannotProve("only the default memory map can be proven")
    if not isinstance(program, Program):
        program = load_elf(program, memory_map)
    segment_steps = segment_steps or DEFAULT_SEGMENT_STEPS
    with scratch_dir(tempfile.gettempdir(), "zkaot-prove-") as scratch:
        if engine == "jit":
            summary = trace(program, input_bytes, Path(scratch), "full", memory_map=memory_map,
                            step_limit=max_steps, cache_dir=cache_dir)
            steps, fault = summary["steps"], summary["fault"]
            files = read_trace(scratch)
            segments = TraceSegments(files["main"], files["precompile"], segment_steps)
        else:
            result = Interpreter(program, input_bytes, memory_map, max_steps).run()
            steps, fault = result.steps, result.fault
            segments = SegmentedRun(program, input_bytes, segment_steps, memory_map, max_steps)
        if fault is not None:
            if steps >= max_steps:
                raise CannotProve(f"the run is longer than {max_steps:,} steps (--max-steps)")
            raise GuestFaulted(f"{program.name}: the guest faulted ({fault}): only runs that exit can be proven")
        bar = None
        if progress:
            from tqdm import tqdm
            bar = tqdm(total=steps, desc="proving", unit=" steps", unit_scale=True, leave=False)
        start = time.perf_counter()
        try:
            claim = prove_claim(program, segments, input_bytes, threads=os.cpu_count() or 1, check=False,
                                on_segment=(lambda k, seg: bar.update(seg.steps)) if bar else None)
        except ValueError as e:
            raise CannotProve(f"{program.name}: cannot prove this run: {e}") from None
        finally:
            if bar:
                bar.close()
        seconds = time.perf_counter() - start
    verdict = verify_claim(claim, claim.program_id, claim.exit_code, input_bytes,
                           key_cache=cache_dir or default_cache_dir())
    if not verdict:                         # the witness is the trace, unchecked while proving: check the result
        raise CannotProve(f"{program.name}: internal error: the proof does not verify ({verdict.reason})")
    return ProveResult(claim, claim.encode(), seconds, verdict.security_bits, verdict.proven_bits)


def input_hash(input_bytes: bytes) -> bytes:
    """The input hash a proof of a run on `input_bytes` commits to (its claim's input_root,
    which `verify(input_bytes=)` recomputes), without the program: machine.input_root reads
    only the key's Input table and parameters, so a key holding that table alone at the
    default parameters gives the same root."""
    from prover.riscv.image import input_air
    from prover.riscv.machine import input_root
    from prover.stark import verifying_key
    return input_root(verifying_key([input_air()]), input_bytes)


def verify(proof: bytes, program_id: str, expect_exit: int = 0, input_bytes: bytes | None = None, *,
           cache_dir=None):
    """Verify a proof file's bytes against a program ID (hex), accepting only a run that
    exited with `expect_exit` (and, given `input_bytes`, ran on them).  The program's
    verifying keys are read from the cache under `cache_dir` (default $ZKAOT_CACHE or
    ~/.cache/zkaot), or built and written there the first time.  Returns
    (verdict, claim): verdict.accepted / .reason / .security_bits (conjectured) /
    .proven_bits, claim the decoded public values (output, exit_code, steps,
    input_root).  ClaimFormatError (a ValueError) if the bytes are not a proof file."""
    from prover.riscv.claim import RunClaim, verify_claim
    claim = RunClaim.decode(proof)
    return verify_claim(claim, program_id, expect_exit, input_bytes,
                        key_cache=cache_dir or default_cache_dir()), claim
