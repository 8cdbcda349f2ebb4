"""Segments proven and verified as parallel jobs (prover/riscv/segment_jobs.py): the same
proof bytes in this process, on local workers and on a Dask cluster; workers load the
keys the parent cached; a job that fails in a worker is one error line."""
import contextlib
import dataclasses
import io
import os
import struct
from pathlib import Path

import pytest

import zkaot
from prover.riscv import segment_jobs
from prover.riscv.claim import RunClaim, prove_claim
from prover.riscv.keycache import cached_proving_keys
from prover.riscv.rom import program_commitment
from translator.elf import load_elf
from translator.parallel import local_executor
from translator.segments import SegmentedRun
from zkaot.cli import EXIT_BAD_INPUT, main

FIB = Path(__file__).resolve().parent.parent / "examples" / "fibonacci" / "guest.rv64im.elf"
INPUT = struct.pack("<I", 60)           # 385 steps
SEGMENT = 150                           # 3 segments
OLD = 1_000_000_000                     # an mtime no key written during the tests has


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("keys-and-code")


@pytest.fixture(scope="module")
def proofs(cache):
    """The proof file of one run made in this process (and its progress bar), then on 2
    local workers and on a 2-worker local Dask cluster; before the last two, the cached
    keys' mtimes are set to OLD, and after them the mtimes as they were."""
    from distributed import LocalCluster

    program = load_elf(FIB)
    bar = io.StringIO()
    with contextlib.redirect_stderr(bar):
        out = {"inline": zkaot.prove(program, INPUT, segment_steps=SEGMENT, workers=1, cache_dir=cache,
                                     progress=True).proof}
    out["progress"] = bar.getvalue()
    keys = sorted(cache.glob("keys/*/*-proving.pickle"))
    for path in keys:
        os.utime(path, (OLD, OLD))
    out["local"] = zkaot.prove(program, INPUT, segment_steps=SEGMENT, workers=2, cache_dir=cache).proof
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        out["dask"] = zkaot.prove(program, INPUT, segment_steps=SEGMENT, scheduler=cluster.scheduler_address,
                                  cache_dir=cache).proof
    out["key mtimes"] = {path.name: path.stat().st_mtime for path in keys}
    return out


def test_each_segments_proof_is_the_same_in_process_on_local_workers_and_on_dask(proofs):
    inline = RunClaim.decode(proofs["inline"])
    assert len(inline.segments) == 3
    for where in ("local", "dask"):
        other = RunClaim.decode(proofs[where])
        assert [s.proof for s in other.segments] == [s.proof for s in inline.segments], where
        assert proofs[where] == proofs["inline"]


def test_the_parallel_proof_is_the_one_the_sequential_prover_makes(proofs, cache):
    program = load_elf(FIB)
    image = program.image()
    keys = cached_proving_keys(image, program_commitment(image), cache)
    sequential = prove_claim(image, SegmentedRun(program, INPUT, SEGMENT), INPUT, check=False, keys=keys)
    assert sequential.encode() == proofs["inline"]


def test_workers_load_the_proving_keys_the_parent_cached_instead_of_building_them(proofs):
    assert proofs["key mtimes"], "no proving key was cached"
    assert set(proofs["key mtimes"].values()) == {OLD}


@pytest.fixture(scope="module")
def pool():
    with local_executor(2) as ex:
        yield ex


def test_a_chain_verified_on_local_workers_gets_the_in_process_verdict(proofs, cache, pool):
    parallel, _ = zkaot.verify(proofs["local"], RunClaim.decode(proofs["local"]).program_id, 0, INPUT,
                               cache_dir=cache, executor=pool)
    alone, _ = zkaot.verify(proofs["local"], RunClaim.decode(proofs["local"]).program_id, 0, INPUT, cache_dir=cache)
    assert parallel and alone
    assert (parallel.security_bits, parallel.proven_bits) == (alone.security_bits, alone.proven_bits)


def test_a_segment_failing_its_check_on_a_local_worker_rejects_the_chain(proofs, cache, pool):
    claim = RunClaim.decode(proofs["local"])
    last = dataclasses.replace(claim.segments[2], output=b"forged!!")
    forged = dataclasses.replace(claim, segments=claim.segments[:2] + (last,))
    verdict, _ = zkaot.verify(forged.encode(), claim.program_id, 0, INPUT, cache_dir=cache, executor=pool)
    assert not verdict and verdict.reason.startswith("the STARK proof does not verify: segment 2 of 3: ")


def fails_with_two_lines(job):
    raise RuntimeError(f"{job!r} failed\nsecond line")


def test_a_job_failing_in_a_worker_is_one_error_line_naming_the_segment(monkeypatch, cache, tmp_path, capsys):
    monkeypatch.setenv("ZKAOT_CACHE", str(cache))
    monkeypatch.setattr(segment_jobs, "prove_segment_job", fails_with_two_lines)
    status = main(["prove", str(FIB), "--input-hex", INPUT.hex(), "-o", str(tmp_path / "p"), "--segment-steps",
                   str(SEGMENT), "--workers", "2"])
    err = capsys.readouterr().err.splitlines()
    assert status == EXIT_BAD_INPUT
    lines = [line for line in err if line.startswith("zkaot")]
    assert len(lines) == 1          # whichever worker's segment fails first
    assert lines[0] in [f"zkaot: error: {FIB}: a prover worker failed: RuntimeError: segment {i} (steps {lo} to "
                        f"{hi}) failed" for i, (lo, hi) in enumerate(((0, 150), (150, 300), (300, 385)))]
    assert not any("Traceback" in line for line in err)


def test_an_unreachable_scheduler_is_one_error_line(monkeypatch, tmp_path, capsys):
    import translator.parallel

    def unreachable(scheduler, workers, preload=()):
        raise OSError(f"cannot connect to the Dask scheduler at {scheduler!r}: Timed out\nafter 30 s")

    monkeypatch.setattr(translator.parallel, "make_executor", unreachable)
    status = main(["prove", str(FIB), "--input-hex", INPUT.hex(), "-o", str(tmp_path / "p"),
                   "--scheduler", "tcp://127.0.0.1:9"])
    assert status == EXIT_BAD_INPUT
    assert capsys.readouterr().err.splitlines() == [
        "zkaot: error: cannot connect to the Dask scheduler at 'tcp://127.0.0.1:9': Timed out"]


def test_the_progress_bar_counts_segments_and_steps_per_second(proofs):
    assert "3/3 segments" in proofs["progress"] and "385/385" in proofs["progress"]
    assert "steps/s" in proofs["progress"]


def test_an_error_in_the_background_pass_is_raised_where_its_job_is_asked_for():
    def make():
        yield "job 0"
        raise ValueError("segment 1: a step ran where there is no instruction")

    jobs = segment_jobs._Jobs(make(), 3, background=True)
    assert len(jobs) == 3 and jobs[0] == "job 0"
    with pytest.raises(ValueError, match="segment 1: a step ran"):
        jobs[1]
    with pytest.raises(IndexError):
        jobs[3]
