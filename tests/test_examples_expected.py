"""The committed example inputs, expected outputs and ELFs are reproducible."""
import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_expected_regenerates_the_committed_inputs_and_outputs():
    generated = _load("make_expected").generate_all()
    for (name, prefix), (inp, expected) in generated.items():
        assert (EXAMPLES / name / f"{prefix}input.bin").read_bytes() == inp, name
        assert (EXAMPLES / name / f"{prefix}expected_output.bin").read_bytes() == expected, name


def test_every_example_has_source_input_expected_output_and_prebuilt_elfs():
    builds = _load("build_all").EXAMPLE_BUILDS
    assert set(builds) == set(_load("make_expected").GENERATORS)
    for name, (src, archs) in builds.items():
        for f in (src, "input.bin", "expected_output.bin", *(f"guest.{a}.elf" for a in archs)):
            assert (EXAMPLES / name / f).is_file(), f"{name}/{f}"


def test_committed_elfs_hold_no_compressed_float_or_csr_instructions():
    from zkaot.check import check

    elfs = sorted(EXAMPLES.glob("*/guest.*.elf"))
    assert elfs
    for elf in elfs:
        arch = elf.name.split(".")[1]
        assert check(str(elf), atomics=arch.endswith("a")) == [], elf


def test_rebuilding_fibonacci_rv64im_reproduces_the_committed_elf(tmp_path):
    pytest.importorskip("ziglang")
    build_all = _load("build_all")
    out = tmp_path / "guest.rv64im.elf"
    build_all.build_example("fibonacci", "rv64im", out)
    assert out.read_bytes() == (EXAMPLES / "fibonacci" / "guest.rv64im.elf").read_bytes()
