"""`crosscheck compare`: silent on a rerun, loud on a planted regression, exit 2 on bad input."""
from __future__ import annotations

import pytest

from crosscheck.analyses.mutants import MutantEngine, mutant
from crosscheck.cli import main
from crosscheck.engines import resolve_engines
from crosscheck.reporting.regressions import read_report, regressions
from crosscheck.running.runner import run
from crosscheck.scenarios import suite

SMOKE = suite("smoke")


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    engines, _ = resolve_engines(["numpy", "torch"])
    path = tmp_path_factory.mktemp("base") / "discrepancies.csv"
    run(SMOKE, engines, progress=False).to_csv(path, index=False)
    return path


def _current(tmp_path, engines, scenarios=SMOKE):
    path = tmp_path / "current.csv"
    run(scenarios, engines, progress=False).to_csv(path, index=False)
    return path


def test_a_rerun_of_the_same_code_is_silent(baseline, tmp_path, capsys):
    engines, _ = resolve_engines(["numpy", "torch"])
    assert main(["compare", str(baseline), str(_current(tmp_path, engines))]) == 0
    assert capsys.readouterr().out.startswith("no regression")


def test_a_changed_formula_is_a_regression(baseline, tmp_path, capsys):
    changed = MutantEngine(mutant("db-missing-1/m"))
    changed.name = "numpy"  # someone edited the reference's db
    engines, _ = resolve_engines(["torch"])
    assert main(["compare", str(baseline), str(_current(tmp_path, [changed] + engines))]) == 1
    out = capsys.readouterr().out
    assert "now fails" in out and "db" in out


def test_what_disappeared_is_listed(baseline, tmp_path):
    engines, _ = resolve_engines(["numpy"])
    found = regressions(read_report(baseline), read_report(_current(tmp_path, engines, SMOKE[2:])))
    kinds = set(found["kind"])
    assert kinds == {"engine disappeared", "scenario disappeared"}
    assert set(found[found["kind"] == "scenario disappeared"]["scenario"]) == {SMOKE[0].id, SMOKE[1].id}


def test_ulp_growth_beyond_the_factor_is_a_regression(baseline):
    base = read_report(baseline)
    cur = base.copy()
    i = cur.index[(cur["engine"] == "torch") & (cur["max_ulp"] > 100)][0]
    cur.loc[i, "max_ulp"] = cur.loc[i, "max_ulp"] * 11
    found = regressions(base, cur, factor=10)
    assert list(found["kind"]) == ["ulp grew > 10x"] and found.iloc[0]["scenario"] == cur.loc[i, "scenario"]
    assert regressions(base, cur, factor=12).empty


@pytest.mark.parametrize("content, message", [
    (None, "no file"),
    ("a,b\n1,2\n", "not a discrepancies report"),
    ("\x00\x01garbage", "not a discrepancies report"),
])
def test_unreadable_input_exits_2(content, message, baseline, tmp_path, capsys):
    path = tmp_path / "x.csv"
    if content is not None:
        path.write_text(content)
    assert main(["compare", str(path), str(baseline)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_factor_must_exceed_one(baseline, capsys):
    assert main(["compare", str(baseline), str(baseline), "--factor", "0.5"]) == 2


def test_a_report_of_the_previous_release_still_compares(baseline, tmp_path, capsys):
    """Reports written before the rename call the engine column ``framework``: read as ``engine``."""
    import pandas as pd

    older = tmp_path / "older.csv.gz"
    pd.read_csv(baseline).rename(columns={"engine": "framework"}).to_csv(older, index=False)
    assert "framework" in pd.read_csv(older).columns
    assert main(["compare", str(older), str(baseline)]) == 0
    assert capsys.readouterr().out.startswith("no regression")
    assert main(["compare", str(baseline), str(older)]) == 0
    assert list(read_report(older)["engine"].unique()) == ["numpy", "torch"]


def test_the_committed_baseline_is_read_with_its_engines():
    from tests.support import ROOT

    df = read_report(ROOT / "reports" / "baseline" / "discrepancies.csv.gz")
    assert {"numpy", "torch", "jax", "fd"} <= set(df["engine"])


def test_a_row_that_passes_only_as_a_known_failure_now_fails_against_the_baseline(tmp_path, capsys):
    """A known-failures file keeps a run green; compare still says what got worse than the baseline."""
    args = ["run", "--suite", "smoke", "--dtypes", "float64", "--engines", "numpy,mutant:dW-missing-1/m",
            "--no-progress", "-q"]
    listed = tmp_path / "known.toml"
    listed.write_text('[[known]]\nscenario = "*"\nengine = "mutant:dW-missing-1/m"\nreason = "planted"\n')
    assert main([*args, "--known-failures", str(listed), "--out", str(tmp_path / "known")]) == 0
    import pandas as pd

    current = pd.read_csv(tmp_path / "known" / "discrepancies.csv", keep_default_na=False)
    assert (current["status"] == "known").any()
    base = current.assign(passed=True, status="pass")  # the same rows, every one passing
    base.to_csv(tmp_path / "base.csv", index=False)
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "base.csv"), str(tmp_path / "known" / "discrepancies.csv")]) == 1
    out = capsys.readouterr().out
    assert "known failure" in out and "now fails" in out
