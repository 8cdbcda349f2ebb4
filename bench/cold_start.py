"""Benchmark: cold start, the cache a cold run leaves, and `zkaot translate`, on a large generated guest.

The guest (bench/big_guest.py) has BIG_FUNCTIONS distinct functions, about 200,000 RISC-V
instructions.  Measured, each on a fresh cache:

- time to the first instruction of a cold run (in this process: from the machine's construction
  until the region at the entry is compiled and runs), against what the quick tier of the whole
  program takes to compile (what a cold run waited for before lazy compilation), on one core and
  in parallel partitions;
- a whole cold `zkaot run` process on a short input (265 steps), and on an input that calls every
  function (all of the code is compiled lazily);
- what the short cold run leaves: the handed-off compile of the default tier (until it is in the
  cache), then a second `zkaot run` (it loads that, compiling nothing);
- `zkaot translate` of all three modes as a whole process (wall time: the modes' partitions share
  one pool on all cores), and the CPU time of each mode's compile jobs, as it reports them;
- full-trace replay on full-mode code of both tiers (full mode's default tier is the quick one);
- fast-mode run time of coremark_like and sha256_soft (warm cache, best of RUNS).

Results go to bench/results/cold_start.{json,md}.  The machine is shared: wall times move with its
load (reported), CPU times much less.
"""
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from big_guest import big_input, build_big  # noqa: E402

from prover.riscv.rom import program_id  # noqa: E402
from runtime.files import write_atomic  # noqa: E402
from runtime.memory_map import MemoryMap  # noqa: E402
from translator import jit, tiering  # noqa: E402
from translator.elf import load_elf  # noqa: E402
from translator.executor import NativeMachine, layout_for  # noqa: E402
from translator.expand import chunks_of, expand_chunk  # noqa: E402
from translator.jit import DEFAULT_OPT, QUICK_OPT, cache_key, compile_ir, tier, translate  # noqa: E402
from translator.regions import code_map  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
BIG_FUNCTIONS = 1_070           # about 201,000 instructions
RUNS = 11
REPLAYS = 9
GOALS = {"first_instruction_s": 2.0, "translate_s": 60.0}
ZKAOT = [sys.executable, "-m", "zkaot"]


def zkaot(args: list, cache: Path) -> tuple[float, str]:
    """Wall time and stdout of one zkaot process on the given cache (hand-off on, as for a user)."""
    env = dict(os.environ, ZKAOT_CACHE=str(cache), ZKAOT_HAND_OFF="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    start = time.perf_counter()
    out = subprocess.run(ZKAOT + [str(a) for a in args], env=env, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - start, out


def first_instruction(program, input_bytes: bytes, cache: Path) -> tuple[float, float]:
    """Seconds from constructing a cold machine until its first region runs, and the whole run's seconds."""
    start = time.perf_counter()
    machine = NativeMachine(program, input_bytes, cache_dir=cache)
    compile_at, first = machine.code.compile_at, []

    def timed(pc: int) -> bool:
        compiled = compile_at(pc)
        if not first:
            first.append(time.perf_counter())
        return compiled
    machine.code.compile_at = timed
    machine.run()
    return first[0] - start, time.perf_counter() - start


def bench_cold_start(elf: Path, tmp: Path) -> dict:
    program = load_elf(elf)
    cm = code_map(program, "fast")
    layout = layout_for(program, MemoryMap())
    row = {"instructions": cm.instructions, "regions": len(cm.regions)}
    start = time.perf_counter()
    translate(program, cm, "fast", layout, QUICK_OPT, tmp / "quick1", workers=1)
    row["whole_quick_1_core_s"] = time.perf_counter() - start
    start = time.perf_counter()
    translate(program, cm, "fast", layout, QUICK_OPT, tmp / "quick2")
    row["whole_quick_all_cores_s"] = time.perf_counter() - start
    saved, tiering.TIER_UP_AFTER = tiering.TIER_UP_AFTER, float("inf")   # lazy code alone, in this process
    try:
        row["first_instruction_s"], row["short_run_in_process_s"] = first_instruction(
            program, big_input(1), tmp / "lazy1")
        _, row["reach_all_in_process_s"] = first_instruction(program, big_input(BIG_FUNCTIONS, 2), tmp / "lazy2")
    finally:
        tiering.TIER_UP_AFTER = saved

    cache = tmp / "cli"
    row["cold_run_process_s"], out = zkaot(["run", elf, "--input-hex", big_input(1).hex()], cache)
    row["cold_run_compile_s"] = float(re.search(r"compile:\s+([0-9.]+) s", out).group(1))
    start = time.perf_counter()
    entry = cache / cache_key(program, "fast", layout, DEFAULT_OPT)
    while not (entry / "manifest.json").exists():
        time.sleep(0.1)
    tiering._wait_for_lock(Path(f"{entry}.lock"))
    row["hand_off_done_s"] = time.perf_counter() - start        # after the cold run exited
    row["second_run_process_s"], out = zkaot(["run", elf, "--input-hex", big_input(1).hex()], cache)
    row["second_run_compile"] = re.search(r"compile:\s+(.*)", out).group(1)
    row["reach_all_process_s"], out = zkaot(["run", elf, "--input-hex", big_input(BIG_FUNCTIONS, 2).hex()],
                                            tmp / "cli-all")
    row["reach_all_compile_s"] = float(re.search(r"compile:\s+([0-9.]+) s", out).group(1))
    for pending in (tmp / "cli-all").glob("*.lock"):              # its hand-off, before the next measurement
        while not Path(str(pending)[:-5], "manifest.json").exists():
            time.sleep(0.1)
        tiering._wait_for_lock(pending)
    return row


def bench_translate(elf: Path, tmp: Path) -> dict:
    seconds, out = zkaot(["translate", elf], tmp / "translate")
    row = {"translate_process_s": seconds, "uptime_after": " ".join(f"{x:.1f}" for x in os.getloadavg())}
    row["translate_compile_s"] = float(re.search(r"^compile: ([0-9.]+) s wall", out, re.M).group(1))
    for mode, cpu in re.findall(r"^\s+(fast|minimal|full)\s+compiled in ([0-9.]+) CPU-s", out, re.M):
        row[f"cpu_{mode}_s"] = float(cpu)
    start = time.process_time()
    program = load_elf(elf)
    row["load_elf_s"] = time.process_time() - start
    start = time.process_time()
    program_id(program.image())
    row["program_id_s"] = time.process_time() - start
    layout = layout_for(program, MemoryMap())
    for mode in ("fast", "minimal", "full"):
        cm = code_map(program, mode)
        start = time.process_time()                                 # where it goes, on a tenth of the regions
        opt = tier(mode, DEFAULT_OPT)
        text = jit.lift_regions(cm, cm.regions[::10], mode, layout, opt)
        row[f"lift_share_{mode}"] = time.process_time() - start
        start = time.process_time()
        compile_ir(text, opt)
        row[f"lift_share_{mode}"] /= row[f"lift_share_{mode}"] + time.process_time() - start
    return row


def bench_examples(tmp: Path) -> list[dict]:
    """Fast-mode run time (warm cache, default tier) and full-trace replay on each tier's full-mode code,
    the tiers taking turns (best of REPLAYS each), so that the machine's load weighs on both alike."""
    rows, saved = [], jit.FULL_MODE_OPT
    for example in ("coremark_like", "sha256_soft"):
        folder = ROOT / "examples" / example
        program = load_elf(folder / "guest.rv64im.elf")
        input_bytes = (folder / "bench_input.bin").read_bytes()
        runs = [NativeMachine(program, input_bytes, cache_dir=tmp / "examples", tier_up=False).run()
                for _ in range(RUNS)]
        row = {"example": example, "steps": runs[0].result.steps, "fast_s": min(r.run_seconds for r in runs)}
        minimal = NativeMachine(program, input_bytes, mode="minimal", cache_dir=tmp / "examples", tier_up=False).run()
        tiers = {"quick": QUICK_OPT, "default": DEFAULT_OPT}
        jobs, best = {}, dict.fromkeys(tiers, float("inf"))
        for name, opt in tiers.items():
            jit.FULL_MODE_OPT = opt                                 # what full mode's default tier compiles at
            cache = tmp / f"full-{name}"
            translate(program, code_map(program, "full"), "full", layout_for(program, MemoryMap()), DEFAULT_OPT,
                      cache, workers=1)
            jobs[name] = chunks_of(program, minimal.trace, minimal.result.steps, MemoryMap(), cache_dir=cache)
            expand_chunk(jobs[name][0])                             # loads the code
        for _ in range(REPLAYS):
            for name, opt in tiers.items():
                jit.FULL_MODE_OPT = opt
                start = time.perf_counter()
                for job in jobs[name]:
                    expand_chunk(job)
                best[name] = min(best[name], time.perf_counter() - start)
        for name in tiers:
            row[f"replay_{name}_rows_per_s"] = minimal.result.steps / best[name]
        jit.FULL_MODE_OPT = saved
        rows.append(row)
    return rows


def markdown(cold: dict, tr: dict, examples: list[dict], meta: dict) -> str:
    lines = [f"# Cold start and translate benchmark ({meta['date']})", "",
             f"Machine: {meta['machine']}, {meta['cores']} cores, Python {meta['python']}, load average "
             f"{meta['load']} when it started (the machine is shared: wall times move with it).  Guest: "
             f"bench/big_guest.py with {BIG_FUNCTIONS:,} functions, {cold['instructions']:,} instructions in "
             f"{cold['regions']:,} regions (rv64im, -O2).", "",
             "| cold start | seconds |", "| --- | ---: |",
             f"| first instruction of a cold run (lazy, in process) | {cold['first_instruction_s']:.3f} |",
             f"| quick tier of the whole program, one core (what a cold run waited for before) | "
             f"{cold['whole_quick_1_core_s']:.2f} |",
             f"| the same in parallel partitions on {meta['cores']} cores | {cold['whole_quick_all_cores_s']:.2f} |",
             f"| cold `zkaot run`, short input (265 steps), whole process | {cold['cold_run_process_s']:.2f} "
             f"(compile {cold['cold_run_compile_s']:.3f}) |",
             f"| its handed-off default-tier compile, done after the run exited | {cold['hand_off_done_s']:.1f} |",
             f"| second `zkaot run` after it, whole process | {cold['second_run_process_s']:.2f} "
             f"(compile {cold['second_run_compile']}) |",
             f"| cold run calling every function (all code compiled lazily), in process | "
             f"{cold['reach_all_in_process_s']:.2f} |",
             f"| the same as a cold `zkaot run` process | {cold['reach_all_process_s']:.2f} "
             f"(compile {cold['reach_all_compile_s']:.2f}) |", "",
             "| `zkaot translate`, all modes | fast | minimal | full | all |",
             "| --- | ---: | ---: | ---: | ---: |",
             f"| CPU of the mode's compile jobs | {tr['cpu_fast_s']:.1f} s | {tr['cpu_minimal_s']:.1f} s | "
             f"{tr['cpu_full_s']:.1f} s | {tr['cpu_fast_s'] + tr['cpu_minimal_s'] + tr['cpu_full_s']:.1f} s |",
             f"| lifting to IR text, share of CPU (the rest is LLVM) | {tr['lift_share_fast']:.0%} | "
             f"{tr['lift_share_minimal']:.0%} | {tr['lift_share_full']:.0%} | |", "",
             f"The whole `zkaot translate` process took {tr['translate_process_s']:.1f} s wall, its compile (the "
             f"three modes' partitions in one pool of {meta['cores']} workers) {tr['translate_compile_s']:.1f} s; "
             f"load average {tr['uptime_after']} when it ended.  Outside the compiles, `zkaot translate` spends "
             f"{tr['load_elf_s']:.2f} s loading the ELF and {tr['program_id_s']:.2f} s on the program ID (CPU).", "",
             f"| example | steps | fast mode (warm, best of {RUNS}) | full replay, quick-tier code (best of {REPLAYS}) | "
             "full replay, default-tier code |", "| --- | ---: | ---: | ---: | ---: |"]
    for r in examples:
        lines.append(f"| {r['example']} | {r['steps']:,} | {r['fast_s'] * 1e3:.1f} ms | "
                     f"{r['replay_quick_rows_per_s'] / 1e6:.0f} M rows/s | "
                     f"{r['replay_default_rows_per_s'] / 1e6:.0f} M rows/s |")
    cpu = tr["cpu_fast_s"] + tr["cpu_minimal_s"] + tr["cpu_full_s"]
    lines += ["", "Against the goals:", "",
              f"- first instruction of a cold run: {cold['first_instruction_s']:.2f} s in process, "
              f"{cold['cold_run_process_s']:.2f} s for the whole cold `zkaot run` (goal < "
              f"{GOALS['first_instruction_s']:.0f} s)",
              f"- `zkaot translate`, three modes: {tr['translate_process_s']:.0f} s on this machine's load, "
              f"{cpu:.0f} CPU seconds, {cpu / meta['cores']:.0f} s of compile per core on {meta['cores']} idle "
              f"cores (goal < {GOALS['translate_s']:.0f} s)"]
    return "\n".join(lines) + "\n"


def main() -> int:
    os.environ["ZKAOT_HAND_OFF"] = "0"      # this process's own machines: no compile outlives them
    meta = {"date": time.strftime("%Y-%m-%d"), "python": platform.python_version(), "machine": platform.machine(),
            "cores": os.cpu_count() or 1, "load": " ".join(f"{x:.1f}" for x in os.getloadavg())}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        print(f"building the guest ({BIG_FUNCTIONS} functions) ...", file=sys.stderr)
        elf = build_big(tmp / "big.elf", BIG_FUNCTIONS)
        print("cold start ...", file=sys.stderr)
        cold = bench_cold_start(elf, tmp)
        print("translate ...", file=sys.stderr)
        tr = bench_translate(elf, tmp)
        print("examples ...", file=sys.stderr)
        examples = bench_examples(tmp)
    RESULTS.mkdir(exist_ok=True)
    write_atomic(RESULTS / "cold_start.json",
                 json.dumps({"meta": meta, "cold_start": cold, "translate": tr, "examples": examples},
                            indent=2).encode())
    report = markdown(cold, tr, examples, meta)
    write_atomic(RESULTS / "cold_start.md", report.encode())
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
