"""`zkaot profile`: steps by function and by call stack, as text, a PNG chart, an SVG flame graph,
folded stacks and speedscope JSON."""
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from translator.elf import load_elf
from zkaot.callstacks import call_profile
from zkaot.cli import EXIT_BAD_INPUT, main
from zkaot.profile import hottest

SORT = Path(__file__).resolve().parent.parent / "examples" / "sort"
DISPATCH = Path(__file__).resolve().parent.parent / "examples" / "dispatch"


def profile_dispatch(tmp_path, jit_cache, monkeypatch, *outputs: str) -> list[Path]:
    monkeypatch.setenv("ZKAOT_CACHE", str(jit_cache))
    paths = [tmp_path / name for name in outputs]
    args = ["profile", str(DISPATCH / "guest.rv64im.elf"), "--input", str(DISPATCH / "input.bin")]
    assert main(args + [a for p in paths for a in ("-o", str(p))]) == 0
    return paths


def test_the_hottest_function_by_self_steps_comes_first(jit_cache):
    prof = call_profile(load_elf(SORT / "guest.rv64im.elf"), (SORT / "input.bin").read_bytes(), cache_dir=jit_cache)
    order = hottest(prof)
    assert prof.names[order[0]] == "quicksort"
    assert list(prof.self_steps()[order]) == sorted(prof.self_steps()[order], reverse=True)


def test_the_table_shows_self_and_inclusive_shares(tmp_path, jit_cache, monkeypatch, capsys):
    profile_dispatch(tmp_path, jit_cache, monkeypatch)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["self", "self", "steps", "total", "function"]
    main_line = next(line for line in lines if line.endswith(" main"))
    assert main_line.split()[2] == "99.99%"            # main is under almost every step, but runs few itself


def test_the_png_chart_is_a_png(tmp_path, jit_cache, monkeypatch):
    chart, = profile_dispatch(tmp_path, jit_cache, monkeypatch, "hot.png")
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_svg_flame_graph_draws_a_frame_per_stack_with_its_share(tmp_path, jit_cache, monkeypatch):
    svg, = profile_dispatch(tmp_path, jit_cache, monkeypatch, "flame.svg")
    root = ET.parse(svg).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    titles = [g.find(f"{ns}title").text for g in root.iter(f"{ns}g")]
    assert any(t.startswith("_start: 61,176 steps (100.00%)") for t in titles)
    assert any(t.startswith("fib: ") for t in titles) and any(t.startswith("op_add: ") for t in titles)


def test_folded_stacks_add_up_to_the_run(tmp_path, jit_cache, monkeypatch):
    folded, = profile_dispatch(tmp_path, jit_cache, monkeypatch, "prof.folded")
    lines = [line.rsplit(" ", 1) for line in folded.read_text().splitlines()]
    assert sum(int(n) for _, n in lines) == 61_176
    assert ["_start;main;run;op_add", "792"] in lines


def test_speedscope_json_is_a_sampled_profile_weighted_by_steps(tmp_path, jit_cache, monkeypatch):
    speedscope, = profile_dispatch(tmp_path, jit_cache, monkeypatch, "prof.json")
    doc = json.loads(speedscope.read_text())
    assert doc["$schema"] == "https://www.speedscope.app/file-format-schema.json"
    prof, = doc["profiles"]
    assert prof["type"] == "sampled" and sum(prof["weights"]) == prof["endValue"] == 61_176
    names = [f["name"] for f in doc["shared"]["frames"]]
    assert [names[i] for i in prof["samples"][prof["weights"].index(792)]] == ["_start", "main", "run", "op_add"]


def test_an_output_of_no_known_format_is_refused_before_the_run(tmp_path, capsys):
    assert main(["profile", str(SORT / "guest.rv64im.elf"), "-o", str(tmp_path / "prof.txt")]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ".png, .svg, .folded or .json" in err


def test_profile_max_steps_profiles_the_run_up_to_the_limit(jit_cache, monkeypatch, capsys):
    monkeypatch.setenv("ZKAOT_CACHE", str(jit_cache))
    assert main(["profile", str(SORT / "guest.rv64im.elf"), "--input", str(SORT / "input.bin"),
                 "--max-steps", "1000"]) == 0
    assert "1,000 steps (stopped: " in capsys.readouterr().out.splitlines()[0]
