"""``check()``'s result in a notebook: the verdict, the diagnosis first, then one short row
per failing scenario (its first wrong quantity and why), then where the rest is; the plain
repr says the same.  A learner's first slip (the course's module with 1/m dropped from dW)
and the module as written."""
from __future__ import annotations

import re

import pytest

from crosscheck import check
from crosscheck.api import SHOWN
from tests.cli.test_terminal_width import _slipped
from tests.support import CLIENTS


@pytest.fixture(scope="module")
def slipped(tmp_path_factory):
    return check(_slipped(tmp_path_factory.mktemp("views") / "learner"), suite="smoke")


def _cells(table_html: str) -> list[list[str]]:
    return [re.findall(r"<td>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", table_html, re.S)]


def test_a_wrong_function_shows_the_diagnosis_first_then_a_short_row_per_failing_scenario(slipped):
    page = slipped._repr_html_()
    assert not slipped.passed and page.startswith('<p><b style="color:#b00020">FAIL</b> L_model_backward: ')
    diagnosis, table = page.index("<ul><li><b>L_model_backward</b>: its values are the slip"), page.index("<table")
    assert diagnosis < table and "the 1/m left out" in page[diagnosis:table] and "<code>dW-missing-1/m</code>" in page
    failing = slipped._failing
    rows = [r for r in _cells(page[table:page.index("</table>")]) if r]
    assert len(rows) == min(len(failing), SHOWN) == 4  # one per failing scenario
    for scenario, first_wrong, why in rows:
        assert scenario in set(failing["scenario"]) and re.fullmatch(r"dW\[\d\]( \(.*\))?", first_wrong)
        assert why.startswith(("4 of 4 elements off", "5 of 5 elements off")) and len(why) < 100
    assert "rtol=" not in page[table:page.index("</table>")]  # the full messages are not in the rows
    rest = page[page.index("</table>"):]
    assert "<code>result.failures</code>" in rest and "<code>result.where</code>" in rest
    assert "check(..., out=DIR)</code> writes summary.md and report.html" in rest
    assert "<details><summary>" in rest and "FAILS 6 of 30" in rest  # the rest folded: headline, checks
    assert len(page) < 6000


def test_its_repr_says_the_same_in_text(slipped):
    text = repr(slipped)
    lines = text.splitlines()
    assert lines[0].startswith("<crosscheck.Result L_model_backward: ") and text.endswith(">")
    assert all(len(line) <= 100 for line in lines)
    assert "L_model_backward: its values are the slip `dW-missing-1/m`" in text
    assert text.index("its values are the slip") < text.index("failing scenarios (4)")
    shown = [line for line in lines if line.startswith("  ") and "_s0: dW[" in line]
    assert len(shown) == 4 and all("elements off (worst: got" in line for line in shown)
    assert "result.failures" in lines[-2] + lines[-1]


def test_a_passing_function_is_one_line_and_its_page_says_pass():
    result = check(f"{CLIENTS}/course_dnn.py:L_model_backward", suite="smoke")
    text, page = repr(result), result._repr_html_()
    assert result.passed and "\n" not in text and text.endswith(", 0 failed -> PASS>")
    assert page.startswith('<p><b style="color:#17652b">PASS</b> L_model_backward: ')
    assert "Failing scenarios" not in page and "<details open>" in page and "holds" in page
