"""Call-stack profiles (zkaot/callstacks.py): every step counted once on the stack it ran under, calls,
returns, tail calls and longjmp-like unwinding followed without drifting, recursion counted once."""
from pathlib import Path

import pytest

from elf_factory import PF_R, PF_X, Seg, Sym, build_elf
from runtime.encoding import BY_ID
from runtime.memory_map import RAM_BASE
from translator.assembler import assemble, label_addresses
from translator.elf import load_elf
from translator.expand import reference_trace
from translator.regions import code_map
from zkaot.callstacks import call_profile

DISPATCH = Path(__file__).resolve().parent.parent / "examples" / "dispatch"
EXIT = "addi a0, zero, 0\naddi a7, zero, 93\necall\n"


def program_with_functions(source: str, functions: list[str]):
    """An ELF of `source` whose listed labels are function symbols (each up to the next)."""
    code = assemble(source, RAM_BASE)
    at = label_addresses(source, RAM_BASE)
    starts = sorted(at[name] for name in functions)
    ends = starts[1:] + [RAM_BASE + len(code)]
    symbols = [Sym(name, at[name], ends[starts.index(at[name])] - at[name]) for name in functions]
    return load_elf(build_elf([Seg(RAM_BASE, PF_R | PF_X, code)], entry=RAM_BASE, symbols=symbols))


def stacks(source: str, functions: list[str], jit_cache) -> dict[str, int]:
    return dict(call_profile(program_with_functions(source, functions), cache_dir=jit_cache).folded())


def oracle_stacks(program, input_bytes: bytes) -> dict[str, int]:
    """The same rules, walked step by step over the interpreter's own trace: the independent count."""
    _, rows, _ = reference_trace(program, input_bytes)
    cm = code_map(program, "fast")
    starts = {start: name for start, _, name in program.functions}
    ordered = sorted(starts)

    def function(pc: int) -> str:
        below = [s for s in ordered if s <= pc]
        return starts[below[-1]] if below else "<no symbol>"

    stack: list[tuple[str, int]] = []          # (function, return address)
    counts: dict[str, int] = {}
    for row in rows:
        pc, nxt = int(row["pc"]), int(row["next_pc"])
        here = function(pc)
        if not stack:
            stack.append((here, -1))
        names = [f for f, _ in stack]
        key = ";".join(names if names[-1] == here else names + [here])
        counts[key] = counts.get(key, 0) + 1
        d = cm.decoded[cm.index(pc)]
        cls, rd, rs1 = BY_ID[int(d["op"])].cls, int(d["rd"]), int(d["rs1"])
        if cls in ("jal", "jalr") and rd in (1, 5):
            stack.append((function(nxt), pc + 4))
        elif cls == "jalr" and rd == 0 and rs1 in (1, 5):
            for k in range(len(stack) - 1, 0, -1):
                if stack[k][1] == nxt:
                    del stack[k:]
                    break
        elif cls in ("jal", "jalr") and nxt in starts and function(nxt) != here:
            stack[-1] = (function(nxt), stack[-1][1])
    return counts


def test_every_step_is_counted_once_on_one_stack(jit_cache):
    prof = call_profile(load_elf(DISPATCH / "guest.rv64im.elf"), (DISPATCH / "input.bin").read_bytes(),
                        cache_dir=jit_cache)
    assert prof.steps.sum() == prof.total == prof.result.steps
    assert prof.inclusive()[prof.names.index("_start")] == prof.total


@pytest.mark.parametrize("arch", ["rv64im", "rv32im"])
def test_stacks_match_a_step_by_step_walk_over_the_interpreters_trace(arch, jit_cache):
    program = load_elf(DISPATCH / f"guest.{arch}.elf")
    input_bytes = (DISPATCH / "input.bin").read_bytes()
    prof = call_profile(program, input_bytes, cache_dir=jit_cache)
    assert dict(prof.folded()) == oracle_stacks(program, input_bytes)


def test_recursion_counts_once_in_a_functions_inclusive_steps(jit_cache):
    prof = call_profile(load_elf(DISPATCH / "guest.rv64im.elf"), (DISPATCH / "input.bin").read_bytes(),
                        cache_dir=jit_cache)
    fib = prof.names.index("fib")
    assert prof.inclusive()[fib] == prof.self_steps()[fib]          # fib calls only itself
    assert any(stack.count("fib") > 5 for stack, _ in prof.folded())


CALL_AND_RETURN = f"""
main:
    jal ra, a
    jal ra, c
    {EXIT}
a:
    addi t1, zero, 1
    jalr zero, 0(ra)
c:
    addi t1, zero, 2
    addi t1, zero, 3
    jalr zero, 0(ra)
"""


def test_calls_and_returns_make_stacks(jit_cache):
    assert stacks(CALL_AND_RETURN, ["main", "a", "c"], jit_cache) == {"main": 5, "main;a": 2, "main;c": 3}


# b unwinds to main's resume point saved in s2 (as longjmp does), skipping a's frame.
LONGJMP = f"""
main:
    auipc s2, 0
    addi s2, s2, 12
    jal ra, a
    addi zero, zero, 0
    jal ra, c
    {EXIT}
a:
    jal ra, b
    jalr zero, 0(ra)
b:
    addi ra, s2, 0
    jalr zero, 0(ra)
c:
    jalr zero, 0(ra)
"""


def test_a_longjmp_pops_every_frame_it_unwinds(jit_cache):
    assert stacks(LONGJMP, ["main", "a", "b", "c"], jit_cache) == {
        "main": 8, "main;a": 1, "main;a;b": 2, "main;c": 1}


# a ends with a jump to b (a tail call); b returns straight to main.
TAIL_CALL = f"""
main:
    jal ra, a
    {EXIT}
a:
    addi t1, zero, 1
    jal zero, b
b:
    jalr zero, 0(ra)
"""


def test_a_tail_call_replaces_the_callers_frame(jit_cache):
    assert stacks(TAIL_CALL, ["main", "a", "b"], jit_cache) == {"main": 4, "main;a": 2, "main;b": 1}


# A return to an address no call pushed (a stray one: the guest wrote ra itself) leaves the stack as
# it is, so the call after it is still made from a.
STRAY_RETURN = f"""
main:
    jal ra, a
    {EXIT}
a:
    addi s1, ra, 0
    auipc ra, 0
    addi ra, ra, 12
    jalr zero, 0(ra)
    jal ra, c
    addi ra, s1, 0
    jalr zero, 0(ra)
c:
    jalr zero, 0(ra)
"""


def test_a_return_that_matches_no_call_pops_nothing(jit_cache):
    assert stacks(STRAY_RETURN, ["main", "a", "c"], jit_cache) == {"main": 4, "main;a": 7, "main;a;c": 1}
