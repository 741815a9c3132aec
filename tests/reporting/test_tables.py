"""The worst error as a share of its tolerance, and the terminal's table of checks in short
cells (crosscheck/reporting/tables.py), on rows made by hand."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from crosscheck.reporting.tables import check_grid, identity_table, share_text, tolerance_share, worst_table

SCENARIO = "relu-sigmoid_4-5-1_m16_float32_s0"


def _row(engine="numpy", check="reference", quantity="dW", layer=1, status="pass", err=1e-6, expected=1.0,
         rtol=1e-3, atol=1e-5, mismatched=0, scenario=SCENARIO, dtype="float32", message=""):
    return {"scenario": scenario, "engine": engine, "dtype": dtype, "check": check, "quantity": quantity,
            "layer": layer, "shape": "1x5", "max_abs_err": err, "max_rel_err": err / abs(expected) if expected else 0.0,
            "max_ulp": 1e9, "mismatched": mismatched, "rtol": rtol, "atol": atol, "passed": status != "fail",
            "status": status, "numel": 5, "worst_index": "(0, 0)", "expected_at_worst": expected,
            "actual_at_worst": expected + err, "message": message, "depth": 2, "m": 16, "k": 16, "err_ku": 1.0}


def test_the_share_is_the_error_over_the_tolerance_at_the_worst_element():
    df = pd.DataFrame([_row(err=5.5e-4, expected=0.5, rtol=1e-3, atol=5e-5),  # 5.5e-4 / (5e-5 + 5e-4): 100%
                       _row(err=0.0), _row(err=float("inf")), _row(err=1e-9, atol=0.0, rtol=0.0),
                       _row(check="run", err=float("nan")),
                       # failing, but its greatest |diff| sits inside its own (larger) bound: said as just over 1
                       _row(status="fail", err=1e-4, expected=10.0, mismatched=1)])
    share = tolerance_share(df)
    assert share[0] == pytest.approx(1.0) and share[1] == 0 and math.isinf(share[2]) and math.isinf(share[3])
    assert math.isnan(share[4]) and share[5] > 1
    assert [share_text(x) for x in (0, 2e-7, 0.021, 0.5, 1.0, share[5], 3.04, 40.4, 2.5e12, float("nan"))] == [
        "0%", "<0.01%", "2.1%", "50%", "100%", "1x", "3x", "40x", "2.5e+12x", "-"]


def test_a_passing_row_with_a_tiny_expected_value_is_not_an_alarm():
    """fd's and float64's near-zero values: millions of ulps, a tiny share of the tolerance."""
    df = pd.DataFrame([_row(engine="fd", dtype="float64", err=3.98e-10, expected=1e-300, rtol=1e-7, atol=1e-8)])
    assert df["max_ulp"].iloc[0] > 1e6 and share_text(tolerance_share(df).iloc[0]) == "4%"
    table = worst_table(df)
    assert "max_ulp" not in table.columns and "max_err_ku" not in table.columns
    assert table["worst, of its tolerance"].tolist() == ["4%"]
    assert "4% of its tolerance" in identity_table(df.assign(check="db", quantity="db"))["fd"].iloc[3]


def test_the_grid_has_engines_as_rows_short_cells_and_says_what_is_shown_apart():
    rows = []
    for engine in ("numpy", "torch"):
        rows += [_row(engine), _row(engine, quantity="dZ", layer=2),
                 _row(engine, "A-Y", "dZ", 2), _row(engine, "A-Y", "dZ", 2, "expected not to hold", err=0.5),
                 _row(engine, "chain", "dZ", 2), _row(engine, "x(a-y)", "dW", 1), _row(engine, "db", "db", 1),
                 _row(engine, "recursion", "dZ", 1)]
    rows += [_row("torch", "recursion", "dZ", 1, "fail", err=0.1, mismatched=3),
             _row("torch", "x(a-y)", "dW", 1, "convention", err=0.01),
             _row("torch", "db", "db", 1, "inconclusive"),
             _row("torch", "reference", "dW", 2, "known", err=0.2, message="known failure (why): ...")]
    rows += [_row("mine", quantity="dW"), _row("mine", quantity="db")]  # a user's function: no dZ returned
    df = pd.DataFrame(rows)
    grid, notes = check_grid(df)
    assert list(grid.columns) == ["engine", "reference", "A-Y", "chain", "x(a-y)", "db", "recursion",
                                  "x(a-y) per example", "worst"]
    assert set(grid["x(a-y) per example"]) == {"none"}  # no engine here gave per-example gradients
    cells = grid.set_index("engine")
    assert cells.loc["numpy"].tolist()[:6] == ["holds 2", "holds 1*", "holds 1", "holds 1", "holds 1", "holds 1"]
    assert cells.loc["torch", "recursion"] == "FAILS 1 of 2" and cells.loc["torch", "reference"] == "holds 2*"
    assert cells.loc["torch", "x(a-y)"] == "holds 1*" and cells.loc["torch", "db"] == "holds 1*"
    assert cells.loc["mine"].tolist()[1:6] == ["no dZ"] * 5
    assert cells.loc["numpy", "worst"] == "0.099%" and cells.loc["torch", "worst"].endswith("x")
    assert notes == [
        "reference: failing rows the known-failures file lists: 1 of torch",
        "A-Y: rows where it must not hold, and does not (negative controls): 1 of numpy, torch",
        "x(a-y): rows that differ by a named convention: 1 of torch",
        "db: rows that could not have failed (inconclusive): 1 of torch",
    ]
    assert all(len(cell) <= 16 for cell in grid.drop(columns="engine").to_numpy().ravel())
