"""The soft-float library compiled for rv64im runs as guest code: a harness guest
(tests/guests/softfp/main.c) calls zkfp_execute on a few hundred cases under the
interpreter and the JIT, and gets what the host build and SoftFloat get."""
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("softfloatpy")
pytest.importorskip("ziglang")

import zkaot  # noqa: E402
from runtime import softfp  # noqa: E402
from softfp_cases import DYN, OPS, edge_cases, random_cases  # noqa: E402
from softfp_native import Native  # noqa: E402
from zkaot.build import build  # noqa: E402
from zkaot.softfp_build import FLAGS  # noqa: E402

HARNESS = Path(__file__).resolve().parent / "guests" / "softfp" / "main.c"
PER_OP = 10


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    out = tmp_path_factory.mktemp("softfp-guest") / "guest.elf"
    build([HARNESS, *(softfp.SOURCE_DIR / s for s in softfp.C_SOURCES)], out, arch="rv64im", extra_flags=FLAGS)
    return out


@pytest.fixture(scope="module")
def native(tmp_path_factory):
    return Native(tmp_path_factory.mktemp("softfp"))


@pytest.fixture(scope="module")
def cases(native):
    """(insn, fcsr, f1, f2, f3, xin) rows and SoftFloat's (result, fflags) for each: every
    operation, with edge and random operands, under rm 0..4 in turn, every other one dynamic."""
    rng = np.random.default_rng(13)
    rows, expected = [], []
    for k, (name, op) in enumerate(OPS.items()):
        rm = k % 5
        edge = edge_cases(op)
        pick = rng.choice(len(edge[0]), PER_OP // 2, replace=False)
        rand = random_cases(op, rng, PER_OP - PER_OP // 2)
        a, b, c, x = (np.concatenate([e[pick], r]) for e, r in zip(edge, rand))
        dynamic = k % 2 == 1 and op.rounds
        insn = op.encode(DYN if dynamic else rm)
        fcsr = rm << 5 if dynamic else 0
        ref, ref_flags = native.reference(name, rm, a, b, c, x)
        for i in range(len(a)):
            rows.append((insn, fcsr, a[i], b[i], c[i], x[i]))
            expected.append((op.writes_x, int(ref[i]), int(ref_flags[i])))
    return np.array(rows, np.uint64), expected


def _run(harness, rows, engine, cache_dir):
    data = np.concatenate([np.array([len(rows)], np.uint64), rows.ravel()]).tobytes()
    result = zkaot.execute(harness, data, engine=engine, cache_dir=cache_dir)
    assert result.fault is None, str(result.fault)
    assert result.exit_code == 0
    return np.frombuffer(result.output, np.uint64).reshape(-1, 5)


def test_guest_build_on_the_interpreter_matches_softfloat(harness, cases):
    rows, expected = cases
    out = _run(harness, rows, "interp", None)
    assert len(out) == len(rows)
    wrong = []
    for row, (f4, xout, fcsr, status, _), (writes_x, ref, ref_flags) in zip(rows, out, expected):
        got = (int(xout) if writes_x else int(f4), int(fcsr) & 0x1F, int(status))
        if got != (ref, ref_flags, softfp.OK):
            wrong.append(f"insn {int(row[0]):#010x} {[hex(int(v)) for v in row[2:]]}: {got} != {(ref, ref_flags)}")
    assert wrong == []


def test_guest_build_on_the_interpreter_matches_the_host_build(harness, cases, native):
    rows, _ = cases
    out = _run(harness, rows, "interp", None)
    for row, got in zip(rows, out):
        blk = np.zeros(softfp.SIZE // 8, np.uint64)
        blk[softfp.INSN // 8], blk[softfp.FCSR // 8], blk[1], blk[2], blk[3], blk[softfp.XIN // 8] = row
        native.execute(blk)
        want = (blk[4], blk[softfp.XOUT // 8], blk[softfp.FCSR // 8], blk[softfp.STATUS // 8])
        assert tuple(got[:4]) == want, hex(int(row[0]))


def test_jit_and_interpreter_agree_on_the_guest_build(harness, cases, jit_cache):
    rows, _ = cases
    assert (_run(harness, rows, "jit", jit_cache) == _run(harness, rows, "interp", None)).all()
