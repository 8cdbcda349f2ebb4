"""Benchmark: single-thread CPU time of one whole-machine proof, for paired comparisons.

bench/riscv.py measures wall time on 2 cores, which on a shared, loaded machine moves by
far more than a prover change does (the threads wait for cores).  CPU time of a proof on
one thread moves much less, so two checkouts can be compared on such a machine by running
this script from each in turn, interleaved (PYTHONPATH and the working directory set to the
checkout): one fresh process per measurement, the example's run, key and tables built as in
bench/riscv.py (its EXAMPLES and inputs), one warm-up proof, then the best of 3 proofs'
`time.process_time`.  Prints one JSON object: steps, cpu_s, steps_per_cpu_s and the
phases' wall seconds of the best proof.

Usage: python bench/riscv_cpu.py EXAMPLE   (a name of bench/riscv.py's EXAMPLES)
"""
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numba  # noqa: E402

import bench.riscv as riscv  # noqa: E402
from prover.riscv.machine import machine_traces, run_key  # noqa: E402
from prover.riscv.main import main_trace  # noqa: E402
from prover.stark import ProofStats, prove  # noqa: E402
from translator.elf import load_elf  # noqa: E402
from translator.expand import reference_trace  # noqa: E402

REPEATS = 3


def measure(name: str) -> dict:
    numba.set_num_threads(1)
    folder, elf, make_input, _ = riscv.EXAMPLES[name]
    program = load_elf(riscv.EXAMPLES_DIR / folder / elf)
    input_bytes = make_input()
    result, rows, precompiles = reference_trace(program, input_bytes)
    image = program.image() if hasattr(program, "image") else program    # a checkout before ProgramImage
    key = run_key(image, precompiles=bool(precompiles.size))
    mt = main_trace(image, rows)
    traces = machine_traces(image, mt, input_bytes, precompiles=precompiles)
    tables = traces.tables_for(key)
    prove(key, tables, traces.publics, check=False, threads=1)          # loads the kernels
    best, phases = float("inf"), {}
    for _ in range(REPEATS):
        stats = ProofStats({}, 0)
        start = time.process_time()
        prove(key, tables, traces.publics, check=False, threads=1, stats=stats)
        seconds = time.process_time() - start
        if seconds < best:
            best, phases = seconds, stats.seconds
    return {"example": name, "steps": int(result.steps), "cpu_s": best, "steps_per_cpu_s": result.steps / best,
            "phases": phases}


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
