"""Benchmark: `zkaot verify` in a fresh process, as a user runs it.

Proves fibonacci (rv64) on two inputs, a run of one segment (about 200k steps) and the
bundled input's (500k steps: two segments of the default size, and 8 and 16 segments of
smaller ones), then times `python -m zkaot verify` in fresh child processes: wall time
(what the user waits) and CPU time (user + sys of the child, which depends less on what
else the machine runs; with `--workers 2` its workers' CPU is not in it, since they are
children of multiprocessing's forkserver), median of REPEATS runs each:
- "keys built": every run with an empty key cache (`$ZKAOT_CACHE`), so the verifying keys
  are rebuilt from the program ID (prover/riscv/keycache.py), default workers;
- "keys cached": the keys read from the cache a first run wrote, with `--workers 1` (the
  segments checked in turn in the process) and `--workers 2` (checked in parallel on two
  local worker processes, prover/riscv/segment_jobs.py);
- "floor": a process that only imports the verifier and calls one cached numba kernel,
  the part of any verification in a fresh process that no verifier change removes.
The load average is recorded beside the figures: on a shared 2-core machine the wall
times grow with it, the CPU times much less.

Results go to bench/results/verify.md and verify.json.

Usage: python bench/verify.py [REPEATS]
"""
import json
import os
import platform
import resource
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from runtime.files import write_atomic  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
ELF = ROOT / "examples" / "fibonacci" / "guest.rv64im.elf"
# fibonacci n (about 200k and 500k steps) and segment steps (None: the default)
INPUTS = {"1 segment": (40_000, None), "2 segments": (100_000, None), "8 segments": (100_000, 65_535),
          "16 segments": (100_000, 32_767)}
FLOOR = "from prover import field; field.mul(1, 2)"


def timed(argv: list[str], env: dict) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one child process, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def medians(runs: list[tuple[float, float]]) -> dict:
    return {"wall_s": statistics.median(w for w, _ in runs), "cpu_s": statistics.median(c for _, c in runs),
            "runs": len(runs)}


def measure(proof: Path, program_id: str, repeats: int) -> dict:
    """Fresh-process verify times of one proof file, keys built and keys cached."""
    argv = [sys.executable, "-m", "zkaot", "verify", str(proof), "--program-id", program_id]
    base = {**os.environ, "PYTHONPATH": str(ROOT)}
    built = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            built.append(timed(argv, {**base, "ZKAOT_CACHE": cache}))
    result = {"keys built": medians(built)}
    with tempfile.TemporaryDirectory() as cache:
        env = {**base, "ZKAOT_CACHE": cache}
        timed(argv, env)                                    # writes the keys
        for workers in (1, 2):
            runs = [timed(argv + ["--workers", str(workers)], env) for _ in range(repeats)]
            result[f"keys cached, {workers} worker{'s' if workers > 1 else ''}"] = medians(runs)
    return result


def main() -> None:
    import zkaot
    from prover.riscv.rom import program_id
    from translator.elf import load_elf

    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    program = load_elf(ELF)
    pid = program_id(program.image())
    rows = {}
    with tempfile.TemporaryDirectory() as work:
        for name, (n, segment_steps) in INPUTS.items():
            proved = zkaot.prove(program, struct.pack("<I", n), segment_steps=segment_steps)
            proof = Path(work) / f"{n}.proof"
            proof.write_bytes(proved.proof)
            rows[name] = {"steps": proved.claim.steps, "segments": len(proved.claim.segments),
                          "proof_bytes": len(proved.proof), "security_bits": proved.security_bits,
                          "proven_bits": proved.proven_bits, **measure(proof, pid, repeats)}
    base = {**os.environ, "PYTHONPATH": str(ROOT)}
    rows["floor"] = medians([timed([sys.executable, "-c", FLOOR], base) for _ in range(repeats)])
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "load_average": os.getloadavg(), "repeats": repeats, "rows": rows}
    RESULTS.mkdir(exist_ok=True)
    write_atomic(RESULTS / "verify.json", (json.dumps(result, indent=2) + "\n").encode())
    write_atomic(RESULTS / "verify.md", report(result).encode())
    print(report(result))


def report(result: dict) -> str:
    lines = ["# `zkaot verify` in a fresh process", "",
             f"{result['machine']}; load average {', '.join(f'{x:.1f}' for x in result['load_average'])} "
             f"(1, 5, 15 min) when it ended; median of {result['repeats']} fresh processes each "
             "(bench/verify.py).  Wall: what the user waits; CPU: user + sys of the process (with 2 workers, not "
             "theirs).", "",
             "| proof | steps | proof size | security (conjectured / proven) | keys built: wall, CPU "
             "| keys cached, 1 worker: wall, CPU | keys cached, 2 workers: wall, CPU |",
             "| --- | ---: | ---: | --- | ---: | ---: | ---: |"]
    for name, r in result["rows"].items():
        if name == "floor":
            continue
        kb, k1, k2 = r["keys built"], r["keys cached, 1 worker"], r["keys cached, 2 workers"]
        lines.append(f"| fibonacci, {name} | {r['steps']:,} | {r['proof_bytes'] / 2**20:.2f} MiB | "
                     f"{r['security_bits']:.2f} / {r['proven_bits']:.2f} bits | {kb['wall_s']:.2f} s, "
                     f"{kb['cpu_s']:.2f} s | {k1['wall_s']:.2f} s, {k1['cpu_s']:.2f} s | "
                     f"{k2['wall_s']:.2f} s, {k2['cpu_s']:.2f} s |")
    f = result["rows"]["floor"]
    lines += ["", f"Floor (import the verifier, call one cached numba kernel: `{FLOOR}`): "
              f"{f['wall_s']:.2f} s wall, {f['cpu_s']:.2f} s CPU.  A one-segment proof is always checked in the "
              "process (there is nothing to split); `--workers 2` on a chain starts two worker processes, which "
              "each pay most of that floor again.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
