"""report.html in a real browser: headless Chromium (Debian's package) loads it, every
embedded plot decodes, no script error; and the page needs no network."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from crosscheck.cli import main
from tests.support import COURSE_BACKWARD as BYO

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium_status(page: Path, profile: Path) -> str:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs Debian's package)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    ).stdout
    found = re.search(r'data-status="([^"]*)"', dom)
    return found.group(1) if found else "no page"


@pytest.mark.parametrize("args, verdict", [
    (["--suite", "smoke", "--engines", "numpy,torch"], "PASS"),
    (["--suite", "smoke", "--backward", f"{BYO}:wrong_layer_derivative"], "FAIL"),
])
def test_report_renders_in_chromium_with_every_plot(args, verdict, tmp_path, capsys, plots):
    out = tmp_path / "out"
    main(["run", *args, "--out", str(out), "-q"])
    page = out / "report.html"
    text = page.read_text()
    images = text.count('src="data:image/png;base64,')
    assert images == 4  # a heatmap and a row of error plots per dtype
    assert not re.search(r'(src|href)="(https?:)?//', text), "the page must not need the network"
    assert f"-&gt; {verdict}" in text and "Environment" in text and "NumPy" in text and "torch" in text
    if verdict == "FAIL":
        assert "originates here" in text and "crosscheck run --backward" in text
    assert _chromium_status(page, tmp_path / "profile") == f"ok:{images}"


def test_the_browser_check_can_fail(tmp_path):
    """Meta: a page with a broken image is reported as broken, not ok."""
    page = tmp_path / "broken.html"
    page.write_text('<html><body data-status="loading"><img src="data:image/png;base64,AAAA">'
                    + __import__("crosscheck.reporting.html", fromlist=["SCRIPT"]).SCRIPT + "</body></html>")
    assert _chromium_status(page, tmp_path / "profile") == "broken:0"


def test_without_figures_the_page_says_so_and_keeps_everything_else(tmp_path, plots, monkeypatch):
    """CROSSCHECK_FIGURES=off (what the tests run with): no plot drawn, a line in their place,
    every other byte of the page as with the plots."""
    args = ["run", "--suite", "smoke", "--engines", "numpy", "--dtypes", "float64", "-q"]
    main([*args, "--out", str(tmp_path / "with")])
    monkeypatch.setenv("CROSSCHECK_FIGURES", "off")
    main([*args, "--out", str(tmp_path / "without")])
    with_, without = ((tmp_path / f / "report.html").read_text() for f in ("with", "without"))
    assert with_.count('src="data:image/png;base64,') == 2 and "data:image/png" not in without
    assert without.count("plots left out (CROSSCHECK_FIGURES=off)") == 2
    strip = lambda page: re.sub(r'<img alt="plot" src="data:image/png;base64,[^"]*">', "", page)  # noqa: E731
    assert strip(with_).replace("\n\n", "\n") == re.sub(r"<p><i>plots left out \(CROSSCHECK_FIGURES=off\)</i></p>",
                                                        "", without).replace("\n\n", "\n")
