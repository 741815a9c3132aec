"""Per-example values compared chunk by chunk (crosscheck/checks/chunked.py) give the whole
array's comparison: the same verdict, counts, greatest errors, worst index and tolerance,
for values with NaN and inf, a term scale below max|expected|, chunks of every size; a
later chunk of another dtype or shape, or one that cannot be made, fails the row and says
which examples; a missing value or a wrong shape makes no array whole."""
from __future__ import annotations

import numpy as np
import pytest

from crosscheck.checks.arrays import agrees, compare, compare_columns
from crosscheck.reference.examples import Examples
from crosscheck.scenarios import tolerance

FIELDS = ("passed", "numel", "mismatched", "max_abs_err", "max_rel_err", "max_ulp", "worst_index",
          "expected_at_worst", "actual_at_worst", "atol", "shape", "message")


def lazy(values: np.ndarray, chunk: int, dtype=None) -> Examples:
    """``values`` as an Examples made ``chunk`` examples at a time."""
    return Examples(lambda a, b: values[a:b], values.shape, values.dtype if dtype is None else dtype, chunk)


def pair(seed: int = 0, m: int = 7):
    rng = np.random.default_rng(seed)
    expected = rng.standard_normal((m, 2, 3))
    return expected, (expected + rng.standard_normal(expected.shape) * 1e-7).astype(np.float32)


def same(whole, chunked, fields=FIELDS):
    for field in fields:
        a, b = getattr(whole, field), getattr(chunked, field)
        assert a == b or (isinstance(a, float) and np.isnan(a) and np.isnan(b)), (field, a, b)


@pytest.mark.parametrize("chunk", [1, 2, 3, 6, 7, 50])
@pytest.mark.parametrize("case", ["close", "slip-last", "nan", "inf-both", "inf-actual", "float64-returned"])
def test_chunked_comparison_is_the_whole_arrays(chunk, case):
    expected, actual = pair()
    if case == "slip-last":
        actual[-1, 1, 2] += 1
    elif case == "nan":
        actual[3, 0, 0] = np.nan
    elif case == "inf-both":
        expected[2, 1, 1], actual[2, 1, 1] = np.inf, np.inf
    elif case == "inf-actual":
        actual[5, 0, 1] = -np.inf
    elif case == "float64-returned":
        actual = actual.astype(np.float64)
    for terms in (None, 1e-3, 10.0):  # none, below max|expected| (the whole array's scale wins), above
        whole = compare(expected, actual, "float32", 1e-4, 1e-6, 1e-5, terms)
        for e, a in ((lazy(expected, chunk), lazy(actual, chunk)), (lazy(expected, chunk), actual)):
            same(whole, compare(e, a, "float32", 1e-4, 1e-6, 1e-5, terms))
    assert whole.passed == (case in ("close", "inf-both"))  # the same infinity matches


def test_a_later_chunk_of_another_dtype_or_shape_fails_and_says_where():
    expected, actual = pair()

    def odd(a, b):  # examples 4: onwards in float64, or of another shape
        return actual[a:b].astype(np.float64) if a >= 4 else actual[a:b]
    got = compare(lazy(expected, 2), Examples(odd, actual.shape, np.float32, 2), "float32", 1e-4, 1e-6)
    assert not got.passed and got.message.startswith("examples 4:6: dtype mismatch: returned float64"), got.message

    def shaped(a, b):
        return actual[a:b] if a < 4 else actual[a:b].transpose(0, 2, 1)
    got = compare(lazy(expected, 2), Examples(shaped, actual.shape, np.float32, 2), "float32", 1e-4, 1e-6)
    assert not got.passed and got.message.startswith("examples 4:6: shape mismatch: got 2x3x2"), got.message
    assert got.shape == "7x2x3"


def test_a_chunk_that_cannot_be_made_fails_that_row_only():
    expected, actual = pair()

    def fails(a, b):
        if a == 6:
            raise RuntimeError("out of memory\nmore")
        return actual[a:b]
    got = compare_columns([(lazy(expected, 3), Examples(fails, actual.shape, np.float32, 3)),
                           (lazy(expected, 3), lazy(actual, 3))], "float32", 1e-4, 1e-6)
    assert not got.passed[0] and got.message[0] == ("the per-example values of examples 6:7 could not be made: "
                                                     "RuntimeError: out of memory")
    assert got.passed[1]


def test_a_missing_or_wrong_shaped_value_makes_nothing_whole():
    expected, actual = pair()

    def never(a, b):
        raise AssertionError("made whole")
    untouchable = Examples(never, expected.shape, np.float64, 2)
    missing = compare(untouchable, None, "float32", 1e-4, 1e-6)
    assert not missing.passed and missing.message.startswith("missing")
    wrong = compare(untouchable, actual.transpose(0, 2, 1), "float32", 1e-4, 1e-6)
    assert not wrong.passed and wrong.message.startswith("shape mismatch: got 7x3x2, expected 7x2x3")


@pytest.mark.parametrize("chunk", [1, 3, 7])
def test_agrees_by_chunks_is_agrees(chunk):
    expected, actual = pair()
    tol = tolerance("float32")
    assert agrees(lazy(expected, chunk), lazy(actual, chunk), tol) == agrees(expected, actual, tol) is True
    actual[-1, 0, 0] += 1
    assert agrees(lazy(expected, chunk), lazy(actual, chunk), tol) == agrees(expected, actual, tol) is False


def test_the_mean_is_summed_as_the_chunks_are_read_and_made_when_they_were_not():
    values = np.random.default_rng(1).standard_normal((7, 2, 3))
    calls = []
    examples = Examples(lambda a, b: calls.append((a, b)) or values[a:b], values.shape, values.dtype, 3)
    mean = examples.mean()
    for a, b in examples.spans():
        examples[a:b]
    np.testing.assert_allclose(np.asarray(mean), values.mean(axis=0), rtol=1e-15)
    assert len(calls) == 3  # no second read
    fresh = Examples(lambda a, b: values[a:b], values.shape, values.dtype, 3).mean()
    np.testing.assert_allclose(np.asarray(fresh), values.mean(axis=0), rtol=1e-15)
