"""Benchmark: the same static Linux binary under zkaot's linux profile and under qemu-user.

Lua 5.4 and SQLite (Debian's sources and bench/large's drivers and workloads, as in
bench/large_programs.py) built once with `zig cc -target riscv64-linux-musl
-mcpu=generic_rv64+m+a -static -O2`: a Linux program without F, D or compressed
instructions, which `zkaot run --profile linux` and `qemu-riscv64` both run unmodified, so
the two executors are compared on identical guest code (bench/large_programs.py compares
zkaot's own guest builds with a glibc rv64gc build under qemu).  The driver opens the
workload named by argv[1]; zkaot is given it with `--file`.  Every run must print what the
native twin (`cc -O2`) prints.

zkaot: fast mode from a warm cache (in-process, best of RUNS, CPU time of the run's thread);
qemu-user and native: whole processes (best CPU time).  Not part of `make test`; results go
to bench/results/linux_programs.{json,md}.
"""
import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from large_programs import (CACHE, LARGE, NATIVE_RUNS, RESULTS, build, ensure_tools, guests,  # noqa: E402
                            run_process, time_process)
from runtime.files import write_atomic  # noqa: E402
from runtime.linux import LINUX_MAP, LinuxOptions, linux_calls  # noqa: E402
from translator.executor import NativeMachine  # noqa: E402
from zkaot.recognise import load_guest  # noqa: E402

RUNS = 3


def zkaot_fast(exe: Path, workload: Path, expected: bytes, cache: Path) -> tuple[float, float, int]:
    """(wall, CPU) seconds of one warm-cache fast run, and its steps; checked against native."""
    guest = load_guest(exe, "linux")
    options = LinuxOptions(argv=(b"prog", b"workload"), files=(("workload", workload.read_bytes()),))
    machine = NativeMachine(guest.program, b"", LINUX_MAP, cache_dir=cache, tier_up=False,
                            calls=linux_calls(options))
    start, start_cpu = time.perf_counter(), time.thread_time()
    run = machine.run()
    wall, cpu = time.perf_counter() - start, time.thread_time() - start_cpu
    assert run.result.exit_code == 0 and run.result.output == expected, (run.result.fault, run.result.console[-300:])
    return wall, cpu, run.result.steps


def bench(guest, cache: Path) -> dict:
    exe, native = build(guest, "linux"), build(guest, "native")
    workload = LARGE / guest.workload
    _, _, done = run_process([str(native), str(workload)])
    expected = done.stdout
    native_s, native_cpu = time_process([str(native), str(workload)], expected, NATIVE_RUNS)
    qemu_s, qemu_cpu = time_process(["qemu-riscv64", str(exe), str(workload)], expected, RUNS)
    print(f"{guest.name}: compiling for zkaot ...", file=sys.stderr)
    zkaot_fast(exe, workload, expected, cache)                  # fills the cache (not timed)
    runs = [zkaot_fast(exe, workload, expected, cache) for _ in range(RUNS)]
    return {"guest": guest.name, "binary_bytes": exe.stat().st_size, "steps": runs[0][2],
            "native_cpu_s": native_cpu, "qemu_cpu_s": qemu_cpu, "zkaot_cpu_s": min(r[1] for r in runs),
            "native_s": native_s, "qemu_s": qemu_s, "zkaot_s": min(r[0] for r in runs)}


def markdown(rows: list[dict], meta: dict) -> str:
    lines = [f"# The same Linux binary under zkaot and qemu-user ({meta['date']})", "",
             f"Machine: {meta['machine']}, {meta['cores']} cores, load average {meta['load']} when it began.  "
             "Binaries: `zig cc -target riscv64-linux-musl -mcpu=generic_rv64+m+a -static -O2` (bench/linux_programs.py); "
             "zkaot: `--profile linux`, fast mode, warm cache, best CPU time of the run's thread of "
             f"{RUNS}; qemu-user and native (`cc -O2`): whole processes, best CPU time.", "",
             "| guest | binary | steps | native | qemu-user | zkaot | zkaot / qemu-user |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        n = r["native_cpu_s"]
        lines.append(f"| {r['guest']} | {r['binary_bytes'] / 1e6:.1f} MB | {r['steps']:,} | {n:.3f} s | "
                     f"{r['qemu_cpu_s']:.3f} s ({r['qemu_cpu_s'] / n:.1f}x) | {r['zkaot_cpu_s']:.3f} s "
                     f"({r['zkaot_cpu_s'] / n:.1f}x) | {r['zkaot_cpu_s'] / r['qemu_cpu_s']:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--guest", action="append", choices=["lua", "sqlite"], help="default: both")
    args = parser.parse_args()
    ensure_tools()
    meta = {"date": time.strftime("%Y-%m-%d"), "machine": platform.machine(), "cores": os.cpu_count() or 1,
            "load": " / ".join(f"{x:.1f}" for x in os.getloadavg()), "python": platform.python_version()}
    rows = []
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        for guest in (g for g in guests() if g.name in (args.guest or ["lua", "sqlite"])):
            rows.append(bench(guest, Path(tmp)))
            print(json.dumps(rows[-1]), file=sys.stderr)
    RESULTS.mkdir(exist_ok=True)
    write_atomic(RESULTS / "linux_programs.json", json.dumps({"meta": meta, "rows": rows}, indent=2).encode())
    report = markdown(rows, meta)
    write_atomic(RESULTS / "linux_programs.md", report.encode())
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
