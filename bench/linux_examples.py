"""Benchmark: the Go and glibc example programs (examples/linux) under zkaot, qemu-user and natively.

Each program of examples/linux/build.py runs three ways in one run of this script, every run
checked to print the stdout and exit with the status qemu-user gave when the fixture was built:
- zkaot: `--profile linux`, fast mode from a warm cache, in-process (best of RUNS; CPU time of
  the run's thread, so Python's start-up and the JIT's loading are not counted; the steps it
  takes include every F/D instruction's soft-float library code);
- qemu-user: `qemu-riscv64 prog.elf` as a whole process (best CPU time of RUNS);
- native: the same source built for this machine (`go build` for GOARCH=amd64, `gcc -O2`),
  a whole process (best CPU time of RUNS).
The programs are short: Go's runtime start-up is much of each.  Needs Debian's golang-go,
gcc and qemu-user.  Not part of `make test`; results go to bench/results/linux_examples.{json,md}.
"""
import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "examples" / "linux")]

from build import PROGRAMS, Program  # noqa: E402  (examples/linux/build.py)
from runtime.files import write_atomic  # noqa: E402
from runtime.linux import LINUX_MAP, LinuxOptions, linux_calls  # noqa: E402
from translator.executor import NativeMachine  # noqa: E402
from zkaot.recognise import load_guest  # noqa: E402

RUNS = 5
RESULTS = ROOT / "bench" / "results"


def expected_of(program: Program) -> dict:
    return json.loads((program.folder / "expected.json").read_text())


def stdin_of(program: Program) -> bytes:
    return (program.folder / program.stdin).read_bytes() if program.stdin else b""


def process_cpu(argv: list[str], program: Program, runs: int) -> float:
    """Best CPU time (user + system, children included) of `runs` whole-process runs, each checked."""
    expected, best = expected_of(program), float("inf")
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(argv, input=stdin_of(program), capture_output=True, timeout=600)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        assert done.stdout.decode() == expected["stdout"] and done.returncode == expected["exit"], \
            (argv, done.returncode, done.stderr[-500:])
        best = min(best, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return best


def native_build(program: Program, out: Path) -> Path:
    """The program built for this machine from the same source."""
    if program.language == "go":
        env = dict(os.environ, CGO_ENABLED="0", GO111MODULE="off",
                   GOCACHE=str(Path(tempfile.gettempdir()) / "zkaot-go-cache"))
        subprocess.run(["go", "build", "-trimpath", "-o", str(out), "main.go"], cwd=program.folder, env=env,
                       check=True)
    else:
        subprocess.run(["gcc", "-static", "-O2", "-o", str(out), "main.c", "-lm"], cwd=program.folder, check=True)
    return out


def zkaot_cpu(program: Program, cache: Path) -> tuple[float, int]:
    """CPU seconds of one warm-cache fast run in this process, and its steps; checked."""
    expected = expected_of(program)
    guest = load_guest(program.folder / "prog.elf", "linux")
    options = LinuxOptions(argv=(b"prog.elf", *(a.encode() for a in program.args)))
    machine = NativeMachine(guest.program, b"", LINUX_MAP, cache_dir=cache, tier_up=False,
                            calls=linux_calls(options), frames=(stdin_of(program),))
    start = time.thread_time()
    run = machine.run()
    cpu = time.thread_time() - start
    assert run.result.output.decode() == expected["stdout"] and run.result.exit_code == expected["exit"], \
        (program.name, run.result.fault, run.result.console[-300:])
    return cpu, run.result.steps


def bench(program: Program, cache: Path, tmp: Path) -> dict:
    native = native_build(program, tmp / f"{program.name}.native")
    native_cpu = process_cpu([str(native), *program.args], program, RUNS)
    qemu_cpu = process_cpu(["qemu-riscv64", str(program.folder / "prog.elf"), *program.args], program, RUNS)
    print(f"{program.name}: compiling for zkaot ...", file=sys.stderr)
    zkaot_cpu(program, cache)                                   # fills the cache (not timed)
    runs = [zkaot_cpu(program, cache) for _ in range(RUNS)]
    return {"program": program.name, "binary_bytes": (program.folder / "prog.elf").stat().st_size,
            "steps": runs[0][1], "native_cpu_s": native_cpu, "qemu_cpu_s": qemu_cpu,
            "zkaot_cpu_s": min(r[0] for r in runs)}


def markdown(rows: list[dict], meta: dict) -> str:
    lines = [f"# Go and glibc programs under zkaot, qemu-user and natively ({meta['date']})", "",
             f"Machine: {meta['machine']}, {meta['cores']} cores, load average {meta['load']} when it began.  "
             "Programs: examples/linux (Debian's Go 1.19 and riscv64-linux-gnu-gcc, static).  zkaot: `--profile "
             f"linux`, fast mode, warm cache, best CPU time of the run's thread of {RUNS}; qemu-user and native "
             "(the same source built for x86-64): whole processes, best CPU time.", "",
             "| program | binary | steps | native | qemu-user | zkaot | zkaot / qemu-user |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        n = r["native_cpu_s"]
        lines.append(f"| {r['program']} | {r['binary_bytes'] / 1e6:.1f} MB | {r['steps']:,} | {n * 1e3:.1f} ms | "
                     f"{r['qemu_cpu_s'] * 1e3:.1f} ms ({r['qemu_cpu_s'] / n:.1f}x) | {r['zkaot_cpu_s'] * 1e3:.1f} ms "
                     f"({r['zkaot_cpu_s'] / n:.1f}x) | {r['zkaot_cpu_s'] / r['qemu_cpu_s']:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--program", action="append", choices=[p.name for p in PROGRAMS], help="default: all")
    args = parser.parse_args()
    for tool, package in (("go", "golang-go"), ("gcc", "gcc"), ("qemu-riscv64", "qemu-user")):
        if shutil.which(tool) is None:
            sys.exit(f"linux_examples.py: {tool} not found; install it with `apt-get install {package}`")
    meta = {"date": time.strftime("%Y-%m-%d"), "machine": platform.machine(), "cores": os.cpu_count() or 1,
            "load": " / ".join(f"{x:.1f}" for x in os.getloadavg()), "python": platform.python_version()}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for program in (p for p in PROGRAMS if not args.program or p.name in args.program):
            rows.append(bench(program, Path(tmp) / "cache", Path(tmp)))
            print(json.dumps(rows[-1]), file=sys.stderr)
    RESULTS.mkdir(exist_ok=True)
    write_atomic(RESULTS / "linux_examples.json", json.dumps({"meta": meta, "rows": rows}, indent=2).encode())
    report = markdown(rows, meta)
    write_atomic(RESULTS / "linux_examples.md", report.encode())
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
