"""Benchmark: the prover's memory is bounded by the segment size, not by the run's length.

`zkaot.prove` proves a run as a chain of segments (docs/continuations.md).  This runs it
on fibonacci (rv64) with inputs that give runs of about 2^17, 2^18 and 2^19 steps at a
fixed segment size, and on the 2^19-step run with three segment sizes, each in a fresh
child process so that ru_maxrss (peak resident memory) is that configuration's own.
Measured (after a warm-up proof of a short run, so numba's compilation is not counted):
steps, segments, prove time and proven steps per second (2 cores, default parameters),
proof file size, `zkaot.verify` time, peak memory.  Whole-run proofs
(one segment) of the same sizes are in bench/results/riscv.md.

Results go to bench/results/continuations.md and continuations.json.

Usage: python bench/continuations.py
"""
import json
import platform
import resource
import struct
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from runtime.files import write_atomic  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
ELF = ROOT / "examples" / "fibonacci" / "guest.rv64im.elf"
THREADS = 2
FIXED_SEGMENT = (1 << 16) - 1
# (fibonacci n, segment steps): n = 26,000 is about 2^17 steps
CONFIGS = [(26_000, FIXED_SEGMENT), (52_000, FIXED_SEGMENT), (104_000, FIXED_SEGMENT),
           (104_000, (1 << 15) - 1), (104_000, (1 << 17) - 1)]


def measure(n: int, segment_steps: int) -> dict:
    import numba

    import zkaot
    from prover.riscv.rom import program_id
    from translator.elf import load_elf

    numba.set_num_threads(THREADS)
    program = load_elf(ELF)
    warm = zkaot.prove(program, struct.pack("<I", 100))      # numba compiles its kernels on first use
    zkaot.verify(warm.proof, program_id(program.image()), 0)
    input_bytes = struct.pack("<I", n)
    start = time.perf_counter()
    proved = zkaot.prove(program, input_bytes, segment_steps=segment_steps)
    total_s = time.perf_counter() - start
    start = time.perf_counter()
    verdict, claim = zkaot.verify(proved.proof, program_id(program.image()), 0, input_bytes)
    verify_s = time.perf_counter() - start
    assert verdict, verdict.reason
    return {"n": n, "segment_steps": segment_steps, "steps": claim.steps, "segments": len(claim.segments),
            "prove_s": proved.seconds, "total_s": total_s, "steps_per_s": claim.steps / proved.seconds,
            "proof_bytes": len(proved.proof), "verify_s": verify_s, "security_bits": verdict.security_bits,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def child(n: int, segment_steps: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(n), str(segment_steps)], capture_output=True,
                         text=True, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"n = {n}, segments of {segment_steps}: failed\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(meta: dict, rows: list[dict]) -> str:
    lines = [f"# Continuations: peak memory against run length ({meta['date']})", "",
             f"fibonacci (rv64), `zkaot.prove` with default parameters on {THREADS} cores, one fresh process per row "
             f"(peak = ru_maxrss); machine: {meta['machine']}, Python {meta['python']}, commit {meta['commit']}.",
             "Prove time excludes making the witness (the translator's minimal-trace run and its parallel expansion "
             "into the full trace) and the check that the finished proof verifies; verify is `zkaot.verify` of the "
             "file's bytes against the program ID and the input (keys rebuilt from the program commitment, then "
             "every segment).", "",
             "| steps | segment steps | segments | prove s | steps/s | proof | verify ms | peak MiB |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r['steps']:,} | {r['segment_steps']:,} | {r['segments']} | {r['prove_s']:.1f} | "
                     f"{r['steps_per_s']:,.0f} | {r['proof_bytes'] / 2**20:.1f} MiB | {r['verify_s'] * 1e3:.0f} | "
                     f"{r['peak_rss_mib']:,.0f} |")
    fixed = [r for r in rows if r["segment_steps"] == FIXED_SEGMENT]
    lo, hi = min(fixed, key=lambda r: r["steps"]), max(fixed, key=lambda r: r["steps"])
    lines += ["", f"At segments of {FIXED_SEGMENT:,} steps, a {hi['steps'] / lo['steps']:.1f}x longer run peaks at "
              f"{hi['peak_rss_mib'] / lo['peak_rss_mib']:.2f}x the memory ({lo['peak_rss_mib']:,.0f} -> "
              f"{hi['peak_rss_mib']:,.0f} MiB); proof size and verify time grow with the number of segments."]
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(measure(int(sys.argv[2]), int(sys.argv[3]))))
        return
    import numba
    rows = []
    for n, segment_steps in CONFIGS:
        row = child(n, segment_steps)
        rows.append(row)
        print(f"{row['steps']:,} steps in {row['segments']} segments of <= {segment_steps:,}: prove "
              f"{row['prove_s']:.1f} s ({row['steps_per_s']:,.0f} steps/s), proof {row['proof_bytes'] / 2**20:.1f} MiB, "
              f"verify {row['verify_s'] * 1e3:.0f} ms, peak {row['peak_rss_mib']:,.0f} MiB", flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip() or "unknown"
    meta = {"date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {numba.config.NUMBA_NUM_THREADS} cores",
            "python": platform.python_version(), "commit": commit}
    write_atomic(RESULTS / "continuations.json", json.dumps({"meta": meta, "rows": rows}, indent=2).encode())
    write_atomic(RESULTS / "continuations.md", report(meta, rows).encode())


if __name__ == "__main__":
    main()
