"""Profiles of -O2 guests built with `zkaot build --debug` show the inlined functions (zkaot/inlines.py),
and say when an ELF has no DWARF to show them with."""
from pathlib import Path

import numpy as np

from translator.elf import load_elf
from translator.expand import reference_trace
from translator.regions import code_map
from zkaot.callstacks import call_profile
from zkaot.cli import main
from zkaot.inlines import inline_map

INLINED = Path(__file__).resolve().parent / "guests" / "inlined" / "guest.elf"      # see its main.c
FIB = Path(__file__).resolve().parent.parent / "examples" / "fibonacci" / "guest.rv64im.elf"


def inlines_of(path: Path):
    data = path.read_bytes()
    cm = code_map(load_elf(data), "fast")
    return inline_map(data, cm.base, len(cm.kind))


def test_dwarf_names_the_inlined_calls_outermost_first():
    chains = inlines_of(INLINED).chains
    assert ("square_sum", "mix") in chains and ("mix",) in chains


def test_inlined_calls_are_frames_of_their_own(jit_cache):
    prof = call_profile(load_elf(INLINED), cache_dir=jit_cache, inlines=inlines_of(INLINED))
    stacks = dict(prof.folded())
    assert "_start;main;square_sum;mix" in stacks and "_start;main;mix" in stacks
    assert prof.steps.sum() == prof.total


def test_inlined_code_gets_the_steps_the_interpreter_ran_there(jit_cache):
    program, inlines = load_elf(INLINED), inlines_of(INLINED)
    _, rows, _ = reference_trace(program)
    chain_of_step = inlines.context[(rows["pc"].astype(np.int64) - inlines.base) >> 2]
    mix_steps = int(np.isin(chain_of_step, [inlines.chains.index(c) for c in inlines.chains if c[-1:] == ("mix",)])
                    .sum())
    prof = call_profile(program, cache_dir=jit_cache, inlines=inlines)
    assert prof.self_steps()[prof.names.index("mix")] == mix_steps > 0


def test_an_elf_without_dwarf_has_no_inline_map():
    assert inlines_of(FIB) is None


def test_the_profile_says_when_the_elf_has_no_dwarf(jit_cache, monkeypatch, capsys):
    monkeypatch.setenv("ZKAOT_CACHE", str(jit_cache))
    assert main(["profile", str(FIB), "--input-hex", "0a000000"]) == 0
    assert "no DWARF in the ELF" in capsys.readouterr().out
    assert main(["profile", str(INLINED)]) == 0
    out = capsys.readouterr().out
    assert "no DWARF" not in out and " mix" in out
