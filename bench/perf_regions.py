"""Run an example's translated code under `perf record` with its region functions named.

perf finds JIT code's names in /tmp/perf-<pid>.map (one `start size name` line per function).  This
writes that map for one NativeMachine's code (each region function runs to the next one's start)
and runs the guest again and again on the same code, so that `perf report --sort sym` names the
regions and `perf script -F ip` can be laid over `objdump -d` of the cached object files:

    perf record -e cpu-clock -F 20000 python bench/perf_regions.py coremark_like 300
    perf report --no-children --sort sym

The example's benchmark input is used if it has one; a guest ELF takes --input.  The cache is
$ZKAOT_CACHE (filled on the first run).
"""
import argparse
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
    parser = argparse.ArgumentParser(description="Run translated code again and again, its region functions "
                                                 "named for perf.")
    parser.add_argument("guest", help="an example's name, or a guest ELF")
    parser.add_argument("runs", type=int, nargs="?", default=100)
    parser.add_argument("arch", nargs="?", default="rv64im", help="the example's build (default rv64im)")
    parser.add_argument("--input", type=Path, help="the guest's input (an example's: its benchmark input)")
    args = parser.parse_args()
    elf = Path(args.guest)
    if not elf.is_file():
        folder = ROOT / "examples" / args.guest
        elf = folder / f"guest.{args.arch}.elf"
        if not elf.is_file():
            examples = sorted(p.parent.name for p in (ROOT / "examples").glob(f"*/guest.{args.arch}.elf"))
            sys.exit(f"perf_regions: no file or example {args.guest!r} built for {args.arch}; examples: "
                     f"{', '.join(examples)}")
        prefix = "bench_" if (folder / "bench_input.bin").exists() else ""
        args.input = args.input or folder / f"{prefix}input.bin"
    program, input_bytes = load_elf(elf), args.input.read_bytes() if args.input else b""
    machine = executor.NativeMachine(program, input_bytes, MemoryMap(), tier_up=False)
    write_perf_map(machine, Path(f"/tmp/perf-{os.getpid()}.map"))
    code = machine.code
    executor.RegionCode = lambda *args, **kwargs: code        # every run on the code the map names
    for _ in range(args.runs):
        executor.NativeMachine(program, input_bytes, MemoryMap(), tier_up=False).run()


if __name__ == "__main__":
    main()
