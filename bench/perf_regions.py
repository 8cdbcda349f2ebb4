"""Run an example's translated code under `perf record` with its region functions named.

perf finds JIT code's names in /tmp/perf-<pid>.map (one `start size name` line per function).  This
writes that map for one NativeMachine's code (each region function runs to the next one's start)
and runs the guest again and again on the same code, so that `perf report --sort sym` names the
regions and `perf script -F ip` can be laid over `objdump -d` of the cached object files:

    perf record -e cpu-clock -F 20000 python bench/perf_regions.py coremark_like 300
    perf report --no-children --sort sym

The example's benchmark input is used if it has one; the cache is $ZKAOT_CACHE (filled on the first run).
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from runtime.memory_map import MemoryMap  # noqa: E402
from translator import executor  # noqa: E402
from translator.elf import load_elf  # noqa: E402


def write_perf_map(machine: executor.NativeMachine, path: Path) -> None:
    """One line per region function (and the dispatcher) of the machine's loaded code."""
    addresses = {}
    for code in machine.code._loaded:
        for name in [*set(machine.translation.region_names.values()), "dispatch"]:
            address = code.address(name)
            if address:
                addresses[address] = name
    starts = sorted(addresses)
    ends = starts[1:] + [starts[-1] + 4096]
    path.write_text("".join(f"{a:x} {min(end - a, 1 << 20):x} {addresses[a]}\n" for a, end in zip(starts, ends)))


def main() -> None:
    name, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100
    arch = sys.argv[3] if len(sys.argv) > 3 else "rv64im"
    folder = ROOT / "examples" / name
    if not (folder / f"guest.{arch}.elf").is_file():
        examples = sorted(p.parent.name for p in (ROOT / "examples").glob(f"*/guest.{arch}.elf"))
        sys.exit(f"perf_regions: no example {name!r} built for {arch}; examples: {', '.join(examples)}")
    prefix = "bench_" if (folder / "bench_input.bin").exists() else ""
    program, input_bytes = load_elf(folder / f"guest.{arch}.elf"), (folder / f"{prefix}input.bin").read_bytes()
    machine = executor.NativeMachine(program, input_bytes, MemoryMap(), tier_up=False)
    write_perf_map(machine, Path(f"/tmp/perf-{os.getpid()}.map"))
    code = machine.code
    executor.RegionCode = lambda *args, **kwargs: code        # every run on the code the map names
    for _ in range(runs):
        executor.NativeMachine(program, input_bytes, MemoryMap(), tier_up=False).run()


if __name__ == "__main__":
    main()
