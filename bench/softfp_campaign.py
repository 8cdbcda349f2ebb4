"""The soft-float library against Berkeley SoftFloat on a million random operand sets per
operation and rounding mode (issue 13), with the library built for the host.

    python bench/softfp_campaign.py [--cases N] [--seed S] [--ops FADD_D,...]

Operations that do not round run once (rm 0); the others under each of rm 0..4.  The
operands come from tests/softfp_cases.py (random sign, exponent and fraction, a third near
each other so that additions cancel).  Writes bench/results/softfp_campaign.{json,md}
unless --ops is given; exits 1 on any mismatch.  `make softfp-campaign` runs it at low
priority; it is not part of `make test`.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from softfp_cases import OPS, random_cases  # noqa: E402
from softfp_native import Native  # noqa: E402

RESULTS = ROOT / "bench" / "results"
BATCH = 250_000


def run_one(native: Native, name: str, rm: int, cases: int, rng) -> tuple[int, list[str]]:
    """(mismatching cases, the first few of them) for `cases` random operand sets."""
    op = OPS[name]
    bad, examples = 0, []
    for start in range(0, cases, BATCH):
        a, b, c, x = random_cases(op, rng, min(BATCH, cases - start))
        out, flags, status = native.run(op.encode(rm), 0, op.writes_x, a, b, c, x)
        ref, ref_flags = native.reference(name, rm, a, b, c, x)
        wrong = np.flatnonzero((out != ref) | (flags != ref_flags) | (status != 0))
        bad += len(wrong)
        examples += [f"a={a[i]:#x} b={b[i]:#x} c={c[i]:#x} x={x[i]:#x}: {out[i]:#x}/{flags[i]:#x} "
                     f"SoftFloat {ref[i]:#x}/{ref_flags[i]:#x}" for i in wrong[: 3 - len(examples)]]
    return bad, examples


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1_000_000, help="random operand sets per operation and rounding mode")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--ops", help="comma-separated operation names (default: all); results are then not written")
    args = ap.parse_args(argv)
    names = args.ops.split(",") if args.ops else list(OPS)
    native = Native()
    rows, total_bad, t0 = [], 0, time.time()
    for k, name in enumerate(names):
        for rm in range(5) if OPS[name].rounds else (0,):
            t = time.time()
            bad, examples = run_one(native, name, rm, args.cases, np.random.default_rng([args.seed, k, rm]))
            total_bad += bad
            rows.append({"op": name, "rm": rm, "cases": args.cases, "mismatches": bad, "examples": examples,
                         "seconds": round(time.time() - t, 1)})
            print(f"{name:10} rm {rm}: {args.cases:,} cases, {bad} mismatches ({time.time() - t:.1f} s)", flush=True)
            for e in examples:
                print("   ", e)
    summary = {"cases_per_op_and_rm": args.cases, "seed": args.seed, "runs": len(rows),
               "total_cases": sum(r["cases"] for r in rows), "mismatches": total_bad,
               "seconds": round(time.time() - t0), "host": platform.machine(),
               "softfloatpy": __import__("softfloatpy").__version__}
    print(f"{summary['total_cases']:,} cases in {summary['runs']} runs, {total_bad} mismatches, {summary['seconds']} s")
    if not args.ops:
        (RESULTS / "softfp_campaign.json").write_text(json.dumps({"summary": summary, "runs": rows}, indent=1) + "\n")
        lines = ["# Soft-float library against Berkeley SoftFloat (`bench/softfp_campaign.py`)", "",
                 f"{args.cases:,} random operand sets per operation and rounding mode (rm 0..4 for the "
                 f"operations that round, once for the others), seed {args.seed}: "
                 f"{summary['total_cases']:,} cases in {summary['runs']} runs, **{total_bad} mismatches** "
                 f"(results and fflags), {summary['seconds']:,} s on {summary['host']} with softfloatpy "
                 f"{summary['softfloatpy']}.", "", "| operation | rm | cases | mismatches |", "| --- | --- | --- | --- |"]
        lines += [f"| {r['op']} | {r['rm']} | {r['cases']:,} | {r['mismatches']} |" for r in rows]
        (RESULTS / "softfp_campaign.md").write_text("\n".join(lines) + "\n")
    return 1 if total_bad else 0


if __name__ == "__main__":
    sys.exit(main())
