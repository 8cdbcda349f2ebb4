"""Benchmark: the prover's field and NTT kernels on one core (and the LDE on two threads).

Checks the figures DESIGN.md quotes for this kind of machine (numba NTT of 2^20 BabyBear
elements in about 0.05 s on one core, about 10 ms per column when batched) against what
prover/ntt.py does: best of several warm runs (compilation is excluded; numba caches it).
Results are printed and written to bench/results/prover_kernels.md.
"""
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prover import extension, field, ntt  # noqa: E402
from runtime.files import write_atomic  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
GOALS = {"ntt_2_20_s": 0.05, "per_column_s": 0.010}


def best(runs: int, fn) -> float:
    fn()                                   # compile or load from the cache, warm the tables
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(1)
    rows = []                              # (what, size, seconds, derived figure)

    a = rng.integers(0, field.P, 1 << 22, dtype=np.uint32)
    b = rng.integers(0, field.P, 1 << 22, dtype=np.uint32)
    for name, fn in [("add", lambda: field.add(a, b)), ("mul", lambda: field.mul(a, b)),
                     ("batch inverse", lambda: field.inv(a | np.uint32(1)))]:
        s = best(5, fn)
        rows.append((f"base field {name}", "2^22", s, f"{s / a.size * 1e9:.2f} ns/element"))
    ea, eb = a.reshape(-1, 4), b.reshape(-1, 4)
    for name, fn in [("mul", lambda: extension.mul(ea, eb)), ("inverse", lambda: extension.inv(ea | np.uint32(1)))]:
        s = best(5, fn)
        rows.append((f"extension {name}", "2^20", s, f"{s / ea.shape[0] * 1e9:.2f} ns/element"))

    v = rng.integers(0, field.P, 1 << 20, dtype=np.uint32)
    ntt_s = best(7, lambda: ntt.ntt(v))
    rows.append(("NTT, 1 column", "2^20", ntt_s, f"goal {GOALS['ntt_2_20_s']} s"))
    rows.append(("inverse NTT, 1 column", "2^20", best(7, lambda: ntt.intt(v)), ""))
    rows.append(("LDE blowup 2, 1 column", "2^20 -> 2^21", best(5, lambda: ntt.lde(v, 2)), ""))

    wide = rng.integers(0, field.P, (1 << 20, 16), dtype=np.uint32)
    s = best(3, lambda: ntt.ntt(wide))
    rows.append(("NTT, 16 columns", "2^20", s,
                 f"{s / 16 * 1e3:.2f} ms/column (goal {GOALS['per_column_s'] * 1e3:.0f})"))
    batched_s = s / 16

    cols = 64
    t = rng.integers(0, field.P, (1 << 16, cols), dtype=np.uint32)
    s = best(5, lambda: ntt.ntt(t))
    rows.append((f"NTT, {cols} columns", "2^16", s, f"{s / cols * 1e3:.2f} ms/column"))
    lde_s = best(5, lambda: ntt.lde(t, 2))
    rows.append((f"LDE blowup 2, {cols} columns", "2^16 -> 2^17", lde_s, f"{lde_s / cols * 1e3:.2f} ms/column"))
    if (os.cpu_count() or 1) >= 2:
        s2 = best(5, lambda: ntt.lde(t, 2, threads=2))
        rows.append((f"LDE blowup 2, {cols} columns, 2 threads", "2^16 -> 2^17", s2,
                     f"{lde_s / s2:.2f}x one thread"))

    for what, size, s, note in rows:
        print(f"{what:42s} {size:>13s} {s * 1e3:9.2f} ms  {note}")

    lines = [f"# Prover kernels benchmark ({time.strftime('%Y-%m-%d')})", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
             f"numpy {np.__version__}, numba {__import__('numba').__version__}.  Best of 5-7 warm runs, "
             "one core unless stated (`threads=2` splits the columns over two Python threads; the "
             "kernels release the GIL).  BabyBear elements are uint32; Montgomery multiplication "
             "in 32-bit lanes.", "",
             "| kernel | size | time | note |", "| --- | ---: | ---: | --- |"]
    lines += [f"| {what} | {size} | {s * 1e3:.2f} ms | {note} |" for what, size, s, note in rows]
    lines += ["", f"DESIGN.md targets: NTT of 2^20 in about {GOALS['ntt_2_20_s']} s on one core "
              f"(measured {ntt_s:.4f} s); about {GOALS['per_column_s'] * 1e3:.0f} ms per column of 2^20 "
              f"batched (measured {batched_s * 1e3:.2f} ms).  The batched LDE of 2^16 rows x {cols} "
              f"columns, blowup 2, takes {lde_s:.3f} s ({lde_s / cols * 1e3:.2f} ms per column, "
              f"{t.size / lde_s / 1e6:.0f} M input cells/s).", ""]
    RESULTS.mkdir(exist_ok=True)
    write_atomic(RESULTS / "prover_kernels.md", "\n".join(lines).encode())


if __name__ == "__main__":
    main()
