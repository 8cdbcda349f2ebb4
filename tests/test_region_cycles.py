"""Region cycles (runtime.host.RegionCycles): regions marked by the cycle_scope calls and by
SP1's console lines count exactly the instructions retired between their marks, in both
engines, and `zkaot run` reports them."""
import json

import pytest

import zkaot
from guest_asm import DATA, EXIT, SMALL_RAM, program_from_asm, reg, run_ok
from runtime import calls
from runtime.host import GuestExit
from translator.interpreter import Interpreter

NAMES = b"outer" + b"inner" + b"cycle-tracker-start: loop\n" + b"cycle-tracker-end: loop\n"
OUTER, INNER, LOOP_START, LOOP_END = 0, 5, 10, 36          # offsets of NAMES' parts at DATA


def a7(number: int) -> str:
    """Put a call number in a7 (lui + addi: the numbers exceed addi's 12-bit immediate)."""
    upper = (number + 0x800) >> 12
    return f"lui a7, {upper}\naddi a7, a7, {number - (upper << 12)}\n"


def scope(call, offset: int, length: int) -> str:
    return f"addi a0, s0, {offset}\naddi a1, zero, {length}\n{a7(call.selector.number)}ecall\n"


def console(offset: int, length: int) -> str:
    return f"addi a0, zero, 1\naddi a1, s0, {offset}\naddi a2, zero, {length}\n{a7(64)}ecall\n"


LOOP = "addi t0, zero, 5\nloop{n}:\naddi t0, t0, -1\nbne t0, zero, loop{n}\n"

# "outer" (calls) runs twice and holds "inner" (calls) and "loop" (console lines)
BODY = (scope(calls.CYCLE_SCOPE_START, OUTER, 5) + LOOP.format(n=0) + scope(calls.CYCLE_SCOPE_START, INNER, 5)
        + "addi t1, t1, 1\n" + scope(calls.CYCLE_SCOPE_END, INNER, 5) + console(LOOP_START, 26) + LOOP.format(n=1)
        + console(LOOP_END, 24) + scope(calls.CYCLE_SCOPE_END, OUTER, 5))
GUEST = BODY + BODY.replace("loop0", "loop2").replace("loop1", "loop3") + "addi a0, zero, 0\n" + EXIT
MARKS = {(calls.CYCLE_SCOPE_START.selector.number, DATA + OUTER): ("outer", +1),
         (calls.CYCLE_SCOPE_END.selector.number, DATA + OUTER): ("outer", -1),
         (calls.CYCLE_SCOPE_START.selector.number, DATA + INNER): ("inner", +1),
         (calls.CYCLE_SCOPE_END.selector.number, DATA + INNER): ("inner", -1),
         (64, DATA + LOOP_START): ("loop", +1), (64, DATA + LOOP_END): ("loop", -1)}


def counted_step_by_step(program) -> dict[str, int]:
    """The regions counted independently: run one step at a time, note the steps of the
    marking ecalls (from a7 and the name pointer) and count the steps between them."""
    machine = Interpreter(program, memory_map=SMALL_RAM)
    machine.regs[8] = DATA                              # s0
    opened, totals = {}, {}
    try:
        while True:
            step, r = machine.steps, machine.regs
            is_ecall = machine._fetch(machine.pc) == 0x73
            mark = MARKS.get((r[17], r[10] if r[17] != 64 else r[11])) if is_ecall else None
            if mark:
                name, sign = mark
                if sign > 0:
                    opened[name] = step
                else:
                    totals[name] = totals.get(name, 0) + step - opened.pop(name) - 1
            machine.execute(1)
    except GuestExit:
        return totals


@pytest.fixture(scope="module")
def program():
    return program_from_asm(GUEST, data=NAMES)


def test_regions_marked_both_ways_count_the_instructions_between_their_marks(program):
    result, _ = run_ok("", program=program, regs={"s0": DATA}, memory_map=SMALL_RAM)
    assert result.region_cycles == counted_step_by_step(program)
    assert set(result.region_cycles) == {"outer", "inner", "loop"}


def test_repeated_regions_are_summed_and_nested_ones_count_in_both(program):
    result, _ = run_ok("", program=program, regs={"s0": DATA}, memory_map=SMALL_RAM)
    inner, loop = result.region_cycles["inner"], result.region_cycles["loop"]
    assert inner == 2 * (1 + 4)                 # addi t1, then the end call's 4 set-up instructions
    assert loop == 2 * (1 + 2 * 5 + 5)          # the loop, then the end line's write set-up
    assert result.region_cycles["outer"] > inner + loop


def test_the_marking_ecalls_are_outside_the_region_and_an_end_without_a_start_is_ignored():
    start, end = (a7(call.selector.number) + "ecall\n" for call in (calls.CYCLE_SCOPE_START, calls.CYCLE_SCOPE_END))
    source = f"addi a0, s0, 0\naddi a1, zero, 1\n{end}{start}{end}{end}addi a0, zero, 0\n{EXIT}"
    result, _ = run_ok(source, regs={"s0": DATA}, data=b"e")
    assert result.region_cycles == {"e": 2}     # only the end's lui and addi lie between the ecalls


def test_cycle_count_returns_the_instructions_retired_before_it():
    result, _ = run_ok(f"addi t0, zero, 1\n{a7(calls.CYCLE_COUNT.selector.number)}ecall\n{EXIT}")
    assert reg(result, "a0") == 3


def test_a_marker_line_split_across_writes_marks_and_is_not_shown():
    text = b"hi\ncycle-tracker-report-start: r\nbye\ncycle-tracker-report-end: r\nx"
    cuts = [0, 5, 9, 20, 35, 40, 60, len(text)]
    writes = "".join(console(a, b - a) for a, b in zip(cuts, cuts[1:]))
    seen = []
    result, _ = run_ok(f"{writes}addi a0, zero, 0\n{EXIT}", regs={"s0": DATA}, data=text,
                       on_console=lambda fd, data: seen.append(data))
    assert result.console == b"".join(seen) == b"hi\nbye\nx"
    assert result.region_cycles == {"r": 3 * 6 - 1}     # the line ends in write 3 and 6: writes 4, 5 and 6's set-up


def test_a_line_that_only_begins_like_a_marker_is_shown_whole():
    text = b"cycle-tracker-nope: a\ncycle-trac"
    result, _ = run_ok(f"{console(0, len(text))}addi a0, zero, 0\n{EXIT}", regs={"s0": DATA}, data=text)
    assert result.console == text and result.region_cycles == {}


def test_the_jit_counts_the_same_regions_as_the_interpreter(program, tmp_path):
    results = {}
    for engine in zkaot.ENGINES:
        native = program_from_asm("addi s0, zero, 1\nslli s0, s0, 31\nlui t0, 16\nadd s0, s0, t0\n" + GUEST,
                                  data=NAMES)
        results[engine] = zkaot.execute(native, engine=engine, memory_map=SMALL_RAM, cache_dir=tmp_path)
    jit, interp = results["jit"], results["interp"]
    assert jit.region_cycles == interp.region_cycles and len(jit.region_cycles) == 3
    assert (jit.steps, jit.console) == (interp.steps, interp.console)


def marking_elf(tmp_path):
    """A guest for the command line: marks region "t" with SP1's console lines around the five
    instructions between its two writes (the marker text follows the code)."""
    from test_cli import guest_elf
    text = b"cycle-tracker-start: t\ncycle-tracker-end: t\n"
    padded = text.ljust(-(-len(text) // 4) * 4, b"\0")
    words = "".join(f".word 0x{int.from_bytes(padded[i:i + 4], 'little'):08x}\n" for i in range(0, len(padded), 4))
    source = ("auipc a1, 0\naddi a1, a1, 60\naddi a0, zero, 1\naddi a2, zero, 23\naddi a7, zero, 64\necall\n"
              "addi t0, zero, 3\naddi t0, zero, 4\naddi a0, zero, 1\naddi a1, a1, 23\naddi a2, zero, 21\necall\n"
              "addi a0, zero, 0\naddi a7, zero, 93\necall\n" + words)
    return guest_elf(tmp_path, source)


def test_zkaot_run_prints_the_regions_as_a_table(tmp_path, capsys):
    from zkaot.cli import main
    assert main(["run", str(marking_elf(tmp_path)), "--engine", "interp"]) == 0
    out = capsys.readouterr().out
    assert "cycle-tracker" not in out
    assert out.splitlines()[-1].split() == ["t", "5"]


def test_zkaot_run_json_fills_region_cycles(tmp_path, capsys):
    from zkaot.cli import main
    assert main(["run", str(marking_elf(tmp_path)), "--engine", "interp", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["region_cycles"] == {"t": 5} and report["stdout"] == ""
