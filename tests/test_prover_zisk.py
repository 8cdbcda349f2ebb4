"""ZisK's calls in the Main table (prover/riscv/cpu/zisk.py): an honest run's Main trace
satisfies every constraint, and a row that claims another effect than the call's breaks
one (the bus-level parts, memops and precompile calls, are checked by the proofs of
tests/test_prove_profiles.py and the forged run below)."""
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from guest_asm import DATA, program_from_asm
from prover.air import ConstraintError
from prover.riscv.machine import initial_memory, run_key
from prover.riscv.main import main_air, main_columns, main_trace
from prover.riscv.proof_profiles import PROOF_PROFILES
from riscv_helpers import FAST, refuse_run_bus
from runtime.calls import Registry
from runtime.profiles import PROFILES
from runtime.trace import MAIN_ROW, records
from translator.expand import reference_trace
from translator.interpreter import Interpreter
from zkaot.recognise import frames_for, load_guest

ELF = Path(__file__).resolve().parent / "guests" / "zisk" / "zisk_guest.elf"
PROFILE = PROOF_PROFILES["zisk"]


@pytest.fixture(scope="module")
def honest():
    """(Main traces, column index) of the zisk guest echoing a frame, running keccakf and
    sha256f: every ZisK call Main proves."""
    guest = load_guest(ELF, "zisk")
    traces = []
    for frames in ([b"e\x01", b"zisk"], [b"k", bytes(200)], [b"s", b"zisk"]):
        input_bytes, _ = frames_for(PROFILES["zisk"], frames)
        result, rows, precompiles = reference_trace(guest.program, input_bytes, PROFILE.memory_map, profile="zisk")
        assert result.exit_code == 0, result.fault
        image = guest.program.image(profile="zisk")
        traces.append(main_trace(image, rows, precompiles=precompiles,
                                 initial_memory=initial_memory(image, input_bytes)))
    return traces, {name: i for i, name in enumerate(main_columns(64, PROFILE.main))}


def check(mt, main=None):
    main_air(64, PROFILE.main).check(mt.main if main is None else main, None, mt.public)


def forged(mt, col, row_of, column, change):
    """Main's trace with `column` changed by `change` (old value -> new) on the first row
    where `row_of` (a column name) is 1."""
    main = mt.main.copy()
    row = int(np.flatnonzero(main[:, col[row_of]] == 1)[0])
    main[row, col[column]] = change(int(main[row, col[column]]))
    return main


def test_an_honest_zisk_run_satisfies_mains_constraints(honest):
    traces, _ = honest
    for mt in traces:
        check(mt)


def test_marchid_cannot_read_another_value(honest):
    (mt, _, _), col = honest
    with pytest.raises(ConstraintError, match="marchid: c0"):
        check(mt, forged(mt, col, "k_march", "c0", lambda v: v + 1))


def test_a_csr_instruction_without_its_kind_breaks_a_constraint(honest):
    (_, mt, _), col = honest
    with pytest.raises(ConstraintError, match="a CSR instruction is one of zisk's calls"):
        check(mt, forged(mt, col, "k_kec", "k_kec", lambda v: 0))


def test_keccakf_on_a_misaligned_state_breaks_a_constraint(honest):
    (_, mt, _), col = honest
    main = forged(mt, col, "k_kec", "zpa", lambda v: v + 1)
    with pytest.raises(ConstraintError, match="keccakf: the state is 8-aligned"):
        check(mt, main)


def test_a_store_elsewhere_is_not_a_device_write(honest):
    (mt, _, _), col = honest
    main = mt.main.copy()
    stores = np.flatnonzero((main[:, col["f_store"]] == 1) & (main[:, col["f_m1"]] == 1)
                            & (main[:, col["dev"]] == 0))
    main[stores[0], col["dev"]] = 1
    with pytest.raises(ConstraintError, match="dev: the store is at the UART"):
        check(mt, main)


def test_a_free_call_parameter_must_be_followed_by_its_call(honest):
    (mt, _, _), col = honest
    main = mt.main.copy()
    par = int(np.flatnonzero(main[:, col["k_par"]] == 1)[0])
    main[par + 1, col["k_fc"]] = 0
    with pytest.raises(ConstraintError, match="a free-call parameter is followed by the call"):
        check(mt, main)


def test_sha256f_parameters_cannot_claim_to_lie_apart_from_the_state_on_the_wrong_side(honest):
    (_, _, mt), col = honest
    with pytest.raises(ConstraintError, match="sha256f: the parameters lie apart from the state"):
        check(mt, forged(mt, col, "k_sha", "h_side", lambda v: 1 - v))



def test_a_free_call_parameter_past_the_input_is_refused_by_the_bus():
    """A host that lets input ready through for a RAM address (the interpreter faults there)
    gives a trace whose Main rows hold; the parameter's bound is a range16 lookup out of
    range, so the run cannot be proven."""
    calls = PROFILES["zisk"].calls[64]
    lying = Registry([dataclasses.replace(c, handler=lambda *_: ()) if c.name == "fcall" else c for c in calls.calls],
                     vendor="zisk")
    program = program_from_asm(f"lui a0, {DATA >> 12:#x}\nslli a0, a0, 32\nsrli a0, a0, 32\n"
                               "csrrs zero, 0x8f0, a0\ncsrrwi zero, 0x8c0, 23\naddi a7, zero, 93\naddi a0, zero, 0\n"
                               "ecall\n")
    rows = []
    result = Interpreter(program, b"", PROFILE.memory_map, 100, calls=lying, record=rows.append).run()
    assert result.exit_code == 0, result.fault
    image = program.image(profile="zisk")
    mt = main_trace(image, records(rows, MAIN_ROW), initial_memory=initial_memory(image, b""))
    check(mt)
    refuse_run_bus(image, run_key(image, FAST), mt, b"")
