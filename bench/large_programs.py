"""Benchmark: large, real programs as zkaot guests (issue 11, point 1), against their native twins.

Lua 5.4 running a script and SQLite running an SQL workload on an in-memory
database, both built from Debian's source packages (fetched with `apt-get
source` and built here each time, into a scratch directory: no other
project's code or binaries are committed), for rv64im and rv32im with gcc and
picolibc, linked to the zkaot guest ABI and memory map (runtime/guest/zkaot.ld
plus a TLS segment for picolibc's errno; bench/large/ holds our glue and the
workloads).  The same sources are built for the host with `cc -O2` (the
native twin) and, where a riscv64 Linux compiler installs, as a static
riscv64 binary for qemu-user (a reference DBT figure).  Every build must print
what the native twin prints before anything is timed.

Then, in one run: native, zkaot fast mode (cache filled first, as `zkaot
translate` does), minimal mode, the quick tier, a cold `zkaot run`, `zkaot
translate`, qemu-user; and the breakdown of a fast run: returns from native
code to Python, interpreter steps (ecalls, pcs in the middle of a block, slow
memory accesses) and the share of run time each takes, measured from outside
the translator (NativeMachine's dispatch and _interpret wrapped per run).

Not part of `make test`; `make bench-large` runs it.  Results go to
bench/results/large_programs.{json,md}.  Builds are cached in
$ZKAOT_BENCH_CACHE (default ~/.cache/zkaot-bench).
"""
import argparse
import collections
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from runtime.files import write_atomic  # noqa: E402
from runtime.memory_map import MemoryMap  # noqa: E402
from translator.elf import load_elf  # noqa: E402
from translator.executor import NativeMachine  # noqa: E402
from translator.jit import QUICK_OPT  # noqa: E402
from translator.lifter import SLOT_PC, SLOT_STEPS, STATUS_MISS, STATUS_SLOW, STATUS_YIELD  # noqa: E402
from translator.regions import JAL, JALR, SLOW, code_map  # noqa: E402

HERE = Path(__file__).resolve().parent
LARGE = HERE / "large"
RESULTS = HERE / "results"
GUEST_SDK = ROOT / "runtime" / "guest"
CACHE = Path(os.environ.get("ZKAOT_BENCH_CACHE", Path.home() / ".cache" / "zkaot-bench"))
PYTHON = sys.executable
APT_TOOLS = {"riscv64-unknown-elf-gcc": "gcc-riscv64-unknown-elf", "qemu-riscv64": "qemu-user",
             "tclsh": "tcl"}
APT_OPTIONAL = {"riscv64-linux-gnu-gcc": ["gcc-riscv64-linux-gnu", "libc6-dev-riscv64-cross"]}
PICOLIBC = Path("/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs")
ARCHES = {"rv64im": ["-march=rv64im", "-mabi=lp64"], "rv32im": ["-march=rv32im", "-mabi=ilp32"]}
TARGETS = ["native", "qemu", *ARCHES]
RUNS = 3                        # best of RUNS for every in-process zkaot timing (runs take seconds)
NATIVE_RUNS = 10
NOTES = ("Not measured here: qemu-user for rv32im (Debian has no riscv32 Linux toolchain; the zkaot guests "
         "themselves cannot run under qemu-user, which does not map the input region), unicorn, and "
         "`zkaot translate` per mode (the whole-process `--mode all` time is reported).  The breakdown is "
         "counted from outside the translator; NativeRun.stats will carry the translator's own counters.")


@dataclass
class Guest:
    """A program: where its sources come from, how to compile them, and its workload (the input)."""
    name: str
    package: str                # Debian source package
    workload: str               # file in bench/large, given as the guest's input
    driver: str                 # our main(), in bench/large
    defines: list[str] = field(default_factory=list)
    sources: list[Path] = field(default_factory=list)
    include: Path | None = None
    headers: dict[str, str] = field(default_factory=dict)     # generated into the build directory


# ---- tools and sources ----------------------------------------------------------------------

def apt_install(packages: list[str]) -> bool:
    print(f"apt-get install {' '.join(packages)} ...", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-q"], capture_output=True)
    return subprocess.run(["apt-get", "install", "-y", "-q", *packages], capture_output=True).returncode == 0


def ensure_tools() -> None:
    """Install the cross compiler, picolibc, qemu-user and tclsh (SQLite's amalgamation) if missing."""
    missing = sorted({pkg for tool, pkg in APT_TOOLS.items() if shutil.which(tool) is None})
    if not PICOLIBC.exists():
        missing.append("picolibc-riscv64-unknown-elf")
    if missing and not apt_install(missing):
        sys.exit(f"large_programs: could not install {missing}")
    for tool, packages in APT_OPTIONAL.items():
        if shutil.which(tool) is None and not apt_install(packages):
            print(f"{tool} does not install: no qemu-user figure", file=sys.stderr)


def enable_deb_src() -> None:
    """`apt-get source` needs deb-src entries: add them to the deb822 sources if there are none."""
    sources = Path("/etc/apt/sources.list.d/debian.sources")
    if sources.exists() and "deb-src" not in sources.read_text():
        sources.write_text(sources.read_text().replace("Types: deb\n", "Types: deb deb-src\n"))
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=True)


def fetch_source(package: str) -> Path:
    """The unpacked Debian source of `package` (fetched once into the scratch directory)."""
    src = CACHE / "src"
    found = sorted(p for p in src.glob(f"{package}-*") if p.is_dir()) if src.exists() else []
    if not found:
        enable_deb_src()
        src.mkdir(parents=True, exist_ok=True)
        print(f"apt-get source {package} ...", file=sys.stderr)
        subprocess.run(["apt-get", "source", "-q", package], cwd=src, check=True, capture_output=True)
        found = sorted(p for p in src.glob(f"{package}-*") if p.is_dir())
    return found[-1]


def sqlite_amalgamation() -> Path:
    """sqlite3.c and sqlite3.h made from the Debian source tree (its configure and tclsh)."""
    out = CACHE / "sqlite-amalgamation"
    if not (out / "sqlite3.c").exists():
        tree = fetch_source("sqlite3")
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(tree / "configure"), "--disable-tcl"], cwd=out, check=True, capture_output=True)
        subprocess.run(["make", "sqlite3.c"], cwd=out, check=True, capture_output=True)
    return out


def guests() -> list[Guest]:
    lua = fetch_source("lua5.4") / "src"
    skip = {"lua.c", "luac.c", "linit.c", "loslib.c", "liolib.c", "loadlib.c", "ldblib.c"}   # OS-bound
    sqlite = sqlite_amalgamation()
    return [
        Guest("lua", "lua5.4", "workload.lua", "lua_main.c", ["-Dluai_makeseed(L)=0u"],
              sorted(p for p in lua.glob("*.c") if p.name not in skip), lua,
              {"lua5.4-deb-multiarch.h": '#define DEB_HOST_MULTIARCH "none"\n'}),   # Debian's luaconf.h
        Guest("sqlite", "sqlite3", "workload.sql", "sqlite_main.c",
              ["-DSQLITE_OS_OTHER=1", "-DSQLITE_THREADSAFE=0", "-DSQLITE_TEMP_STORE=3",
               "-DSQLITE_OMIT_LOAD_EXTENSION", "-DSQLITE_DEFAULT_MEMSTATUS=0", "-DSQLITE_OMIT_LOCALTIME"],
              [sqlite / "sqlite3.c"], sqlite),
    ]


# ---- builds ---------------------------------------------------------------------------------

def guest_linker_script(out: Path) -> Path:
    """runtime/guest/zkaot.ld with a PT_TLS segment inside the data segment: picolibc keeps errno
    in TLS (local-exec, tp-relative; bench/large/crt0.S points tp at __tls_base)."""
    text = (GUEST_SDK / "zkaot.ld").read_text()
    phdr, before = "  data   PT_LOAD FLAGS(6);   /* R + W */\n", "  .sbss :\n"
    assert phdr in text and before in text, "zkaot.ld changed: update guest_linker_script"
    tls = ("  .tdata : { *(.tdata .tdata.*) } :data :tls\n"
           "  __tls_base = ADDR(.tdata);\n"
           "  .tbss : { *(.tbss .tbss.*) *(.tcommon) } :data :tls\n"
           "  .tbss_space (NOLOAD) : { . = ADDR(.tbss) + SIZEOF(.tbss); } :data\n\n")
    text = text.replace(phdr, phdr + "  tls    PT_TLS;\n").replace(before, tls + before)
    path = out / "zkaot-tls.ld"
    path.write_text(text)
    return path


def compiler(target: str) -> list[str] | None:
    if target == "native":
        return ["cc", "-O2"]
    if target == "qemu":
        return ["riscv64-linux-gnu-gcc", "-O2", "-static"] if shutil.which("riscv64-linux-gnu-gcc") else None
    if target == "linux":           # bench/linux_programs.py: a static musl program zkaot and qemu both run
        return [PYTHON, "-m", "ziglang", "cc", "-target", "riscv64-linux-musl", "-mcpu=generic_rv64+m+a",
                "-static", "-O2", "-g0"]
    return ["riscv64-unknown-elf-gcc", "-O2", *ARCHES[target], "-mcmodel=medany", f"--specs={PICOLIBC}",
            "-DZKAOT_GUEST", "-ffunction-sections", "-fdata-sections"]


def build(guest: Guest, target: str) -> Path | None:
    """Compile and link `guest` for `target` (cached by a hash of the sources and flags)."""
    cc = compiler(target)
    if cc is None:
        return None
    ours = [LARGE / guest.driver, LARGE / "bench_libc.c"]
    key = hashlib.sha256(json.dumps([cc, guest.defines, guest.headers]).encode() + b"".join(
        p.read_bytes() for p in [*ours, LARGE / "crt0.S", GUEST_SDK / "zkaot.ld"])).hexdigest()[:12]
    out = CACHE / "build" / f"{guest.name}-{target}-{key}"
    flags = [*cc, *guest.defines, f"-I{guest.include}", f"-I{LARGE}", f"-I{out}"]
    exe = out / (f"{guest.name}.elf" if target in ARCHES else guest.name)
    if exe.exists():
        return exe
    out.mkdir(parents=True, exist_ok=True)
    for name, text in guest.headers.items():
        (out / name).write_text(text)
    print(f"building {guest.name} for {target} ...", file=sys.stderr)

    def compile_one(source: Path) -> Path:
        obj = out / (source.stem + ".o")
        subprocess.run([*flags, "-c", str(source), "-o", str(obj)], check=True)
        return obj

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        objects = list(pool.map(compile_one, [*ours, *guest.sources]))
    link = [*cc, *(str(o) for o in objects)]
    if target in ARCHES:
        link = [*link, "-nostartfiles", "-T", str(guest_linker_script(out)), str(LARGE / "crt0.S"),
                "-Wl,--gc-sections"]
    subprocess.run([*link, "-lm", "-o", str(exe)], check=True)
    if target in ARCHES:
        check = subprocess.run([PYTHON, "-m", "zkaot", "check", str(exe)], capture_output=True, text=True,
                               env=zkaot_env())
        assert check.returncode == 0, check.stdout + check.stderr
    return exe


def zkaot_env(**extra) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore", **extra}


# ---- timings --------------------------------------------------------------------------------

def run_process(argv: list[str], env=None) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall time and CPU time (user + system of the process and its children) of one process: on a
    shared machine the CPU time is what the program costs, the wall time what it waited too."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, done


def time_process(argv: list[str], expected: bytes, runs: int) -> tuple[float, float]:
    """Best wall and best CPU time of `runs` whole-process runs, each checked to print `expected`."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu, done = run_process(argv)
        assert done.returncode == 0 and done.stdout == expected, (argv, done.stderr[-500:])
        walls.append(wall)
        cpus.append(cpu)
    return min(walls), min(cpus)


def zkaot_run(elf: Path, workload: bytes, expected: bytes, cache: Path, **options):
    """One in-process run from a warm cache (no tier-up, so the run is this process alone: its
    thread, and in minimal mode the thread writing the load log): the NativeRun, checked against
    native, and the process's CPU time in it."""
    machine = NativeMachine(load_elf(elf), workload, MemoryMap(), cache_dir=cache, tier_up=False, **options)
    start, start_cpu = time.perf_counter(), time.process_time()     # minimal mode's log writer is a thread
    run = machine.run()
    total, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    assert run.result.exit_code == 0 and run.result.console == expected, (run.result.fault,
                                                                           run.result.console[-300:])
    return run, cpu, total


def best_run(runs: int, *args, **options) -> tuple[float, float, float, object]:
    """Best wall time (of the run, as zkaot reports it), best CPU time and best wall time of the whole
    NativeMachine.run call (which in minimal mode also assembles the MinimalTrace after the run), and
    one NativeRun, of `runs` runs."""
    runs = [zkaot_run(*args, **options) for _ in range(runs)]
    return (min(r.run_seconds for r, _, _ in runs), min(cpu for _, cpu, _ in runs),
            min(total for _, _, total in runs), runs[0][0])


class Breakdown:
    """Counting wrappers around one NativeMachine: every return from native code to Python (by
    status, with the pc where it stopped), hand-offs (a miss after native code ran: where a run of
    interpreter steps begins) and the interpreter's steps and time.  Native time is what
    the run loop itself adds up (RegionCode.ran), so the dispatch wrapper only counts."""

    def __init__(self, machine: NativeMachine):
        self.machine = machine
        self.interp_s = 0.0
        self.statuses = collections.Counter()
        self.stops = collections.Counter()          # (status, pc) -> returns there
        self.handoffs = collections.Counter()       # pc -> runs of interpreter steps that began there
        self.interp_steps = 0
        self.last = None
        inner_dispatch, inner_interpret = machine.dispatch, machine._interpret
        ctx = machine.ctx

        def dispatch(address):
            steps = ctx[SLOT_STEPS]
            status = inner_dispatch(address)
            self.statuses[status] += 1
            if status == STATUS_SLOW or status == STATUS_MISS:
                pc = int(ctx[SLOT_PC])
                self.stops[status, pc] += 1
                if status == STATUS_MISS and (self.last != STATUS_MISS or ctx[SLOT_STEPS] != steps):
                    self.handoffs[pc] += 1          # native code ran since the last miss
            self.last = status
            return status

        def interpret(steps):
            start = time.perf_counter()
            inner_interpret(steps)
            self.interp_s += time.perf_counter() - start
            self.interp_steps += steps

        machine.dispatch, machine._interpret = dispatch, interpret

    def cause(self, status: int, pc: int) -> str:
        """Why the interpreter ran the step at pc: a slow access, a slow instruction (ecall, atomics,
        illegal), or a pc inside a block (reached by a computed jump or after a slow step)."""
        if status == STATUS_SLOW:
            return "slow_access"
        cm = self.machine.cm
        i = cm.index(pc)
        if not 0 <= i < len(cm.kind) or cm.kind[i] == SLOW:
            return "slow_instruction"
        return "leader" if cm.is_leader[i] else "mid_block"

    def function(self, pc: int) -> str:
        symbol = self.machine.program.symbol_at(pc)
        return symbol.split("+")[0] if symbol else hex(pc)

    def summary(self, run_seconds: float) -> dict:
        """Counts, time shares, and the functions where the interpreter took over."""
        kinds = collections.Counter()
        by_function = collections.defaultdict(collections.Counter)
        for (status, pc), count in self.stops.items():
            kind = self.cause(status, pc)
            kinds[kind] += count
            by_function[kind][self.function(pc)] += count
        for pc, count in self.handoffs.items():
            by_function["handoff"][self.function(pc)] += count
        entries = [(self.machine.program.symbol_at(pc) or hex(pc), count)
                   for pc, count in self.handoffs.most_common(5)]
        native_s = self.machine.code._ran
        return {
            "returns_to_python": sum(self.statuses.values()),
            "returns_yield": self.statuses[STATUS_YIELD], "returns_slow": self.statuses[STATUS_SLOW],
            "returns_miss": self.statuses[STATUS_MISS], "handoffs": sum(self.handoffs.values()),
            "interp_steps": self.interp_steps, "steps_mid_block": kinds["mid_block"],
            "steps_slow_access": kinds["slow_access"], "steps_slow_instruction": kinds["slow_instruction"],
            "steps_leader": kinds["leader"],
            "run_s": run_seconds, "native_s": native_s, "interp_s": self.interp_s,
            "python_s": run_seconds - native_s - self.interp_s,
            "top": {kind: counter.most_common(5) for kind, counter in sorted(by_function.items())},
            "top_handoff_pcs": entries,
        }


def control_flow(program, histogram) -> dict:
    """Executed calls, returns and other indirect jumps, from a minimal run's per-PC histogram: the
    control flow that crosses regions in native code (docs/translator.md, Execution: a call is a host
    call of the target's region, a return a host return, a computed jump a switch in its own region
    or a table lookup and a tail call)."""
    cm = code_map(program, "fast")
    counts = histogram.astype(np.int64)
    rd, rs1 = cm.decoded["rd"].astype(np.int64), cm.decoded["rs1"].astype(np.int64)
    jalr, jal = cm.kind == JALR, cm.kind == JAL
    returns = jalr & (rd == 0) & (rs1 == 1)
    return {"calls": int(counts[jal & (rd != 0)].sum() + counts[jalr & (rd != 0)].sum()),
            "returns": int(counts[returns].sum()), "other_jalr": int(counts[jalr & ~returns & (rd == 0)].sum())}


def breakdown(elf: Path, workload: bytes, expected: bytes, cache: Path) -> dict:
    machine = NativeMachine(load_elf(elf), workload, MemoryMap(), cache_dir=cache, tier_up=False)
    counters = Breakdown(machine)
    run = machine.run()
    assert run.result.exit_code == 0 and run.result.console == expected
    return counters.summary(run.run_seconds)


PERF_RUNS = 3                   # fast-mode runs profiled per guest
PERF_TOP = 8                    # guest functions listed
NATIVE_PERF_RUNS = 20           # native-twin runs profiled per guest (each takes a few tens of ms)


def own_functions(build_dir: Path, nm: str) -> set[str]:
    """The functions the program's own sources define (the objects of its build directory, ours among
    them): the rest of a guest is picolibc's and libgcc's, the rest of the native twin glibc's."""
    names = set()
    for obj in build_dir.glob("*.o"):
        listing = subprocess.run([nm, "--defined-only", str(obj)], capture_output=True, text=True).stdout
        names.update(p[2] for p in (line.split() for line in listing.splitlines()) if len(p) == 3 and p[1] in "tT")
    return names


def perf_report(argv: list[str], data: Path, sort: str, frequency: int, env=None) -> str | None:
    """`perf report` (by `sort`, shares of all samples) of `perf record` (cpu-clock samples at
    `frequency`) of a command; None where perf is missing or may not sample."""
    if not shutil.which("perf"):
        return None
    record = subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", str(frequency), "-o", str(data),
                             *argv], capture_output=True, text=True, env=env)
    if record.returncode != 0:
        return None
    return subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--sort", sort, "--stdio", "-q"],
                          capture_output=True, text=True).stdout


def function_profile(elf: Path, workload_path: Path, cache: Path) -> dict | None:
    """Where fast mode's native time goes, by guest function: `perf record` (cpu-clock samples) of
    bench/perf_regions.py running the guest PERF_RUNS times on the warm cache, its region functions
    named, each region credited to the guest function it starts in.  The shares are of the samples
    in translated code; `outside` is the share of all samples that were not (Python, loading the
    code); `own` the share of the translated samples in the program's own functions (own_functions),
    `library` in its C library's (picolibc's and libgcc's).  None where perf is missing or may
    not sample."""
    report = perf_report([PYTHON, str(HERE / "perf_regions.py"), str(elf), str(PERF_RUNS), "--input",
                          str(workload_path)], cache.parent / "perf.data", "sym", 4000,
                         env=zkaot_env(ZKAOT_CACHE=str(cache)))
    if report is None:
        return None
    program, shares, total = load_elf(elf), collections.Counter(), 0.0
    for share, name in re.findall(r"([0-9.]+)%\s+\[\.\]\s+(\S+)", report):
        total += float(share)
        if name.startswith("region_"):
            shares[program.symbol_at(int(name[7:], 16)).split("+")[0]] += float(share)
        elif name == "dispatch":
            shares["(the dispatcher)"] += float(share)
    translated = sum(shares.values())
    if not translated:
        return None
    own = own_functions(elf.parent, "riscv64-unknown-elf-nm")
    return {"top": [(name, share / translated) for name, share in shares.most_common(PERF_TOP)],
            "outside": 1 - translated / total,
            "own": sum(share for name, share in shares.items() if name in own) / translated,
            "library": sum(share for name, share in shares.items()
                           if name not in own and name != "(the dispatcher)") / translated}


def native_profile(exe: Path, workload_path: Path, scratch: Path) -> dict | None:
    """Where the native twin's time goes: `perf record` (cpu-clock samples) of NATIVE_PERF_RUNS runs,
    the shares of all samples in the program's own code (its executable), in the C library (glibc's
    libc and libm) and elsewhere (the kernel, the loader, the shell that runs the loop), and its top
    functions.  None where perf is missing or may not sample."""
    loop = f'for i in $(seq {NATIVE_PERF_RUNS}); do "$0" "$1" > /dev/null; done'
    report = perf_report(["sh", "-c", loop, str(exe), str(workload_path)], scratch / "native-perf.data", "dso,sym",
                         20000)
    if report is None:
        return None
    buckets, functions = collections.Counter(), collections.Counter()
    for share, dso, name in re.findall(r"([0-9.]+)%\s+(\S+)\s+\[.\]\s+(\S+)", report):
        bucket = "own" if dso == exe.name else "libc" if dso.startswith(("libc.so", "libm.so")) else "other"
        buckets[bucket] += float(share) / 100
        functions[name] += float(share) / 100
    if not buckets:
        return None
    return {**{name: buckets[name] for name in ("own", "libc", "other")},
            "top": functions.most_common(PERF_TOP)}


def cold_run(elf: Path, workload_path: Path, expected: bytes, scratch: Path) -> dict:
    """`zkaot run` as a whole process on an empty cache: the quick tier first, the default tier in the
    background.  With ZKAOT_HAND_OFF=0 the process waits at exit for a background compile under way and
    drops one not started, instead of handing it off: handed off, it went on compiling after the run and
    shared the cores with the `zkaot translate` timed next (SQLite's took 125-129 s so, 68 s alone)."""
    cache = scratch / "cold-cache"
    seconds, _, done = run_process([PYTHON, "-m", "zkaot", "run", str(elf), "--input", str(workload_path),
                                 "--json"], env=zkaot_env(ZKAOT_CACHE=str(cache), ZKAOT_HAND_OFF="0"))
    report = json.loads(done.stdout)
    assert report["exit_code"] == 0 and bytes.fromhex(report["stdout"]) == expected, done.stderr[-500:]
    duration = report["execution_duration"]
    return {"cold_wall_s": seconds, "cold_run_s": duration["secs"] + duration["nanos"] / 1e9,
            "quick_cache": str(cache)}


def translate_time(elf: Path, cache: Path) -> float:
    """`zkaot translate --mode all` (fast, minimal and full; the program ID) as a whole process."""
    seconds, _, done = run_process([PYTHON, "-m", "zkaot", "translate", str(elf), "--mode", "all"],
                                env=zkaot_env(ZKAOT_CACHE=str(cache)))
    assert done.returncode == 0, done.stderr[-500:]
    return seconds


def bench_arch(guest: Guest, arch: str, elf: Path, expected: bytes, scratch: Path) -> dict:
    workload_path = LARGE / guest.workload
    workload = workload_path.read_bytes()
    program = load_elf(elf)
    row = {"guest": guest.name, "arch": arch, "instructions": code_map(program, "fast").instructions}
    print(f"  {arch}: cold run ...", file=sys.stderr)
    row.update(cold_run(elf, workload_path, expected, scratch))
    print(f"  {arch}: zkaot translate ...", file=sys.stderr)
    warm = scratch / "warm-cache"
    row["translate_s"] = translate_time(elf, warm)
    print(f"  {arch}: timed runs ...", file=sys.stderr)
    row["fast_s"], row["fast_cpu_s"], _, fast = best_run(RUNS, elf, workload, expected, warm)
    row["steps"] = fast.result.steps
    row["minimal_s"], row["minimal_cpu_s"], row["minimal_total_s"], minimal = best_run(
        RUNS, elf, workload, expected, warm, mode="minimal")
    row["control_flow"] = control_flow(program, minimal.trace.pc_histogram)
    del minimal
    row["quick_s"], row["quick_cpu_s"], _, _ = best_run(RUNS, elf, workload, expected,
                                                        Path(row.pop("quick_cache")), opt=QUICK_OPT)
    print(f"  {arch}: breakdown ...", file=sys.stderr)
    row["breakdown"] = breakdown(elf, workload, expected, warm)
    print(f"  {arch}: perf profile ...", file=sys.stderr)
    row["functions"] = function_profile(elf, workload_path, warm)
    return row


def bench_guest(guest: Guest, arches: list[str], scratch: Path):
    """Build every target, check they agree with the native twin, then time them: a row per arch."""
    builds = {target: build(guest, target) for target in ["native", "qemu", *arches]}
    workload_path = LARGE / guest.workload
    _, _, done = run_process([str(builds["native"]), str(workload_path)])
    assert done.returncode == 0, done.stderr
    expected = done.stdout
    native_s, native_cpu_s = time_process([str(builds["native"]), str(workload_path)], expected, NATIVE_RUNS)
    native_functions = native_profile(builds["native"], workload_path, scratch)
    qemu_s = qemu_cpu_s = None
    if builds["qemu"] is not None and shutil.which("qemu-riscv64"):
        qemu_s, qemu_cpu_s = time_process(["qemu-riscv64", str(builds["qemu"]), str(workload_path)], expected,
                                          RUNS)
    for arch in arches:
        print(f"{guest.name}:", file=sys.stderr)
        row = bench_arch(guest, arch, builds[arch], expected, scratch / f"{guest.name}-{arch}")
        row.update(native_s=native_s, native_cpu_s=native_cpu_s, native_functions=native_functions,
                   qemu_s=qemu_s if arch == "rv64im" else None,
                   qemu_cpu_s=qemu_cpu_s if arch == "rv64im" else None, output_lines=expected.count(b"\n"))
        print(json.dumps({k: v for k, v in row.items() if k != "breakdown"}), file=sys.stderr)
        yield row


# ---- report ---------------------------------------------------------------------------------

def seconds(s: float | None, native: float | None = None) -> str:
    if s is None:
        return "n/a"
    text = f"{s:.3f} s" if s < 10 else f"{s:.1f} s"
    return f"{text} ({s / native:.1f}x)" if native else text


def markdown(rows: list[dict], meta: dict) -> str:
    lines = [f"# Large programs ({meta['date']})", "",
             f"Machine: {meta['machine']}, {meta['cores']} cores, shared with other engineers' test runs while "
             f"this ran (load average {meta['load']}), so times are noisy: in-process zkaot times are the best "
             f"of {RUNS} runs, native the best of {NATIVE_RUNS} whole-process runs, qemu-user the best of {RUNS}; "
             "ratios are to native measured in the same run.  Guests: gcc " + meta["gcc"] + " with picolibc " + meta["picolibc"] +
             ", -O2; native twin: host `cc -O2`, same sources and defines; qemu: a static riscv64 Linux "
             "(glibc, rv64gc) build of the same sources under qemu-riscv64.  Sources: Debian's "
             + ", ".join(meta["sources"]) + " (`apt-get source`), built by bench/large_programs.py; the "
             "workloads are bench/large/workload.lua and workload.sql.  Every build printed the same as the "
             "native twin before it was timed.", "",
             "fast / minimal: warm cache filled by `zkaot translate --mode all` (default tier, in-process runs, "
             "the run alone, without loading); quick: fast mode on the quick tier (what a cold start begins "
             "with); qemu-user: a whole process.  CPU time is the run's own (process CPU time in process, which "
             "counts minimal mode's log-writing thread; user + system of a child process): on this shared machine it is the steadier figure; wall times follow.",
             "", "CPU time, best of several (ratio to native CPU time):", "",
             "| guest | arch | code (instr) | instructions run | native | fast | M instr/s | minimal (and its "
             "trace assembly) | quick | qemu-user |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        n = r["native_cpu_s"]
        lines.append(
            f"| {r['guest']} | {r['arch']} | {r['instructions']:,} | {r['steps']:,} | {seconds(n)} | "
            f"{seconds(r['fast_cpu_s'], n)} | {r['steps'] / r['fast_cpu_s'] / 1e6:,.0f} | "
            f"{seconds(r['minimal_cpu_s'], n)} | {seconds(r['quick_cpu_s'], n)} | {seconds(r['qemu_cpu_s'], n)} |")
    lines += ["", "Wall time, best of several (ratio to native wall time); cold: `zkaot run --json` as a whole "
              "process on an empty cache (it starts on the quick tier, compiles the default tier in the "
              "background and waits at exit for a background compile that started; in brackets the run time the "
              "JSON reports); translate: `zkaot translate --mode all` as a whole process on an empty cache.  "
              "Both compile in worker processes, so their CPU time is not measured here.  Minimal: the run as "
              "zkaot reports it; after it, `NativeMachine.run` assembles the MinimalTrace (per-PC histogram, "
              "load log), which the CPU time above includes and the last-but-two column times:", "",
              "| guest | arch | native | fast | M instr/s | minimal | quick | qemu-user | minimal trace assembly "
              "| cold: wall (run) | translate |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        n = r["native_s"]
        lines.append(
            f"| {r['guest']} | {r['arch']} | {seconds(n)} | {seconds(r['fast_s'], n)} | "
            f"{r['steps'] / r['fast_s'] / 1e6:,.0f} | {seconds(r['minimal_s'], n)} | {seconds(r['quick_s'], n)} | "
            f"{seconds(r['qemu_s'], n)} | "
            f"{seconds(r['minimal_total_s'] - r['minimal_s']) if 'minimal_total_s' in r else 'n/a'} | "
            f"{seconds(r['cold_wall_s'])} ({seconds(r['cold_run_s'])}) | "
            f"{seconds(r['translate_s'])} |")
    lines += ["", "Breakdown of one more fast-mode run (warm cache), counted from outside the translator by "
              "wrapping `NativeMachine.dispatch` and `._interpret` (the counting makes this run a little slower "
              "than the best one above): returns from native code to Python (yield: step budget; slow: an access "
              "the fast checks do not cover; miss: no translated block at the pc); hand-offs: runs of "
              "interpreter steps (a miss after native code ran); interpreter steps by cause (mid-block: a pc "
              "inside a block, reached by a computed jump such as a jump-table dispatch, the interpreter then "
              "steps to the block's end; slow instruction: ecall, atomics; slow access: a memory access the "
              "fast checks did not cover); and the run's time in native code (the run loop's own sum), in the "
              "interpreter, and in the Python loop between them.", "",
              "| guest | arch | run | returns to Python (/s) | yield / slow / miss | hand-offs | "
              "interpreter steps: mid-block / slow instr. / slow access | native | interpreter | Python loop |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        b = r["breakdown"]
        run = b["run_s"]
        lines.append(
            f"| {r['guest']} | {r['arch']} | {seconds(run)} | {b['returns_to_python']:,} "
            f"({b['returns_to_python'] / run:,.0f}/s) | {b['returns_yield']:,} / {b['returns_slow']:,} / "
            f"{b['returns_miss']:,} | {b['handoffs']:,} | {b['steps_mid_block']:,} / "
            f"{b['steps_slow_instruction']:,} / {b['steps_slow_access']:,} | {b['native_s'] / run:.0%} | "
            f"{b['interp_s'] / run:.0%} | {b['python_s'] / run:.0%} |")
    lines += ["", "Calls, returns and computed jumps in native code, counted from a minimal run's per-PC "
              "histogram, and that count per second of the native time above.  None of them goes back to the "
              "dispatcher: a call is a host call of the target's region function, a return a host return, a "
              "computed jump a switch over its own region's blocks or a table lookup and a tail call "
              "(docs/translator.md, Execution):", "",
              "| guest | arch | calls | returns | other jalr (computed jumps, indirect calls) | per second of "
              "native time |", "| --- | --- | ---: | ---: | ---: | ---: |"]
    for r in rows:
        flow, b = r.get("control_flow"), r["breakdown"]
        if flow:
            total = flow["calls"] + flow["returns"] + flow["other_jalr"]
            lines.append(f"| {r['guest']} | {r['arch']} | {flow['calls']:,} | {flow['returns']:,} | "
                         f"{flow['other_jalr']:,} | {total / b['native_s'] / 1e6:,.1f} M/s |")
    lines += ["", "Where the interpreter took over: by function (steps, or hand-offs), top 5 of each cause, and the "
              "pcs where most hand-offs began:", ""]
    for r in rows:
        b = r["breakdown"]
        for kind, top in b["top"].items():
            lines.append(f"- {r['guest']} {r['arch']}, {kind.replace('_', ' ')}: " +
                         ", ".join(f"`{name}` {count:,}" for name, count in top))
        if b["top_handoff_pcs"]:
            lines.append(f"- {r['guest']} {r['arch']}, hand-offs began at: " +
                         ", ".join(f"`{name}` {count:,}" for name, count in b["top_handoff_pcs"]))
    profiled = [r for r in rows if r.get("functions")]
    if profiled:
        lines += ["", "Where fast mode's native time goes, by guest function (`perf record -e cpu-clock` of "
                  f"bench/perf_regions.py, {PERF_RUNS} warm runs; each region function credited to the guest function "
                  "it starts in; shares of the samples in translated code, top "
                  f"{PERF_TOP}; the samples outside translated code, Python and loading, in brackets).  The "
                  "guests' libc is picolibc's (byte-loop `memset` and `memcpy`, a free-list `malloc`), the "
                  "native twin's glibc's:", ""]
        for r in profiled:
            f = r["functions"]
            lines.append(f"- {r['guest']} {r['arch']} ({f['outside']:.0%} outside): " +
                         ", ".join(f"`{name}` {share:.1%}" for name, share in f["top"]))
    lines += own_code_table(rows)
    lines += ["", meta["notes"]]
    return "\n".join(lines) + "\n"


def own_code_table(rows: list[dict]) -> list[str]:
    """The ratio to native split in two: the program's own code (its sources, compiled by both compilers
    at -O2) and its C library (picolibc and libgcc in the guest, glibc natively), each the run's CPU
    time times its share of the samples of the two profiles above."""
    both = [r for r in rows if r.get("functions") and r.get("native_functions")]
    if not both:
        return []
    lines = ["", "The ratio to native taken apart: CPU time in the program's own code (the functions its sources "
             "define, ours among them) and in its C library, from the two profiles (fast mode: its CPU time above "
             "times each part's share of the samples in translated code; native: its CPU time times each part's "
             "share of all its samples, the rest being the kernel, the loader and the shell that ran it "
             f"{NATIVE_PERF_RUNS} times).  The two libraries differ: picolibc's `free` walks a list of free "
             "blocks, its `memset` and `memcpy` copy a byte at a time, and RV32 divides 64-bit numbers in "
             "libgcc; glibc's are vectorised and binned:", "",
             "| guest | arch | own code: fast | own code: native | ratio | C library: fast | C library: native "
             "| ratio | native top functions |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in both:
        fast, native = r["functions"], r["native_functions"]
        fast_own, fast_lib = r["fast_cpu_s"] * fast["own"], r["fast_cpu_s"] * fast["library"]
        native_own, native_lib = r["native_cpu_s"] * native["own"], r["native_cpu_s"] * native["libc"]
        top = ", ".join(f"`{name}` {share:.0%}" for name, share in native["top"][:5])
        lines.append(f"| {r['guest']} | {r['arch']} | {fast_own * 1e3:.0f} ms | {native_own * 1e3:.0f} ms | "
                     f"{fast_own / native_own:.1f}x | {fast_lib * 1e3:.0f} ms | {native_lib * 1e3:.1f} ms | "
                     f"{fast_lib / native_lib:.0f}x | {top} |")
    return lines


def tool_version(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True).stdout.split("\n")[0].split()[-1]
    except (OSError, IndexError):
        return "?"


def write_results(rows: list[dict], meta: dict) -> str:
    meta["load"] = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    RESULTS.mkdir(exist_ok=True)
    write_atomic(RESULTS / "large_programs.json", json.dumps({"meta": meta, "rows": rows}, indent=2).encode())
    report = markdown(rows, meta)
    write_atomic(RESULTS / "large_programs.md", report.encode())
    return report


def main() -> int:
    global RUNS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--guest", action="append", choices=["lua", "sqlite"], help="default: both")
    parser.add_argument("--arch", action="append", choices=list(ARCHES), help="default: both")
    parser.add_argument("--build-only", action="store_true", help="build and check, time nothing")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"zkaot and qemu runs to take the best of "
                        f"(default {RUNS})")
    args = parser.parse_args()
    RUNS = args.runs
    ensure_tools()
    chosen = [g for g in guests() if g.name in (args.guest or ["lua", "sqlite"])]
    arches = args.arch or list(ARCHES)
    if args.build_only:
        for guest in chosen:
            for target in ["native", "qemu", *arches]:
                print(target, build(guest, target))
        return 0
    meta = {"date": time.strftime("%Y-%m-%d"), "machine": platform.machine(), "cores": os.cpu_count() or 1,
            "python": platform.python_version(), "gcc": tool_version(["riscv64-unknown-elf-gcc", "--version"]),
            "picolibc": "1.8", "sources": [p.name for p in sorted((CACHE / "src").glob("*")) if p.is_dir()],
            "notes": NOTES}
    rows = []
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        for guest in chosen:
            for row in bench_guest(guest, arches, Path(tmp)):
                rows.append(row)
                report = write_results(rows, meta)      # after every row: a long run that fails keeps the rest
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
