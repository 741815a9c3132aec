"""Meta-tests: the checker fails on planted errors, and passes the same code without them."""
from __future__ import annotations

import numpy as np
import pytest

import crosscheck.checks.arrays
from crosscheck.checks.arrays import compare, compare_many
from crosscheck.running.runner import run
from crosscheck.scenarios import DTYPES, TOLERANCES, Scenario, suite
from crosscheck.scenarios.dtypes import numpy_dtype

#: The dtypes of the NumPy-based planted engines (half precision: tests/scenarios/test_half_precision.py).
FULL = ("float64", "float32")

from tests.checks.planted import BUGS, Float32InsideEngine, PerturbedEngine, PlantedEngine, TransposedEngine

EXPECTED = np.linspace(-2.0, 3.0, 12).reshape(3, 4)


@pytest.mark.parametrize("dtype", DTYPES)
def test_one_element_just_outside_the_tolerance_fails_just_inside_passes(dtype):
    tol = TOLERANCES[dtype]
    allowed = tol.atol + tol.rtol * abs(EXPECTED[1, 2])
    inside, outside = EXPECTED.astype(numpy_dtype(dtype)), EXPECTED.astype(numpy_dtype(dtype))
    inside[1, 2] += 0.5 * allowed
    outside[1, 2] += 2.0 * allowed
    assert compare(EXPECTED, inside, dtype, tol.rtol, tol.atol).passed
    result = compare(EXPECTED, outside, dtype, tol.rtol, tol.atol)
    assert not result.passed and result.mismatched == 1
    assert result.worst_index == "(1, 2)" and "1 of 12 elements" in result.message
    # 2 x allowed, up to the rounding of the planted value in the dtype (a few u)
    assert result.max_abs_err == pytest.approx(2.0 * allowed, rel=1e-3 if dtype in FULL else 0.03)


@pytest.mark.parametrize("actual, message", [
    (EXPECTED.T.copy(), "shape mismatch: got 4x3, expected 3x4"),
    (EXPECTED.astype(np.float32), "dtype mismatch: returned float32 for a float64 scenario; and the values differ"),
    (None, "missing"),
])
def test_shape_dtype_and_missing_are_failures_with_their_own_message(actual, message):
    result = compare(EXPECTED, actual, "float64", 1e-10, 1e-12)
    assert not result.passed and message in result.message


def test_a_dtype_mismatch_still_compares_the_values_and_says_whether_they_agree():
    right = compare(EXPECTED.astype(np.float32), EXPECTED, "float32", 1e-4, 1e-5)  # float64 for float32
    assert not right.passed and right.mismatched == 0 and right.max_abs_err < 1e-6
    assert "returned float64 for a float32 scenario; the values agree within the float32 tolerance" in right.message
    wrong = compare(EXPECTED.astype(np.float32), 2 * EXPECTED, "float32", 1e-4, 1e-5)
    assert not wrong.passed and wrong.mismatched == 12 and "the values differ: 12 of 12 elements" in wrong.message


def test_nan_is_a_failure():
    actual = EXPECTED.copy()
    actual[2, 3] = np.nan
    result = compare(EXPECTED, actual, "float64", 1e-10, 1e-12)
    assert not result.passed and result.mismatched == 1 and result.max_ulp == np.inf


@pytest.mark.parametrize("dtype", FULL)
def test_a_perturbed_gradient_fails_its_row_and_names_where(dtype):
    s = Scenario((4, 5, 1), ("tanh", "sigmoid"), 13, dtype)
    df = run([s], [PerturbedEngine("dW", 1, factor=3.0)], progress=False)
    failed = df[~df["passed"]]
    assert set(zip(failed["check"], failed["quantity"], failed["layer"])) == {
        ("reference", "dW", 1), ("x(a-y)", "dW", 1), ("x(a-y) per example", "dW", 1)}  # mean of dW_i is not dW
    row = failed.iloc[0]
    assert row["scenario"] == s.id and row["engine"] == "perturbed:dW1" and row["worst_index"] == "(0, 0)"
    within = run([s], [PerturbedEngine("dW", 1, factor=0.3)], progress=False)
    assert within["passed"].all()


def test_a_wrong_shape_is_reported_as_such():
    s = Scenario((4, 5, 1), ("relu", "sigmoid"), 13)
    df = run([s], [TransposedEngine()], progress=False)
    bad = df[(df["check"] == "reference") & (df["quantity"] == "dW") & (df["layer"] == 1)].iloc[0]
    assert not bad["passed"] and bad["message"] == "shape mismatch: got 4x5, expected 5x4"


def test_float64_tolerance_fails_an_engine_that_computes_in_float32():
    df = run([s for s in suite("smoke") if s.dtype == "float64"], [Float32InsideEngine()], progress=False)
    assert (~df[df["check"] == "reference"]["passed"]).sum() > 0.5 * (df["check"] == "reference").sum()


DEFAULT = suite("default")


@pytest.mark.slow
def test_control_without_a_planted_bug_passes_the_default_suite():
    assert run(DEFAULT, [PlantedEngine("none")], progress=False)["passed"].all()


@pytest.mark.slow
@pytest.mark.parametrize("bug", BUGS)
def test_the_default_suite_catches_each_planted_formula_bug_in_every_dtype(bug):
    df = run(DEFAULT, [PlantedEngine(bug)], progress=False)
    failed = df[~df["passed"]]
    assert set(failed["dtype"]) == set(FULL), f"{bug} caught only in {set(failed['dtype'])}"
    if bug == "dW-transposed":  # square layers make it a wrong value, not a shape error
        assert (failed["message"].str.contains("outside rtol")).any()


@pytest.mark.parametrize("chunk", [1 << 20, 10])
def test_comparing_many_arrays_at_once_gives_what_comparing_each_gives(chunk, monkeypatch):
    monkeypatch.setattr(crosscheck.checks.arrays, "CHUNK_ELEMENTS", chunk)
    rng = np.random.default_rng(1)
    pairs = []
    for k, shape in enumerate([(3, 4), (1, 1), (5, 1), (2, 7), (4, 3), (6, 2)]):
        e = rng.standard_normal(shape)
        a = e.astype(np.float32)
        if k % 2:
            a.flat[rng.integers(a.size)] += 0.5  # a planted error in every other array
        pairs.append((e, a))
    pairs += [(EXPECTED, None), (EXPECTED, EXPECTED.T.astype(np.float32)), (np.zeros((0, 3)), np.zeros((0, 3), np.float32))]
    tol = TOLERANCES["float32"]
    batch = compare_many(pairs, "float32", tol.rtol, tol.atol)
    assert list(map(repr, batch)) == [repr(compare(e, a, "float32", tol.rtol, tol.atol)) for e, a in pairs]
    assert [c.passed for c in batch] == [True, False, True, False, True, False, False, False, True]


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_absolute_term_is_the_scale_of_the_terms_never_a_fixed_floor(dtype):
    tol = TOLERANCES[dtype]
    small = EXPECTED * 1e-6  # a vanishing gradient: every element far below float32's old atol 1e-5
    for terms in (None, 3e-6, 3e-3):  # max|expected| (3e-6), or terms that cancelled to it
        absolute = max(tol.atol, tol.scale * (terms or 3e-6))  # the floor: one ulp at zero
        allowed = absolute + tol.rtol * abs(small[1, 2])
        inside, outside = small.astype(numpy_dtype(dtype)), small.astype(numpy_dtype(dtype))
        inside[1, 2] += 0.5 * allowed
        outside[1, 2] += 2.0 * allowed
        assert compare(small, inside, dtype, tol.rtol, tol.atol, tol.scale, terms).passed
        result = compare(small, outside, dtype, tol.rtol, tol.atol, tol.scale, terms)
        assert not result.passed and result.atol == pytest.approx(absolute)
    assert not compare(small, -small, dtype, tol.rtol, tol.atol, tol.scale).passed  # a sign slip
    assert not compare(small, small / 2, dtype, tol.rtol, tol.atol, tol.scale).passed  # a factor
