"""The rows made as columns: a scenario's rows in engine order, one span per engine, and the
observations DataFrame typed as pandas types the same rows given one dict per row."""
from __future__ import annotations

import pandas as pd
import pytest

from crosscheck.checks.budget import term_scales
from crosscheck.engines import resolve_engines
from crosscheck.running.columns import COLUMNS, TEXT, Table
from crosscheck.running.records import scenario_rows
from crosscheck.running.runner import run_all
from crosscheck.running.statuses import RUN, UNSUPPORTED
from crosscheck.running.tracing import trace_engine
from crosscheck.scenarios import build_problem, suite
from crosscheck.scenarios.problem import reference_trace

SMOKE = suite("smoke")


def _as_row_dicts(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` made again from one dict per row, as the runner made it before it kept columns."""
    return pd.DataFrame(df.to_dict("records"), columns=COLUMNS)


@pytest.mark.parametrize("names", [["numpy"], ["numpy", "fd"]])  # fd runs float64 only: float32's run rows
def test_the_observations_are_typed_as_row_dicts_would_be(names):
    engines, _ = resolve_engines(names)
    df = run_all(SMOKE, engines, progress=False).observations
    pd.testing.assert_frame_equal(df, _as_row_dicts(df))
    numbers = {name: str(df[name].dtype) for name in COLUMNS if name not in TEXT}
    assert numbers == {**{name: "int64" for name in ("layer", "mismatched", "numel", "depth", "m")}, "passed": "bool",
                       **{name: "float64" for name in numbers if name not in ("layer", "mismatched", "numel", "depth",
                                                                            "m", "passed", "k")},
                       "k": "float64" if (df["check"] == RUN).any() else "int64"}  # a run row has no k
    assert all(pd.api.types.is_string_dtype(df[name]) for name in TEXT)
    assert (df["check"] == RUN).any() == ("fd" in names)


def test_a_table_of_no_rows_is_the_empty_frame_of_the_columns():
    pd.testing.assert_frame_equal(Table().frame(), pd.DataFrame([], columns=COLUMNS))


def test_a_scenario_s_rows_come_in_engine_order_one_span_each():
    engines, _ = resolve_engines(["numpy", "fd", "torch"])
    s = next(s for s in SMOKE if s.dtype == "float32")  # fd: unsupported, its one run row between the others
    problem = build_problem(s)
    ref = reference_trace(problem)
    outcomes = [trace_engine(problem, ref, engine) for engine in engines]
    rows, spans = scenario_rows(problem, ref, term_scales(problem, ref), outcomes)
    assert [span.start for span in spans] == [0, spans[0].stop, spans[1].stop] and spans[-1].stop == len(rows)
    for engine, span in zip(engines, spans):
        assert set(rows.columns["engine"][span]) == {engine.name}
    run_row = spans[1]
    assert rows.columns["check"][run_row] == [RUN] and rows.columns["status"][run_row] == [UNSUPPORTED]
    assert rows.columns["passed"][run_row].all() and not rows.failed(run_row, "fail")
    assert rows.columns["check"][spans[0]] == rows.columns["check"][spans[2]]  # the same observations
    table = Table()
    table.append(rows)
    assert table.frame()["engine"].tolist() == rows.columns["engine"]
