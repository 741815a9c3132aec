"""benchmarks/results.py: one script's section of RESULTS.md is replaced, the rest kept byte for byte."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "results.py"
_spec = importlib.util.spec_from_file_location("benchmark_results", _PATH)
results = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(results)


def block(name: str, body: str) -> str:
    return f"<!-- begin {name} -->\n{body}\n<!-- end {name} -->"


BEFORE = block("header", results.HEADER) + "\n\n" + block("a.py", "## A\n\nold a\r\ntrailing  ") + "\n\n" \
    + block("b.py", "## B\n\n| x |\n|---|\n| 1 |") + "\n"


def test_a_section_is_replaced_and_the_others_are_byte_identical(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_bytes(BEFORE.encode())
    results.write_section("b.py", "## B\n\nnew b", path)
    after = path.read_bytes().decode()
    assert after == BEFORE.replace("| x |\n|---|\n| 1 |", "new b")
    assert block("a.py", "## A\n\nold a\r\ntrailing  ") in after  # the other section, byte for byte
    assert not list(tmp_path.glob(".*tmp"))  # the temporary file was moved, not left behind


def test_a_missing_section_is_appended(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_bytes(BEFORE.encode())
    results.write_section("c.py", "## C\n\nfigures", path)
    assert path.read_bytes().decode() == BEFORE + "\n" + block("c.py", "## C\n\nfigures") + "\n"


def test_a_new_file_gets_the_header_first(tmp_path):
    path = tmp_path / "RESULTS.md"
    results.write_section("a.py", "## A", path)
    results.write_section("b.py", "## B", path)
    text = path.read_text()
    assert text.startswith(block("header", results.HEADER))
    assert text.index("<!-- begin a.py -->") < text.index("<!-- begin b.py -->")


def test_a_file_without_the_header_gets_it_prepended():
    text = results.replace_section("intro\n", "header", "# H", prepend=True)
    assert text == block("header", "# H") + "\n\nintro\n"


def test_a_section_without_its_end_is_an_error():
    with pytest.raises(ValueError, match="no <!-- end a.py -->"):
        results.replace_section("<!-- begin a.py -->\nbody\n", "a.py", "new")
    with pytest.raises(ValueError, match="begins 2 times"):
        results.replace_section(block("a.py", "x") + "\n" + block("a.py", "y"), "a.py", "new")


def test_a_marker_inside_a_line_is_not_a_section():
    text = "see `<!-- begin a.py -->` in the docs\n"
    assert results.replace_section(text, "a.py", "x") == text + "\n" + block("a.py", "x") + "\n"


def test_make_bench_runs_every_script_that_writes_a_section():
    makefile = (_PATH.parents[1] / "Makefile").read_text()
    recipe = re.search(r"^bench:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert tuple(re.findall(r"benchmarks/(\S+\.py) .*--write", recipe)) == results.SCRIPTS
    assert all((_PATH.parent / script).exists() for script in results.SCRIPTS)
