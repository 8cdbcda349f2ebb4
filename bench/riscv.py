"""Benchmark: proven RISC-V guest cycles per second, every table of the machine in one proof.

For each example (examples/*/guest.rv64im.elf, and fibonacci's rv32 build): the
interpreter's run (translator/expand.py: reference_trace), then the tables
(prover/riscv/main.py: main_trace, prover/riscv/machine.py: machine_traces), one STARK
proof of all of them with the default parameters (blowup 2, 100 queries, 16 bits of
grinding) on 2 cores, and `verify_run` of its bytes against the run's output and exit
code.  Measured: steps proven per second of prove time (and of trace + prove time),
the prove phases (ProofStats), trace-building time, verify time, proof size, every
table's height, and the peak resident memory (ru_maxrss) of a fresh child process per
configuration, so one example's arrays do not count towards the next.  Each
configuration is proven twice and the faster run is kept (the machine is shared; the
first proof also loads the numba kernels).  One example is also proven on one core,
to show the scaling.

Each run is one proof (the tables of `machine.run_key`, no segments: `zkaot prove`'s
chains of segments are measured by bench/continuations.py), so each example gets an
input that it accepts and that keeps its run near 2^17 steps (the inputs are built in
`EXAMPLES`; the steps proven are in the results).  Runs that make precompile ecalls
are proven with their PRECOMPILE_ROW rows and a key with the precompile tables; the
others with a key without them, as `zkaot prove` does; a run the prover refuses is
reported with its reason.

Results go to bench/results/riscv.md and riscv.json.

Usage: python bench/riscv.py [--quick]   (--quick: skip the 2^19-row fibonacci run)
"""
import argparse
import json
import os
import platform
import resource
import struct
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from runtime.files import write_atomic  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
EXAMPLES_DIR = ROOT / "examples"
GOAL_STEPS_PER_S = 50_000
THREADS = 2
REPEATS = 2


def _file(name: str) -> bytes:
    return (EXAMPLES_DIR / name / "input.bin").read_bytes()


def _u32(n: int) -> bytes:
    return struct.pack("<I", n)


def _sort_input(n: int) -> bytes:
    """The first n values of sort's input.bin, with the count set to n."""
    return _u32(n) + _file("sort")[4:4 + 4 * n]


def _bignum_input() -> bytes:
    """bignum's input.bin without its three longest records (0, 1 and 9: 914k, 728k and
    107k steps each); the other ten take about 110k steps together."""
    data = _file("bignum")
    count, offset, records = struct.unpack_from("<I", data)[0], 4, []
    for _ in range(count):
        start = offset
        for _ in range(3):                      # base, exp, modulus: u32 length then bytes
            offset += 4 + struct.unpack_from("<I", data, offset)[0]
        records.append(data[start:offset])
    keep = [r for i, r in enumerate(records) if i not in (0, 1, 9)]
    return _u32(len(keep)) + b"".join(keep)


# name -> (example folder, ELF, input builder, what the input is)
EXAMPLES = {
    "fibonacci": ("fibonacci", "guest.rv64im.elf", lambda: _u32(26_000), "n = 26,000"),
    "fibonacci-rv32": ("fibonacci", "guest.rv32im.elf", lambda: _u32(13_000), "n = 13,000"),
    "sort": ("sort", "guest.rv64im.elf", lambda: _sort_input(1000), "the first 1,000 values of input.bin"),
    "bignum": ("bignum", "guest.rv64im.elf", _bignum_input, "10 of input.bin's 13 modexp records"),
    "zig_collatz": ("zig_collatz", "guest.rv64im.elf", lambda: _u32(400), "n = 400"),
    "coremark_like": ("coremark_like", "guest.rv64im.elf", lambda: _file("coremark_like")[:4] + _u32(1),
                      "input.bin's seed, 1 iteration"),
    "sha256_soft": ("sha256_soft", "guest.rv64im.elf", lambda: _file("sha256_soft")[:4 + 1280],
                    "1 round over the first 1,280 bytes of input.bin"),
    "misaligned_atomics": ("misaligned_atomics", "guest.rv64ima.elf", lambda: _file("misaligned_atomics"),
                           "input.bin"),
    "sha256": ("sha256", "guest.rv64im.elf", lambda: _file("sha256"), "input.bin"),
    "keccak": ("keccak", "guest.rv64im.elf", lambda: _file("keccak"), "input.bin"),
    "fibonacci-2^19": ("fibonacci", "guest.rv64im.elf", lambda: _u32(100_000), "n = 100,000"),
}
SCALING = "fibonacci"           # also proven on one core


# ---------------------------------------------------------------- one configuration, in a child process

def measure(name: str, threads: int) -> dict:
    import numba

    from prover.riscv.machine import machine_traces, run_key, verify_run
    from prover.riscv.main import main_trace
    from prover.stark import ProofStats, prove
    from translator.elf import load_elf
    from translator.expand import reference_trace

    import prover.stark as stark

    numba.set_num_threads(threads)
    aux_s: dict[str, float] = {}
    aux_trace = stark.logup.aux_trace

    def timed_aux_trace(air, *args, **kwargs):     # the bus phase's own work, per table
        start = time.perf_counter()
        out = aux_trace(air, *args, **kwargs)
        aux_s[air.name] = aux_s.get(air.name, 0.0) + time.perf_counter() - start
        return out
    stark.logup.aux_trace = timed_aux_trace
    folder, elf, make_input, _ = EXAMPLES[name]
    program = load_elf(EXAMPLES_DIR / folder / elf)
    input_bytes = make_input()
    start = time.perf_counter()
    result, rows, precompiles = reference_trace(program, input_bytes)
    run_s = time.perf_counter() - start
    row = {"example": name, "elf": elf, "threads": threads, "input_bytes": len(input_bytes),
           "steps": int(result.steps), "exit_code": result.exit_code, "precompile_calls": int(precompiles.size),
           "run_s": run_s}
    if result.exit_code is None:
        row["not_provable"] = f"the run did not exit ({result.fault})"
        return row
    start = time.perf_counter()
    image = program.image()
    key = run_key(image, precompiles=bool(precompiles.size))
    row["key_s"] = time.perf_counter() - start
    best = None
    for _ in range(REPEATS):
        try:
            start = time.perf_counter()
            mt = main_trace(image, rows)
            traces = machine_traces(image, mt, input_bytes, precompiles=precompiles)
            trace_s = time.perf_counter() - start
        except ValueError as e:                 # a run no proof can contain
            row["not_provable"] = str(e)
            return row
        stats = ProofStats({}, 0)
        aux_s.clear()
        start = time.perf_counter()
        tables = traces.tables_for(key)
        proof = prove(key, tables, traces.publics, check=False, threads=threads, stats=stats)
        prove_s = time.perf_counter() - start
        if best is None or prove_s < best["prove_s"]:
            best = {"prove_s": prove_s, "phases": stats.seconds, "proof": proof, "aux_s": dict(aux_s)}
        row["trace_s"] = min(row.get("trace_s", trace_s), trace_s)
        heights = {t: list(a.shape) for t, a in tables.items()}
        assert traces.output == result.output
        del traces, tables, mt
    data = best["proof"].to_bytes()
    # the verifier's claim comes from the run, not from the prover: entry, exit pc + 4, steps
    start = time.perf_counter()
    verdict = verify_run(key.verifying_key, data, result.output, result.exit_code, entry=int(rows["pc"][0]),
                         final_pc=int(rows["pc"][-1]) + 4, steps=int(result.steps))
    verify_s = time.perf_counter() - start
    assert verdict, verdict.reason
    row.update(prove_s=best["prove_s"], phases=best["phases"], bus_aux_trace_s=best["aux_s"], verify_s=verify_s, proof_bytes=len(data),
               heights=heights, cells=sum(h * w for h, w in heights.values()),
               steps_per_s=result.steps / best["prove_s"],
               steps_per_s_with_traces=result.steps / (best["prove_s"] + row["trace_s"]))
    row["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return row


def child(name: str, threads: int) -> dict:
    """measure() in a fresh interpreter, so that ru_maxrss is this configuration's own."""
    out = subprocess.run([sys.executable, __file__, "--child", name, str(threads)], capture_output=True,
                         text=True, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"{name}, {threads} thread(s) failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- the report

def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the 2^19-row fibonacci run")
    parser.add_argument("--child", nargs=2, metavar=("EXAMPLE", "THREADS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], int(args.child[1]))))
        return

    import numba

    from prover.security import security_level
    from prover.stark import StarkParameters

    names = [n for n in EXAMPLES if not (args.quick and n == "fibonacci-2^19")]
    rows = []
    for name in names:
        for threads in ((1, THREADS) if name == SCALING else (THREADS,)):
            row = child(name, threads)
            rows.append(row)
            if "not_provable" in row:
                print(f"{name}: not provable yet: {row['not_provable']}", flush=True)
            else:
                print(f"{name}, {threads} core(s): {row['steps']:,} steps, traces {row['trace_s']:.2f} s, prove "
                      f"{row['prove_s']:.2f} s ({row['steps_per_s']:,.0f} steps/s), verify "
                      f"{row['verify_s'] * 1e3:.0f} ms, proof {row['proof_bytes'] / 1024:.0f} KiB, "
                      f"peak {row['peak_rss_mib']:,.0f} MiB", flush=True)
    params = StarkParameters()
    log_max = max(max(h for h, _ in r["heights"].values()).bit_length() - 1 for r in rows if "heights" in r)
    security = security_level(params.fri, log_max_lde=log_max + params.fri.log_blowup,
                              max_constraint_degree=params.max_constraint_degree)
    meta = {"date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {numba.config.NUMBA_NUM_THREADS} cores",
            "python": platform.python_version(), "numba": numba.__version__,
            "num_queries": params.fri.num_queries, "pow_bits": params.fri.pow_bits,
            "log_blowup": params.fri.log_blowup, "security_bits": security.conjectured_bits,
            "inputs": {n: EXAMPLES[n][3] for n in names}, **_git()}
    write_atomic(RESULTS / "riscv.json", json.dumps({"meta": meta, "rows": rows}, indent=2).encode())
    write_atomic(RESULTS / "riscv.md", report(meta, rows, security).encode())


def _git() -> dict:
    """The commit measured, and whether the prover or translator had local changes (outside a
    checkout, e.g. a `git archive` of a commit: the commit named by $BENCH_COMMIT)."""
    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    if not git("rev-parse", "--is-inside-work-tree"):
        return {"commit": os.environ.get("BENCH_COMMIT", "unknown"), "local_changes": []}
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "local_changes": git("status", "--porcelain", "--", "prover", "translator", "runtime").splitlines()}


def _log2(n: int) -> str:
    return f"2^{n.bit_length() - 1}" if n & (n - 1) == 0 else f"{n:,}"


def report(meta: dict, rows: list[dict], security) -> str:
    proven = [r for r in rows if "not_provable" not in r]
    main2 = [r for r in proven if r["threads"] == THREADS]
    lines = [f"# RISC-V proving benchmark ({meta['date']})", "",
             f"Machine: {meta['machine']}, Python {meta['python']}, numba {meta['numba']}.  One proof of every "
             f"table of a whole run (one proof, no segments), default parameters: blowup {1 << meta['log_blowup']}, "
             f"{meta['num_queries']} queries, {meta['pow_bits']} bits of grinding, "
             f"{security.conjectured_bits:.0f} bits of conjectured security; commit {meta['commit']}"
             f"{' with local changes to ' + ', '.join(c[3:] for c in meta['local_changes']) if meta['local_changes'] else ''}.  Best of {REPEATS} proofs; steps/s = "
             "guest steps (cycles) proven per second of prove time; traces = building every table from the "
             "interpreter's rows (`main_trace` + `machine_traces`); peak memory = ru_maxrss of a fresh process "
             "per row (interpreter run, key, traces and proof).  Inputs are chosen to keep each run near "
             "2^17 steps (below).", "",
             "| example | cores | steps | traces | prove | steps/s | steps/s incl. traces | verify | proof size "
             "| peak memory |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in proven:
        lines.append(f"| {r['example']} | {r['threads']} | {r['steps']:,} | {r['trace_s']:.2f} s | "
                     f"{r['prove_s']:.2f} s | {r['steps_per_s']:,.0f} | {r['steps_per_s_with_traces']:,.0f} | "
                     f"{r['verify_s'] * 1e3:.0f} ms | {r['proof_bytes'] / 1024:,.0f} KiB | "
                     f"{r['peak_rss_mib']:,.0f} MiB |")
    for r in rows:
        if "not_provable" in r:
            lines.append(f"| {r['example']} | | {r['steps']:,} | not provable yet: {r['not_provable']} "
                         "| | | | | | |")
    phases = list(proven[0]["phases"])
    lines += ["", "Where the prove time goes (seconds, per ProofStats phase; \"bus\" is the lookup/permutation "
              "argument's auxiliary columns, committed with them):", "",
              "| example | cores | " + " | ".join(phases) + " |", "| --- | ---: |" + " ---: |" * len(phases)]
    for r in proven:
        lines.append(f"| {r['example']} | {r['threads']} | " +
                     " | ".join(f"{r['phases'].get(p, 0):.2f}" for p in phases) + " |")
    lines += ["", "Share of the prove time, summed over the 2-core rows: " + ", ".join(
        f"{p} {sum(r['phases'].get(p, 0) for r in main2) / sum(r['prove_s'] for r in main2):.0%}" for p in phases)
        + "."]
    lines += ["", "The bus phase is mostly `logup.aux_trace` (computing the LogUp columns; their LDE and "
              "commitment are the rest); its time per table, the three largest:", "",
              "| example | cores | bus | aux_trace: largest tables |", "| --- | ---: | ---: | --- |"]
    for r in proven:
        top = sorted(r["bus_aux_trace_s"].items(), key=lambda kv: -kv[1])[:3]
        lines.append(f"| {r['example']} | {r['threads']} | {r['phases'].get('bus', 0):.2f} s | "
                     + ", ".join(f"{t} {s:.2f} s" for t, s in top) + " |")
    tables = list(proven[0]["heights"])
    lines += ["", "Table heights (rows; main columns in the header, of the first row's machine; cells = rows x main "
              "columns over every table):", "",
              "| example | " + " | ".join(f"{t} ({proven[0]['heights'][t][1]})" for t in tables) + " | cells |",
              "| --- |" + " ---: |" * (len(tables) + 1)]
    for r in proven:
        if r["threads"] == THREADS:
            lines.append(f"| {r['example']} | " + " | ".join(_log2(r["heights"][t][0]) for t in tables)
                         + f" | {r['cells'] / 1e6:.1f} M |")
    lines += ["", "Inputs:", ""]
    for r in rows:
        if r["threads"] == THREADS:
            lines.append(f"- {r['example']} ({r['elf']}): {meta['inputs'][r['example']]}, "
                         f"{r['input_bytes']:,} bytes, {r['steps']:,} steps")
    one = [r for r in proven if r["example"] == SCALING]
    if len(one) == 2:
        a, b = sorted(one, key=lambda r: r["threads"])
        lines += ["", f"Scaling ({SCALING}): prove {a['prove_s']:.2f} s on 1 core, {b['prove_s']:.2f} s on "
                  f"{b['threads']}: {a['prove_s'] / b['prove_s']:.2f}x; traces {a['trace_s']:.2f} s and "
                  f"{b['trace_s']:.2f} s (the trace builders are single-threaded numpy).  Per phase, 1 core -> "
                  f"{b['threads']}: " + ", ".join(f"{p} {a['phases'][p]:.2f} -> {b['phases'][p]:.2f} s"
                                                 for p in phases if a['phases'][p] >= 0.1) + "."]
    worst, top = min(main2, key=lambda r: r["steps_per_s"]), max(main2, key=lambda r: r["steps_per_s"])
    lines += ["", f"Goal: at least {GOAL_STEPS_PER_S:,} cycles per second on this machine (RISC Zero publishes "
              f"about 9 kHz on an M2 Pro CPU); measured on {THREADS} cores: {worst['steps_per_s']:,.0f} "
              f"({worst['example']}) to {top['steps_per_s']:,.0f} ({top['example']}) steps per second of prove "
              f"time: {'met' if worst['steps_per_s'] >= GOAL_STEPS_PER_S else 'not met'}.", "",
              "Security (prover/security.py, at the largest table):", "", "```", security.describe(), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
