"""Loading compiled code works wherever the host process has room for it.

Where the kernel puts an engine's code and its read-only data is up to the address space the
process has left; a PC-relative reference between two sections more than 2 GiB apart cannot be
linked, and llvmlite's LLVM aborts the whole process on it.  So the test runs in a subprocess.
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FRAGMENT_THEN_RUN = r"""
import ctypes, sys
from translator.elf import load_elf
from translator.executor import NativeMachine

libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
PAGE, ANONYMOUS, FIXED_NOREPLACE = 4096, 0x2 | 0x20 | 0x4000, 0x100000    # private, anonymous, no reserve


def free_gaps_above(address):
    gaps, previous_end = [], None
    for line in open("/proc/self/maps"):
        start, end = (int(x, 16) for x in line.split()[0].split("-"))
        if previous_end is not None and previous_end >= address and start > previous_end:
            gaps.append((previous_end, start))
        previous_end = end
    return gaps


folder, cache = sys.argv[1], sys.argv[2]
program = load_elf(folder + "/guest.rv64im.elf")
input_bytes = open(folder + "/input.bin", "rb").read()
NativeMachine(program, input_bytes, cache_dir=cache, tier_up=False)          # translate into the cache

# 3 GiB reserved, every free gap above it taken, then single free pages punched in its top 1 MiB:
# a mapping of one page now lands above the reservation and any larger one more than 3 GiB below.
reserved = libc.mmap(None, (3 << 30) + (1 << 20), 0, ANONYMOUS, -1, 0)
for start, end in free_gaps_above(reserved):
    libc.mmap(start, end - start, 0, ANONYMOUS | FIXED_NOREPLACE, -1, 0)
top = reserved + (3 << 30) + (1 << 20)
for page in range(top - (1 << 20), top, 2 * PAGE):
    libc.munmap(page, PAGE)

run = NativeMachine(program, input_bytes, cache_dir=cache, tier_up=False)     # load from the cache
assert run.translation.cached
print(run.run().result.output.hex())
"""


def test_cached_code_loads_and_runs_in_a_fragmented_address_space(tmp_path):
    folder = ROOT / "examples" / "sha256_soft"
    done = subprocess.run([sys.executable, "-c", FRAGMENT_THEN_RUN, str(folder), str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert bytes.fromhex(done.stdout.strip()) == (folder / "expected_output.bin").read_bytes()
