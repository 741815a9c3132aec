"""The report: schema (the contract), long format, atomic writes, byte-for-byte reproducible."""
from __future__ import annotations

import os

import pandas as pd
import pytest

from crosscheck.checks.identities import CHECKS
from crosscheck.engines import resolve_engines
from crosscheck.reporting.files import write_reports
from crosscheck.running.runner import COLUMNS, DIFFERENCE_COLUMNS, TIMING_COLUMNS, RunResult, run_all
from crosscheck.scenarios import suite

CONTRACT = ["scenario", "engine", "dtype", "check", "quantity", "layer", "shape", "max_abs_err",
            "max_rel_err", "max_ulp", "mismatched", "rtol", "atol", "passed"]
SMOKE = suite("smoke")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    engines, _ = resolve_engines(["numpy", "torch", "jax"])
    result = run_all(SMOKE, engines, progress=False)
    out = tmp_path_factory.mktemp("out")
    write_reports(result, out, "suite smoke", {})
    return result, out


def test_csv_has_the_contract_columns_in_order_and_one_row_per_observation(report):
    result, out = report
    df = result.observations
    csv = pd.read_csv(out / "discrepancies.csv")
    # the report schema (crosscheck/reporting/versions.py) closes every row
    assert list(csv.columns[: len(CONTRACT)]) == CONTRACT and list(csv.columns) == COLUMNS + ["schema"]
    assert not csv.duplicated(["scenario", "engine", "check", "quantity", "layer"]).any()
    assert set(csv["check"]) == set(CHECKS)
    assert csv["passed"].dtype == bool and len(csv) == len(df)


def test_summary_has_the_three_sections(report):
    _, out = report
    text = (out / "summary.md").read_text()
    for heading in ("The article's identities", "Worst agreement with the float64 reference", "Failing scenarios (0;"):
        assert heading in text
    for identity in ("| A-Y", "| x(a-y)", "| db", "| recursion"):
        assert identity in text


def test_same_scenarios_same_bytes_except_timing(report, tmp_path):
    _, out = report
    engines, _ = resolve_engines(["numpy", "torch", "jax"])
    write_reports(run_all(SMOKE, engines, progress=False), tmp_path, "suite smoke", {})
    first, second = (pd.read_csv(d / "discrepancies.csv", dtype=str) for d in (out, tmp_path))
    assert first.drop(columns=TIMING_COLUMNS).equals(second.drop(columns=TIMING_COLUMNS))
    for name in ("summary.md", "differences.csv", "report.html"):
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes()


def test_differences_csv_one_row_per_scenario_and_engine(report):
    result, out = report
    diff = pd.read_csv(out / "differences.csv")
    assert list(diff.columns) == DIFFERENCE_COLUMNS and len(diff) == 20 * 3
    assert (diff["difference"] < 1e-5).all()  # correct engines: float32 rounding at most
    assert "gradient-check difference" in (out / "summary.md").read_text()


def test_a_failed_write_leaves_the_old_report_whole_and_no_temporary_file(report, tmp_path, monkeypatch):
    result, _ = report
    write_reports(RunResult(result.observations.head(10), result.differences.head(3), result.where), tmp_path, "old", {})
    old = (tmp_path / "discrepancies.csv").read_bytes()

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        write_reports(result, tmp_path, "new", {})
    assert (tmp_path / "discrepancies.csv").read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["diagnosis.csv", "differences.csv", "discrepancies.csv",
                                                          "evidence.csv", "report.html", "summary.md", "where.csv"]
