"""What ``crosscheck run`` prints fits 100 columns, passing or failing: the headline, the
diagnosis, the table of checks (engines as rows, short cells) and the failing scenarios;
wrapped, never cut (crosscheck/reporting/terminal.py)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from crosscheck.reporting.terminal import INDENT, WIDTH, text_table, wrap
from tests.support import CLIENTS, unwrapped

SLIP = "    dW = 1./m * np.dot(dZ,A_prev.T)"


def _slipped(folder):
    """The course's module with 1/m dropped from dW, beside the helpers it imports."""
    folder.mkdir()
    for helper in ("dnn_utils.py", "course_dnn.py"):
        shutil.copy(CLIENTS / helper, folder / helper)
    text = (CLIENTS / "course_dnn.py").read_text()
    assert text.count(SLIP) == 1
    (folder / "slipped_dnn.py").write_text(text.replace(SLIP, "    dW = np.dot(dZ,A_prev.T)"))
    return f"{folder / 'slipped_dnn.py'}:L_model_backward"


def _crosscheck(*args):
    done = subprocess.run([sys.executable, "-m", "crosscheck", "run", "--no-progress", *args], capture_output=True,
                          text=True, timeout=600, env={**os.environ, "CROSSCHECK_FIGURES": "off"})
    return done.returncode, done.stdout


@pytest.mark.parametrize("case, args, code", [
    # engines chosen, not every installed one: this checks the output's width, whatever an engine does
    ("passing, with conventions", ["--suite", "smoke", "--engines", "numpy,torch,tensorflow,fd"], 0),
    ("a formula mutant, a long engine name", ["--suite", "smoke", "--mutant", "dW-transposed"], 1),
    ("a learner's slip", ["--suite", "smoke", "--backward", "SLIPPED"], 1),
])
def test_every_line_it_prints_fits_100_columns(case, args, code, tmp_path):
    args = [_slipped(tmp_path / "learner") if a == "SLIPPED" else a for a in args]
    got, out = _crosscheck(*args, "--out", str(tmp_path / "out"))
    assert got == code, out
    wide = [line for line in out.splitlines() if len(line) > WIDTH]
    assert not wide, "\n".join(wide)
    lines = out.splitlines()
    assert lines[0].endswith("-> PASS" if code == 0 else "-> FAIL")
    header = next(line for line in lines if line.startswith("engine "))
    assert header.split()[:9] == ["engine", "reference", "A-Y", "chain", "x(a-y)", "db", "recursion", "per", "example"]
    assert unwrapped(out).splitlines()[-1].startswith("reports: summary.md (start here), ")
    if code:
        fails = [line for line in lines if line.startswith("FAIL ")]
        assert 0 < len(fails) <= 10 and "failing scenarios" in out.lower()
    if "--backward" in args:
        text = unwrapped(out)
        # what was not checked and why stays on the terminal, wrapped
        assert "not computed by L_model_forward (probed: hidden relu; output sigmoid)" in text
        assert "did not return dA[L] or any dZ" in text and "no dZ" in text
        assert "the 1/m left out" in text  # the diagnosis


def test_the_table_says_holds_and_fails_in_short_cells(tmp_path):
    code, out = _crosscheck("--suite", "smoke", "--mutant", "dW-transposed", "--out", str(tmp_path))
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("mutant:dW-transposed "))
    row = lines[at]
    assert "FAILS 52" in row and "holds 20" in row and row.split()[-1].endswith("x")  # beyond its tolerance
    # three failing columns do not fit "FAILS 52 of 332" in 100 columns: no cell wraps, "of N" goes
    assert lines[at + 1].startswith("Failing scenarios") and "FAILS 52 of" not in row


@pytest.mark.parametrize("line", [
    "L_model_backward: 62 scenarios checked, 518 not applicable: 342 not computed by L_model_forward (probed: "
    "hidden relu; output sigmoid); 112 loss mse (no loss parameter); 64 loss cce (no loss parameter), 0 failed "
    "-> PASS",
    "- engine: its values are the slip dW-missing-1/m on all 4 failing scenarios it gave values for (its first "
    "wrong quantity: dW[L]): dW[l] = dZ[l] A[l-1]T without 1/m; rerun: crosscheck run --backward "
    "/a/rather/long/path/to/a/learners/folder/with/a/module/in/it/slipped_dnn.py:L_model_backward --scenario x",
    "x" * 250,
    "short",
])
@pytest.mark.parametrize("width", [40, 100])
def test_wrap_keeps_every_word_and_each_line_within_the_width(line, width):
    lines = wrap(line, width)
    assert all(len(piece) <= width for piece in lines)
    assert all(piece.startswith(INDENT) for piece in lines[1:])
    joined = unwrapped("\n".join(lines))
    assert joined.replace(" ", "") == line.replace(" ", "")  # nothing lost
    if all(len(word) <= width - len(INDENT) for word in line.split()):  # and no word broken: the same line
        assert joined == line
    if "-> PASS" in line:
        assert any("-> PASS" in piece for piece in lines)  # the verdict is never split (it is coloured)
    if "(probed: hidden relu; output sigmoid)" in line and width == WIDTH:
        assert any("(probed: hidden relu; output sigmoid)" in piece for piece in lines)  # not at its own ";"


def test_a_table_too_wide_wraps_its_cells_within_the_width():
    rows = [["an-engine-with-a-very-long-name", "FAILS 52 of 332", "no dA[L] returned by it", "holds 1248*"]] * 2
    lines = text_table(["engine", "reference", "chain", "recursion"], rows, 40)
    assert all(len(line) <= 40 for line in lines) and len(lines) > 3
    assert "FAILS" in " ".join(lines) and "1248*" in " ".join(lines)
    narrow = text_table(["engine", "A-Y"], [["numpy", "holds 516*"]])
    assert narrow == ["engine  A-Y", "numpy   holds 516*"]
