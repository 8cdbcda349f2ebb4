"""Benchmark: the reference interpreter's speed on the bundled examples, against native C.

For each example ELF: guest instructions per second on the interpreter, and the
ratio of its wall time to the same C compiled for the host with cc -O2 and run
in this same process's session (bench/native.py).  Results go to
bench/results/interpreter.{json,md}.
"""
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from native import native_available, run_native  # noqa: E402

import zkaot  # noqa: E402
from runtime.files import write_atomic  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
GOAL_INSTRUCTIONS_PER_SECOND = 1e6
# No native baseline: Zig guests (no host build of zkaot.zig) and an example that
# exists to exercise RISC-V atomics and misaligned accesses.
NO_NATIVE = {"zig_collatz": "n/a (Zig)", "misaligned_atomics": "n/a (RISC-V specific)"}


def bench_example(elf: Path) -> dict:
    folder = elf.parent
    input_bytes = (folder / "input.bin").read_bytes()
    expected = (folder / "expected_output.bin").read_bytes()
    best = None
    for _ in range(2):                           # best of two: the first run also warms the decoder caches
        result = zkaot.execute(elf, input_bytes, engine="interp")
        assert result.succeeded and result.output == expected, f"{elf}: wrong result {result.fault}"
        best = result if best is None or result.seconds < best.seconds else best
    row = {"example": folder.name, "elf": elf.name, "arch": elf.name.split(".")[1], "steps": best.steps,
           "misaligned": best.misaligned, "interp_seconds": best.seconds,
           "interp_ips": best.steps / best.seconds}
    main_c = folder / "main.c"
    if native_available() and folder.name not in NO_NATIVE:
        native = run_native(main_c, folder / "input.bin")
        assert native.output == expected, f"{main_c}: native build gives a different output"
        row["native_seconds"] = native.seconds
        row["ratio_to_native"] = best.seconds / native.seconds
    return row


def markdown(rows: list[dict], meta: dict) -> str:
    lines = [f"# Interpreter benchmark ({meta['date']})", "",
             f"Machine: {meta['machine']}, Python {meta['python']}.  Native: host `cc -O2` of the same C "
             "(bench/native_host.c), best of 20 runs; interpreter: best of 2 runs.", "",
             "| example | arch | steps | interpreter | M instr/s | native | interp / native |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        native = f"{r['native_seconds'] * 1e3:.3f} ms" if "native_seconds" in r else NO_NATIVE.get(r["example"], "n/a")
        ratio = f"{r['ratio_to_native']:,.0f}x" if "ratio_to_native" in r else "n/a"
        lines.append(f"| {r['example']} | {r['arch']} | {r['steps']:,} | {r['interp_seconds']:.3f} s | "
                     f"{r['interp_ips'] / 1e6:.2f} | {native} | {ratio} |")
    total_steps = sum(r["steps"] for r in rows)
    total_time = sum(r["interp_seconds"] for r in rows)
    lines += ["", f"Overall: {total_steps:,} steps in {total_time:.2f} s = "
              f"{total_steps / total_time / 1e6:.2f} M instructions/s "
              f"(goal: at least {GOAL_INSTRUCTIONS_PER_SECOND / 1e6:.0f} M/s)."]
    return "\n".join(lines) + "\n"


def main() -> int:
    rows = [bench_example(elf) for elf in sorted(ROOT.glob("examples/*/guest.*.elf"))]
    meta = {"date": time.strftime("%Y-%m-%d"), "python": platform.python_version(),
            "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores"}
    RESULTS.mkdir(exist_ok=True)
    write_atomic(RESULTS / "interpreter.json", json.dumps({"meta": meta, "rows": rows}, indent=2).encode())
    report = markdown(rows, meta)
    write_atomic(RESULTS / "interpreter.md", report.encode())
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
