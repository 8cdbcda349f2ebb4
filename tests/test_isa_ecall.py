"""The ecall ABI (runtime/calls.py): exit with a signed 32-bit code, write to the console
(fd 1, 2) or the public output (fd 3) returning the length in a0, and clear faults for
a bad fd, an unknown call number or a buffer the guest may not read."""
import pytest

from guest_asm import CODE, DATA, EXIT, SMALL_RAM, assert_fault, reg, run, run_ok
from runtime.memory_map import INPUT_BASE

M = 0xFFFF_FFFF_FFFF_FFFF
WRITE = "addi a7, zero, 64\necall\n"


# ---- exit ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("a0, code", [
    (0, 0), (1, 1), (255, 255), (256, 256), (0x7FFF_FFFF, 0x7FFF_FFFF),
    (M, -1), (0xFFFF_FFFF, -1), (0x8000_0000, -(1 << 31)), (0x1_0000_0005, 5),
    (0xFFFF_FFFF_0000_0000, 0),
], ids=["zero", "one", "255", "256", "int32-max", "minus-one", "low-word-minus-one",
        "int32-min", "upper-half-ignored", "only-upper-half-set"])
def test_exit_code_is_a0_as_a_signed_32_bit_int(a0, code):
    result, _ = run_ok(EXIT, regs={"a0": a0})
    assert result.exit_code == code
    assert result.succeeded == (code == 0)


def test_exit_stops_the_run_at_the_ecall_and_counts_it():
    result, _ = run_ok(f"addi a0, zero, 3\n{EXIT}ebreak\n")
    assert result.exit_code == 3 and result.steps == 3 and result.pc == CODE + 8


def test_exit_with_nonzero_code_is_not_a_fault():
    result, _ = run_ok(EXIT, regs={"a0": 1})
    assert result.fault is None and not result.succeeded


# ---- write ----------------------------------------------------------------------------------------

def write_program(fd: int, text: bytes, extra: str = "") -> tuple[str, dict, bytes]:
    source = f"{WRITE}add s1, a0, zero\n{extra}addi a0, zero, 0\n{EXIT}"
    return source, {"a0": fd, "a1": DATA, "a2": len(text)}, text


def test_write_to_fd_3_appends_to_the_public_output_and_returns_the_length():
    source, regs, data = write_program(3, b"public bytes")
    result, _ = run_ok(source, regs=regs, data=data)
    assert result.output == b"public bytes" and result.console == b""
    assert reg(result, "s1") == len(b"public bytes")


@pytest.mark.parametrize("fd", [1, 2])
def test_write_to_fd_1_or_2_goes_to_the_console_not_the_output(fd):
    seen = []
    source, regs, data = write_program(fd, b"hello\n")
    result, _ = run_ok(source, regs=regs, data=data, on_console=lambda f, b: seen.append((f, b)))
    assert result.console == b"hello\n" and result.output == b""
    assert reg(result, "s1") == 6
    assert seen == [(fd, b"hello\n")]


def test_writes_append_in_order_and_keep_the_streams_apart():
    source = ("addi a0, zero, 3\naddi a2, zero, 2\n" + WRITE +
              "addi a0, zero, 1\naddi a1, a1, 2\n" + WRITE +
              "addi a0, zero, 3\naddi a1, a1, 2\n" + WRITE +
              "addi a0, zero, 2\naddi a1, a1, 2\n" + WRITE + "addi a0, zero, 0\n" + EXIT)
    result, _ = run_ok(source, regs={"a1": DATA}, data=b"aabbccdd")
    assert result.output == b"aacc" and result.console == b"bbdd"


def test_zero_length_write_returns_zero_and_writes_nothing():
    source, regs, data = write_program(3, b"")
    result, _ = run_ok(source, regs={**regs, "a1": 0}, data=data)   # the pointer is not read
    assert result.output == b"" and reg(result, "s1") == 0


def test_write_changes_only_a0():
    source = f"{WRITE}addi a7, zero, 93\necall\n"
    result, _ = run(source, regs={"a0": 3, "a1": DATA, "a2": 4, "a3": 33, "t0": 44}, data=b"abcd")
    assert result.exit_code == 4                              # a0 = the length, then exit(a0)
    assert (reg(result, "a1"), reg(result, "a2"), reg(result, "a3"), reg(result, "t0")) == (DATA, 4, 33, 44)
    assert reg(result, "a7") == 93


def test_write_may_read_from_the_input_region():
    result, _ = run_ok(f"{WRITE}addi a0, zero, 0\n{EXIT}", regs={"a0": 3, "a1": INPUT_BASE + 8, "a2": 5},
                       input_bytes=b"abcdefg")
    assert result.output == b"abcde"


def test_write_may_read_from_code():
    result, _ = run_ok(f"{WRITE}addi a0, zero, 0\n{EXIT}", regs={"a0": 3, "a1": CODE, "a2": 4})
    assert result.output == (0x04000893).to_bytes(4, "little")     # addi a7, zero, 64


@pytest.mark.parametrize("fd", [0, 4, 5, M])
def test_write_to_a_bad_fd_faults(fd):
    result, _ = run(f"{WRITE}{EXIT}", regs={"a0": fd, "a1": DATA, "a2": 1}, data=b"x")
    assert_fault(result, CODE + 4, "(ecall)", f"write to fd {fd}")
    assert result.output == b"" and result.console == b""


@pytest.mark.parametrize("address, reason", [(0, "null guard page"), (0x1000_0000, "unmapped memory"),
                                             (SMALL_RAM.ram_end - 2, "")])  # the last: straddles the end of RAM
def test_write_from_memory_the_guest_cannot_read_faults(address, reason):
    result, _ = run(f"{WRITE}{EXIT}", regs={"a0": 3, "a1": address, "a2": 4})
    assert_fault(result, CODE + 4, "host read of 4 bytes", f"0x{address:08x}", reason)
    assert result.output == b""


def test_output_written_before_a_fault_is_kept():
    result, _ = run(f"{WRITE}ebreak\n", regs={"a0": 3, "a1": DATA, "a2": 2}, data=b"ok")
    assert result.fault is not None and result.output == b"ok"


# ---- unknown calls ------------------------------------------------------------------------------

@pytest.mark.parametrize("number", [0, 63, 94, 172, 0x7FF, 0x900, M])
def test_unknown_ecall_number_faults(number):
    result, _ = run("ecall\n", regs={"a7": number})
    assert_fault(result, CODE, "(ecall)", f"unknown ecall a7={number}")
    assert result.steps == 0


def test_ecall_fault_leaves_registers_as_they_were():
    result, _ = run("addi a0, zero, 7\necall\n", regs={"a7": 1234})
    assert_fault(result, CODE + 4, "unknown ecall")
    assert reg(result, "a0") == 7 and result.steps == 1
