"""The docs match the code: local links resolve, the README names every option, summary.json's keys are documented."""
import re
from pathlib import Path

import pytest

from test_cli import guest_elf
from translator.elf import load_elf
from zkaot.cli import parser
from zkaot.tracing import trace

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def anchor(heading: str) -> str:
    """GitHub's id for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {anchor(line.lstrip("#")) for line in page.read_text().splitlines() if line.startswith("#")}


def local_links(page: Path) -> list[str]:
    return [t for t in LINK.findall(page.read_text()) if not re.match(r"[a-z]+:", t)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_local_link_resolves(page):
    for target in local_links(page):
        path, _, fragment = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        assert file.exists(), f"{page.name}: {target}: no such file"
        if fragment and file.suffix == ".md":
            assert fragment in anchors(file), f"{page.name}: {target}: no such heading"


def test_the_readme_command_line_section_names_every_option():
    readme = ROOT / "README.md"
    section = readme.read_text().split("## Command line", 1)[1].split("\n## ", 1)[0]
    subparsers = next(a for a in parser()._actions if a.choices and isinstance(a.choices, dict))
    for name, sub in subparsers.choices.items():
        assert f"zkaot {name}" in section, name
        for action in sub._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert option in section, f"zkaot {name} {option}"


def test_summary_json_keys_are_the_documented_keys(tmp_path, jit_cache):
    """A full trace writes every key (expand_seconds and expand_workers only in full mode)."""
    doc = (ROOT / "docs" / "trace-format.md").read_text().split("`summary.json` keys:", 1)[1]
    documented = set(re.findall(r"^\| `(\w+)` \|", doc, re.M))
    program = load_elf(guest_elf(tmp_path, "addi a7, zero, 93\necall\n"))
    written = set(trace(program, b"", tmp_path / "full", "full", workers=1, cache_dir=jit_cache))
    assert written == documented


def test_the_readme_python_example_runs_as_written(monkeypatch, jit_cache):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("ZKAOT_CACHE", str(jit_cache))
    example, = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    exec(compile(example, "README.md", "exec"), {})
