"""Benchmark: the STARK on a wide degree-3 table of 2^16 to 2^20 rows, on one core and on two.

The table (tests/airs.py: wide) has 61 columns: 30 inputs, 30 outputs y_i = x_i x_(i+1) x_(i+2) + x_i
and a row counter, with 32 constraints.  Measured: prove time (split into its phases),
verify time, proof size, and trace cells (rows x main columns) proven per second, with
the default parameters (blowup 2, 100 queries, 16 bits of grinding; see the security
level printed with the results).  Each configuration is proven twice and the faster run
is kept: the first also compiles or loads the numba kernels.  Results go to
bench/results/prover.md and prover.json.

Usage: python bench/prover.py [--max-log-rows 20]
"""
import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numba

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import airs  # noqa: E402
from prover.security import security_level  # noqa: E402
from prover.stark import ProofStats, StarkParameters, prove, setup, verify  # noqa: E402
from runtime.files import write_atomic  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
GOAL_CELLS_PER_CORE = 5e6
COLUMNS = 61


def measure(log_rows: int, threads: int) -> dict:
    numba.set_num_threads(threads)
    air, trace = airs.wide(log_rows, COLUMNS)
    key = setup([air])
    best = None
    for _ in range(2):
        stats = ProofStats({}, 0)
        start = time.perf_counter()
        proof = prove(key, {"wide": trace}, check=False, threads=threads, stats=stats)
        seconds = time.perf_counter() - start
        if best is None or seconds < best[0]:
            best = (seconds, stats, proof)
    seconds, stats, proof = best
    data = proof.to_bytes()
    start = time.perf_counter()
    verdict = verify(key.verifying_key, {}, data)
    verify_s = time.perf_counter() - start
    assert verdict, verdict.reason
    cells = trace.shape[0] * trace.shape[1]
    return {"log_rows": log_rows, "columns": trace.shape[1], "constraints": len(air.constraints),
            "threads": threads, "prove_s": seconds, "phases": stats.seconds, "verify_s": verify_s,
            "proof_bytes": len(data), "cells": cells, "cells_per_s": cells / seconds}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-log-rows", type=int, default=20)
    args = parser.parse_args()
    rows = []
    for log_rows in range(16, args.max_log_rows + 1, 2):
        for threads in (1, 2):
            row = measure(log_rows, threads)
            rows.append(row)
            print(f"2^{log_rows} x {row['columns']}, {threads} core(s): prove {row['prove_s']:.2f} s "
                  f"({row['cells_per_s'] / 1e6:.1f} M cells/s), verify {row['verify_s'] * 1e3:.0f} ms, "
                  f"proof {row['proof_bytes'] / 1024:.0f} KiB", flush=True)
    params = StarkParameters()
    security = security_level(params.fri, log_max_lde=args.max_log_rows + params.fri.log_blowup,
                              max_constraint_degree=params.max_constraint_degree)
    meta = {"date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {numba.config.NUMBA_NUM_THREADS} cores",
            "python": platform.python_version(), "numba": numba.__version__,
            "security_bits": security.conjectured_bits}
    write_atomic(RESULTS / "prover.json", json.dumps({"meta": meta, "rows": rows}, indent=2).encode())
    write_atomic(RESULTS / "prover.md", report(meta, rows, security).encode())


def report(meta: dict, rows: list[dict], security) -> str:
    phases = list(rows[0]["phases"])
    lines = [f"# Prover benchmark ({meta['date']})", "",
             f"Machine: {meta['machine']}, Python {meta['python']}, numba {meta['numba']}.  Table: the wide "
             f"degree-3 AIR of tests/airs.py ({rows[0]['columns']} columns, {rows[0]['constraints']} constraints), "
             f"default parameters: {security.conjectured_bits:.0f} bits of conjectured security.  "
             "Best of two proofs; cells = rows x main columns.  The machine has 2 cores, and other work may "
             "hold one of them: check `uptime` when reading the two-core rows.", "",
             "| rows | cores | prove | M cells/s | M cells/s per core | verify | proof size |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| 2^{r['log_rows']} | {r['threads']} | {r['prove_s']:.2f} s | {r['cells_per_s'] / 1e6:.1f} | "
                     f"{r['cells_per_s'] / 1e6 / r['threads']:.1f} | {r['verify_s'] * 1e3:.0f} ms | "
                     f"{r['proof_bytes'] / 1024:.0f} KiB |")
    lines += ["", "Where the time goes (seconds, per phase):", "",
              "| rows | cores | " + " | ".join(phases) + " |", "| ---: | ---: |" + " ---: |" * len(phases)]
    for r in rows:
        lines.append(f"| 2^{r['log_rows']} | {r['threads']} | " +
                     " | ".join(f"{r['phases'].get(p, 0):.2f}" for p in phases) + " |")
    one_core = [r for r in rows if r["threads"] == 1]
    worst = min(r["cells_per_s"] for r in one_core)
    lines += ["", f"Goal: at least {GOAL_CELLS_PER_CORE / 1e6:.0f} M trace cells per second per core; "
              f"measured on one core: {worst / 1e6:.1f} M (worst size) to "
              f"{max(r['cells_per_s'] for r in one_core) / 1e6:.1f} M (best).", "",
              "Security (prover/security.py):", "", "```", security.describe(), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
