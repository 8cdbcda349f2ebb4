"""Benchmark: a 2^21-step run proven on 1 and 2 local workers and on a 2-worker Dask cluster.

`zkaot.prove` proves a run's segments as independent jobs (prover/riscv/segment_jobs.py)
on an executor (translator/parallel.py).  This proves fibonacci (rv64) with an input that
gives 2,097,150 steps (8 segments of the default 2^18 - 1 steps) in each configuration,
each in a fresh child process, after a warm-up proof of a short run on the same executor
(numba compiles its kernels, the keys are built and cached on disk: both one-off costs):

* `1 worker, 2 threads`: in this process, no pool, every kernel on both cores (workers=1);
* `1 worker, 1 thread`: the same on one core (the baseline the others scale from);
* `2 workers, 1 thread each`: two local worker processes (the default on 2 cores);
* `Dask, 2 workers`: a local `dask.distributed` cluster of 2 single-threaded worker processes.

Measured: prove time (`ProveResult.seconds`: the pass that finds each segment's start,
the segments' proofs, the claim), steps per second, the whole `zkaot.prove` call
(tracing and the final verification included), and peak memory of the parent and of the
largest worker (ru_maxrss; VmHWM of the worker processes).  The machine's load average (`os.getloadavg`) is recorded
before and after each configuration: the machine is shared, so timings are noisy.

Results go to bench/results/prove_parallel.md and prove_parallel.json.

Usage: python bench/prove_parallel.py [--steps-log2 K] (default 21)
"""
import json
import os
import platform
import resource
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
CONFIGS = {"1 worker, 2 threads": ("local", 1, 2), "1 worker, 1 thread": ("local", 1, 1),
           "2 workers, 1 thread each": ("local", 2, 1), "Dask, 2 workers": ("dask", 2, 1)}


def fib_input(steps: int) -> bytes:
    """fibonacci(n) runs 5n + 85 steps (500,085 for n = 100,000)."""
    return struct.pack("<I", (steps - 85) // 5)


class DescendantPeak:
    """The largest peak resident memory (VmHWM) of any process under this one, read from
    /proc every 0.2 s: local workers are children of the forkserver and Dask workers of
    their nannies, so ru_maxrss of RUSAGE_CHILDREN does not see them."""

    def __init__(self):
        import threading
        self.peak_kib, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        import psutil
        me = psutil.Process()
        while not self._stop.wait(0.2):
            for proc in me.children(recursive=True):
                try:
                    for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            self.peak_kib = max(self.peak_kib, int(line.split()[1]))
                except OSError:
                    pass

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_kib / 1024


def measure(name: str, steps_log2: int, cache: str) -> dict:
    import numba

    import zkaot
    from translator.elf import load_elf
    kind, workers, threads = CONFIGS[name]
    if threads == 1 and workers == 1:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})     # one core: zkaot.prove_workers gives 1 thread
    numba.set_num_threads(threads)
    program = load_elf(ELF)
    cluster = None
    options = {"cache_dir": cache}
    if kind == "dask":
        from distributed import LocalCluster
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        options["scheduler"] = cluster.scheduler_address
    else:
        options["workers"] = workers
    try:
        zkaot.prove(program, fib_input(60_000), segment_steps=20_000, **options)      # warm-up: 3 segments
        load_before = os.getloadavg()
        peak = DescendantPeak()
        start = time.perf_counter()
        proved = zkaot.prove(program, fib_input(1 << steps_log2), **options)
        total_s = time.perf_counter() - start
        worker_peak = peak.stop()
        load_after = os.getloadavg()
    finally:
        if cluster is not None:
            cluster.close()
    return {"config": name, "steps": proved.claim.steps, "segments": len(proved.claim.segments),
            "prove_s": proved.seconds, "steps_per_s": proved.claim.steps / proved.seconds, "total_s": total_s,
            "load_before": load_before, "load_after": load_after,
            "parent_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "worker_peak_mib": worker_peak}


def child(name: str, steps_log2: int, cache: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", name, str(steps_log2), cache], capture_output=True,
                         text=True, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"{name}: failed\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(meta: dict, rows: list[dict]) -> str:
    base = next(r["prove_s"] for r in rows if r["config"] == "1 worker, 1 thread")
    lines = [f"# Proving segments in parallel ({meta['date']})", "",
             f"fibonacci (rv64), {rows[0]['steps']:,} steps in {rows[0]['segments']} segments of the default "
             f"2^18 - 1 steps, `zkaot.prove` at default parameters, one fresh process per row after a warm-up proof; "
             f"machine: {meta['machine']}, Python {meta['python']}, commit {meta['commit']}.  The machine is shared "
             "with other work: the 1-minute load average is given before and after each row.", "",
             "Prove s: finding each segment's start, the segments' proofs and the claim.  Total s: the whole "
             "`zkaot.prove` call (the translator's trace and the verification of the finished proof included).  "
             "Peak: ru_maxrss of the parent, and the largest VmHWM of its worker processes (local and Dask).", "",
             "| configuration | prove s | steps/s | vs 1 thread | total s | parent MiB | worker MiB | load before/after |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        worker = f"{r['worker_peak_mib']:,.0f}" if r["config"].startswith(("2", "Dask")) else "-"
        lines.append(f"| {r['config']} | {r['prove_s']:.1f} | {r['steps_per_s']:,.0f} | {base / r['prove_s']:.2f}x | "
                     f"{r['total_s']:.1f} | {r['parent_peak_mib']:,.0f} | {worker} | "
                     f"{r['load_before'][0]:.2f} / {r['load_after'][0]:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]), sys.argv[4])))
        return
    steps_log2 = int(sys.argv[sys.argv.index("--steps-log2") + 1]) if "--steps-log2" in sys.argv else 21
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()
    meta = {"date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "python": platform.python_version(), "commit": commit}
    with tempfile.TemporaryDirectory(prefix="zkaot-bench-") as cache:
        rows = []
        for name in CONFIGS:
            rows.append(child(name, steps_log2, cache))
            print(json.dumps(rows[-1]), flush=True)
    RESULTS.mkdir(exist_ok=True)
    write_atomic(RESULTS / "prove_parallel.json", json.dumps({"meta": meta, "rows": rows}, indent=2).encode())
    write_atomic(RESULTS / "prove_parallel.md", report(meta, rows).encode())
    print(report(meta, rows))


if __name__ == "__main__":
    main()
