"""Time a C example compiled for the host with cc -O2: the baseline of every benchmark ratio."""
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUEST_SDK = ROOT / "runtime" / "guest"
HOST = Path(__file__).resolve().parent / "native_host.c"


@dataclass
class NativeRun:
    seconds: float      # best of the repetitions
    exit_code: int
    output: bytes


def native_available() -> bool:
    return shutil.which("cc") is not None


def run_native(source: Path, input_path: Path, reps: int = 20) -> NativeRun:
    """Compile `source` (a guest's main.c) with the native host harness and time it."""
    with tempfile.TemporaryDirectory() as tmp:
        obj, exe = Path(tmp) / "guest.o", Path(tmp) / "guest"
        subprocess.run(["cc", "-O2", "-c", "-Dmain=guest_main", f"-I{GUEST_SDK}", str(source), "-o", str(obj)],
                       check=True)
        subprocess.run(["cc", "-O2", f"-I{GUEST_SDK}", str(obj), str(GUEST_SDK / "zkaot.c"), str(HOST),
                        "-Wl,--defsym=_heap_end=_heap_start+0x4000000", "-o", str(exe)], check=True)
        out = subprocess.run([str(exe), str(input_path), str(reps)], check=True, capture_output=True,
                             text=True).stdout
    fields = dict(line.split(" ", 1) if " " in line else (line, "") for line in out.splitlines())
    return NativeRun(float(fields["ns"]) / 1e9, int(fields["exit"]), bytes.fromhex(fields["output"]))
