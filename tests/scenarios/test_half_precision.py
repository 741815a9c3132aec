"""float16 and bfloat16: torch and jax pass under tolerances in units of u; mutants do not."""
from __future__ import annotations

import numpy as np
import pytest

from crosscheck.adapters.base import Trace
from crosscheck.analyses.mutants import CATALOGUE, MutantEngine
from crosscheck.reference.trace import PER_EXAMPLE
from crosscheck.running.runner import run
from crosscheck.running.statuses import INCONCLUSIVE_CONTROL
from crosscheck.scenarios import Scenario, build_problem, suite, tolerance
from crosscheck.scenarios.dtypes import HALF, UNIT_ROUNDOFF, numpy_dtype

HALF_SUITE = suite("half")
SAMPLE = [s for s in HALF_SUITE if s.m == 13 and s.depth <= 3][::3]


class HalfMutant(MutantEngine):
    """A mutant's formulas in float32 on the half-precision data, results rounded to the
    half dtype: the formula's error, seen through half precision's tolerance."""

    dtypes = HALF

    def trace(self, problem) -> Trace:
        dtype = problem.X.dtype
        t = super().trace(problem.astype(np.float32))
        return Trace(**{q: {l: v.astype(dtype) for l, v in t.layers(q).items()}
                        for q in ("A", "Z", "dA", "dZ", "dW", "db", *PER_EXAMPLE)})


def test_the_tolerances_are_multiples_of_the_unit_roundoff():
    u16, ubf = UNIT_ROUNDOFF["float16"], UNIT_ROUNDOFF["bfloat16"]
    assert (u16, ubf) == (2.0 ** -11, 2.0 ** -8)
    assert tolerance("float16").rtol == 128 * u16 and tolerance("float16").scale == 16 * u16
    assert tolerance("bfloat16").rtol == 16 * ubf and tolerance("bfloat16").scale == 16 * ubf


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["torch", "jax"], indirect=True)
def test_torch_and_jax_pass_the_whole_half_suite(engine):
    df = run(HALF_SUITE, [engine], progress=False)
    assert df["passed"].all(), df[~df["passed"]][["scenario", "check", "quantity", "layer", "message"]].head().to_string()
    assert set(df["dtype"]) == set(HALF) and (df["status"] != "unsupported").all()


@pytest.mark.parametrize("engine", ["torch", "jax"], indirect=True)
@pytest.mark.parametrize("dtype", HALF)
def test_half_engines_return_the_half_dtype(engine, dtype):
    trace = engine.trace(build_problem(Scenario((3, 4, 1), ("tanh", "sigmoid"), 5, dtype)))
    for q in ("A", "Z", "dA", "dZ", "dW", "db", *PER_EXAMPLE):
        assert trace.layers(q), q
        for value in trace.layers(q).values():
            assert value.dtype == numpy_dtype(dtype), q


@pytest.mark.parametrize("engine", ["numpy", "fd"], indirect=True)
def test_numpy_engines_report_half_precision_as_unsupported(engine):
    df = run([Scenario((3, 4, 1), ("tanh", "sigmoid"), 5, "bfloat16")], [engine], progress=False)
    assert list(df["status"]) == ["unsupported"] and "scenarios only" in df["message"].iloc[0]


@pytest.mark.parametrize("m", [m for m in CATALOGUE if not m.equivalent], ids=lambda m: m.id)
def test_each_real_mutant_fails_in_both_half_dtypes(m):
    df = run(SAMPLE, [HalfMutant(m)], progress=False)
    assert set(df.loc[~df["passed"], "dtype"]) == set(HALF), f"{m.id} survives a half dtype"


def test_the_same_route_without_a_mutant_passes():
    """The control for the test above: correct formulas through float32 and rounding pass."""
    df = run(SAMPLE, [HalfMutant(CATALOGUE[-1])], progress=False)  # an equivalent mutant: the reference
    assert df["passed"].all()


def test_a_negative_control_finer_than_bfloat16_is_inconclusive_not_failed(loaded_engines):
    if isinstance(loaded_engines["torch"], str):
        pytest.skip(loaded_engines["torch"])
    s = Scenario.from_id("sigmoid-sigmoid-tanh_5-5-5-2_m1_bfloat16_s0_mse")
    row = run([s], [loaded_engines["torch"]], progress=False).query("check == 'A-Y'").iloc[0]
    assert row["passed"] and row["status"] == INCONCLUSIVE_CONTROL and "less than the bfloat16 tolerance" in row["message"]
    wider = Scenario.from_id("sigmoid-sigmoid-tanh_5-5-5-2_m13_bfloat16_s0_mse")
    row = run([wider], [loaded_engines["torch"]], progress=False).query("check == 'A-Y'").iloc[0]
    assert row["status"] == "expected not to hold"


def test_errors_are_reported_in_units_of_the_reduction_budget():
    s = Scenario((4, 6, 1), ("tanh", "sigmoid"), 13, "float32")
    from crosscheck.adapters.numpy_reference import NumpyReference

    df = run([s], [NumpyReference()], progress=False).set_index(["check", "quantity", "layer"])
    assert df.loc[("reference", "dW", 1), "k"] == 13 and df.loc[("reference", "db", 2), "k"] == 13
    assert df.loc[("reference", "dA", 0), "k"] == 6 and df.loc[("reference", "Z", 1), "k"] == 4
    assert df.loc[("reference", "dZ", 2), "k"] == 1
    row = df.loc[("reference", "dW", 1)]
    assert row["err_ku"] >= 0 and np.isfinite(row["err_ku"])
