"""zkaot: run RISC-V zkVM guests, trace them and prove them.

The public API follows the shape of the eth-act `ere` host interface.
"""
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


class NoExecutor(ValueError):
    """The workers asked for cannot be had: a Dask scheduler that cannot be reached, or
    Dask not installed (the message is one line)."""


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


def prove_workers(workers: int | None = None) -> tuple[int, int]:
    """(worker processes, threads each) for proving on this machine: by default one
    worker per core, one thread each; workers=1 proves in this process on every core.
    Measured on this shared 2-core machine at load 4-9 (bench/results/prove_parallel.md,
    README): two single-threaded workers were as fast as one process on both cores (a
    2^21-step run: 138 s against 141 s; a 4-segment run, paired: 18.1 s against 18.3 s),
    and numba's second thread gains little even on an idle machine (bench/prover.py)
    where a second worker process has a core of its own."""
    from translator.parallel import default_workers
    cores = default_workers()
    workers = cores if workers is None else workers
    return workers, max(1, cores // workers)


def prove(program: Program | str | Path, input_bytes: bytes | Sequence[bytes] = b"", *,
          max_steps: int = MAX_PROVE_STEPS, segment_steps: int | None = None, engine: str = "jit",
          memory_map: MemoryMap = MemoryMap(), progress: bool = False, cache_dir=None, workers: int | None = None,
          scheduler: str | None = None, profile: str = "zkaot") -> ProveResult:
    """Prove a whole run of a guest: a proof file (prover/riscv/claim.py) that `verify`
    checks against the program ID alone.  `profile` names the machine profile
    (runtime/profiles.py; those proven: prover/riscv/proof_profiles.py), `input_bytes` is
    one frame or a list of frames, in order, as for `execute`.  The witness is the run's full trace, written to
    a temporary directory and read back memory-mapped: with engine "jit" the translator's
    (a minimal-trace run, expanded in parallel, `zkaot trace --mode full`), with "interp"
    the interpreter's, streamed; the directory of a killed prover is removed by the next
    one (runtime.scratch).  It is proven in segments (at most segment_steps steps each,
    default prover.riscv.segments.DEFAULT_SEGMENT_STEPS), each a job on `workers` local
    processes (default and threads: `prove_workers`) or on the Dask cluster whose
    scheduler is at `scheduler` (prover/riscv/segment_jobs.py), so the prover's memory is
    bounded by workers times a segment (docs/continuations.md).  The constraints are not
    evaluated on the traces first, the finished proof is verified instead (CannotProve if
    it does not verify), with the program's keys written to the cache under `cache_dir`
    (the JIT's too; default $ZKAOT_CACHE or ~/.cache/zkaot) for the workers and later
    verifications.  CannotProve for runs longer than max_steps or not exiting
    (GuestFaulted when the guest faulted) and for a job that failed in a worker (one
    line); NoExecutor for a scheduler that cannot be reached.  A run of a profile no proof
    holds, or that makes a call no proof table holds (`prover.riscv.refusals`), is
    CannotProve (one line) before anything is proven."""
    import tempfile

    import numpy as np

    from prover.riscv.claim import run_claim, verify_claim
    from prover.riscv.proof_profiles import proof_profile
    from prover.riscv.refusals import unproven_call
    from prover.riscv.rom import program_commitment
    from prover.riscv.segment_jobs import prove_on
    from prover.riscv.segments import DEFAULT_SEGMENT_STEPS
    from runtime.scratch import scratch_dir
    from translator.segments import SegmentedRun, cut_points, write_run_trace
    from zkaot.tracing import trace
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if memory_map != MemoryMap():
        raise CannotProve("only the default memory map can be proven")
    try:
        chosen = proof_profile(profile)
    except ValueError as e:
        raise CannotProve(f"{getattr(program, 'name', program)}: {e}") from None
    if not isinstance(program, Program):
        program = load_guest(program, profile).program
    if program.float_lowering is not None:
        raise CannotProve(f"{program.name}: the program has F/D instructions (lowered to the soft-float library), "
                          "which no proof holds yet; such programs cannot be proven")
    calls = PROFILES[profile].calls[program.xlen]
    memory_map = chosen.map_for(program.xlen)
    frames = [input_bytes] if isinstance(input_bytes, (bytes, bytearray)) else list(input_bytes)
    input_bytes, handed_out = frames_for(PROFILES[profile], frames)
    committed = committed_input(profile, frames, program.xlen)
    segment_steps = segment_steps or DEFAULT_SEGMENT_STEPS
    cache_dir = cache_dir or default_cache_dir()
    with _executor(scheduler, workers) as (executor, threads), \
            scratch_dir(tempfile.gettempdir(), "zkaot-prove-") as scratch:
        if engine == "jit":
            summary = trace(program, frames, Path(scratch), "full", memory_map=memory_map,
                            step_limit=max_steps, cache_dir=cache_dir, executor=executor, profile=profile)
            steps, fault = summary["steps"], summary["fault"]
        else:
            result = Interpreter(program, input_bytes, memory_map, max_steps, calls=calls, frames=handed_out).run()
            steps, fault = result.steps, result.fault
            if fault is None:
                write_run_trace(SegmentedRun(program, input_bytes, segment_steps, memory_map, calls=calls,
                                             frames=handed_out), scratch, steps)
        if fault is not None:
            if steps >= max_steps:
                raise CannotProve(f"the run is longer than {max_steps:,} steps (--max-steps)")
            raise GuestFaulted(f"{program.name}: the guest faulted ({fault}): only runs that exit can be proven")
        rows = np.load(Path(scratch) / "main.npy", mmap_mode="r")
        image = program.image(memory_map, profile)         # all the prover takes of the program
        cuts = cut_points(np.asarray(rows["op"]), segment_steps)
        refused = unproven_call(image, rows, int(cuts[0]))
        if refused:
            raise CannotProve(f"{program.name}: {refused}")
        bar = _prove_bar(steps, len(cuts)) if progress else None
        start = time.perf_counter()
        try:
            commitment = program_commitment(image)
            proofs = prove_on(executor, image, commitment, scratch, cuts, committed, cache_dir=cache_dir,
                              threads=threads, on_segment=bar.segment_done if bar else None,
                              overlap=executor.workers > 1 or scheduler is not None)
            claim = run_claim(commitment, proofs, input_hash(committed, profile))
        except ValueError as e:
            raise CannotProve(f"{program.name}: cannot prove this run: {_first_line(e)}") from None
        except Exception as e:                  # a job's error, raised again here by the executor
            raise CannotProve(f"{program.name}: a prover worker failed: {type(e).__name__}: "
                              f"{_first_line(e)}") from None
        finally:
            if bar:
                bar.close()
        seconds = time.perf_counter() - start
        verdict = verify_claim(claim, claim.program_id, claim.exit_code, committed, key_cache=cache_dir)
    if not verdict:                         # the witness is the trace, unchecked while proving: check the result
        raise CannotProve(f"{program.name}: internal error: the proof does not verify ({verdict.reason})")
    return ProveResult(claim, claim.encode(), seconds, verdict.security_bits, verdict.proven_bits)


def _first_line(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return lines[0] if lines else type(e).__name__


WORKER_MODULES = ("translator.expand", "prover.riscv.segment_jobs")    # what the jobs import: once, not per worker


class _executor:
    """The executor segments are proven on, and the threads each job uses; a scheduler
    that cannot be reached, or Dask not installed, is NoExecutor (one line)."""

    def __init__(self, scheduler: str | None, workers: int | None):
        from translator.parallel import make_executor
        workers, self.threads = (None, 1) if scheduler else prove_workers(workers)
        try:
            self.executor = make_executor(scheduler, workers, preload=WORKER_MODULES)
        except (ImportError, OSError) as e:
            raise NoExecutor(_first_line(e)) from None

    def __enter__(self):
        return self.executor, self.threads

    def __exit__(self, *exc) -> None:
        self.executor.close()


class _prove_bar:
    """A progress bar over the run's steps that moves as each segment's proof arrives
    (segments finish in any order on parallel workers), with the steps per second."""

    def __init__(self, steps: int, segments: int):
        from tqdm import tqdm
        self.bar = tqdm(total=steps, desc="proving", unit=" steps", unit_scale=True, leave=False)
        self.segments, self.done = segments, 0
        self.bar.set_postfix_str(f"0/{segments} segments")

    def segment_done(self, k: int, segment) -> None:
        self.done += 1
        self.bar.set_postfix_str(f"{self.done}/{self.segments} segments", refresh=False)
        self.bar.update(segment.steps)

    def close(self) -> None:
        self.bar.close()


def committed_input(profile: str, frames: Sequence[bytes], xlen: int) -> bytes:
    """What the input commitment of a proof of a `profile` run on `frames` covers: the input
    region's bytes (`recognise.frames_for`), or for a machine that reads its frames through
    calls, their hint stream (`ProofProfile.proof_input`).  One function, so that `prove` and
    `verify` cannot drift apart; b"" for a profile no proof holds (verify_claim refuses it)."""
    from prover.riscv.proof_profiles import PROOF_PROFILES
    known = PROFILES.get(profile)
    input_bytes = frames_for(known, frames)[0] if known else b""
    chosen = PROOF_PROFILES.get(profile)
    return chosen.proof_input(input_bytes, frames, xlen) if chosen else input_bytes


def input_hash(input_bytes: bytes, profile: str = "zkaot") -> bytes:
    """The input hash a proof of a run on `input_bytes` (the input region's bytes: for ZisK,
    its frames as records; for SP1, the frames' hint stream: `committed_input`) commits to (its claim's input_root,
    which `verify(input_bytes=)` recomputes), without the program: machine.input_root reads
    only the key's Input table and parameters, so a key holding that table alone at the
    default parameters gives the same root."""
    from prover.riscv.image import input_air
    from prover.riscv.machine import input_root
    from prover.riscv.proof_profiles import proof_profile
    from prover.stark import verifying_key
    chosen = proof_profile(profile)
    return input_root(verifying_key([input_air(chosen.memory_map)]), input_bytes, chosen.memory_map)


def verify(proof: bytes, program_id: str, expect_exit: int = 0, input_bytes: bytes | Sequence[bytes] | None = None,
           *, cache_dir=None, executor=None, workers: int | None = None, scheduler: str | None = None):
    """Verify a proof file's bytes against a program ID (hex), accepting only a run that
    exited with `expect_exit` (and, given `input_bytes`, one frame or a list of frames as
    for `prove`, ran on them).  The program's
    verifying keys are read from the cache under `cache_dir` (default $ZKAOT_CACHE or
    ~/.cache/zkaot), or built and written there the first time.  Returns
    (verdict, claim): verdict.accepted / .reason / .security_bits (conjectured) /
    .proven_bits, claim the decoded public values (output, exit_code, steps,
    input_root).  ClaimFormatError (a ValueError) if the bytes are not a proof file.
    A chain's segments are checked in parallel (prover/riscv/segment_jobs.py) on
    `executor` (translator/parallel.py), on the Dask cluster at `scheduler`, or on
    `workers` local processes; by default in this process, which was faster for every
    chain measured (up to 62 segments on 2 cores: a worker's start costs more than the
    0.1 s of CPU a segment's check takes; bench/results/verify.md).  NoExecutor for a
    scheduler that cannot be reached."""
    from prover.riscv.claim import RunClaim, verify_claim
    claim = RunClaim.decode(proof)
    if input_bytes is not None and not isinstance(input_bytes, (bytes, bytearray)):
        input_bytes = committed_input(claim.program.profile, list(input_bytes), claim.program.xlen)
    cache_dir = cache_dir or default_cache_dir()
    if executor is None and len(claim.segments) > 1:
        if scheduler or (workers or 1) > 1:
            with _executor(scheduler, workers) as (pool, _):
                return verify_claim(claim, program_id, expect_exit, input_bytes, key_cache=cache_dir,
                                    executor=pool), claim
    return verify_claim(claim, program_id, expect_exit, input_bytes, key_cache=cache_dir,
                        executor=executor), claim