"""Every bundled example runs to its expected output on the reference interpreter."""
from pathlib import Path

import pytest

import zkaot

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
GUESTS = sorted(EXAMPLES.glob("*/guest.*.elf"))


def test_examples_are_bundled_with_prebuilt_elfs():
    folders = {p.parent.name for p in GUESTS}
    assert {"fibonacci", "sha256", "keccak", "bignum", "sort"} <= folders
    assert sum(1 for p in GUESTS if ".rv32im." in p.name) >= 2


@pytest.mark.parametrize("elf", GUESTS, ids=lambda p: f"{p.parent.name}-{p.name.split('.')[1]}")
def test_example_produces_its_expected_output(elf: Path):
    result = zkaot.execute(elf, (elf.parent / "input.bin").read_bytes())
    assert result.fault is None, str(result.fault)
    assert result.exit_code == 0
    assert result.output == (elf.parent / "expected_output.bin").read_bytes()
