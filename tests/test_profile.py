"""`zkaot profile`: steps by function from the PC histogram, as text and as a picture."""
from pathlib import Path

from translator.elf import load_elf
from zkaot.cli import main
from zkaot.profile import profile

SORT = Path(__file__).resolve().parent.parent / "examples" / "sort"


def test_profile_attributes_every_step_to_a_function(jit_cache):
    prof = profile(load_elf(SORT / "guest.rv64im.elf"), (SORT / "input.bin").read_bytes(), cache_dir=jit_cache)
    assert prof.steps.sum() == prof.total == prof.result.steps
    assert prof.names[0] == "quicksort"
    assert list(prof.steps) == sorted(prof.steps, reverse=True)


def test_profile_command_draws_a_png_chart(tmp_path, jit_cache, monkeypatch, capsys):
    monkeypatch.setenv("ZKAOT_CACHE", str(jit_cache))
    chart = tmp_path / "hot.png"
    assert main(["profile", str(SORT / "guest.rv64im.elf"), "--input", str(SORT / "input.bin"),
                 "-o", str(chart)]) == 0
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "quicksort" in capsys.readouterr().out


def test_profile_max_steps_profiles_the_run_up_to_the_limit(jit_cache, monkeypatch, capsys):
    monkeypatch.setenv("ZKAOT_CACHE", str(jit_cache))
    assert main(["profile", str(SORT / "guest.rv64im.elf"), "--input", str(SORT / "input.bin"),
                 "--max-steps", "1000"]) == 0
    assert "1,000 steps (stopped: " in capsys.readouterr().out.splitlines()[0]
