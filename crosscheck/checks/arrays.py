"""Comparing one array with its expected value: shape, dtype, then error statistics.

As ``torch.testing.assert_close``: shape and dtype are checked before values, an element
matches when ``|actual - expected| <= atol + rtol * |expected|`` (NaN never matches), with
``atol = max(floor, scale * max|expected|)``: the absolute term is a multiple of the
array's own scale (scenarios/tolerances.py says why), and
a failure reports statistics (how many elements mismatch, the greatest absolute and
relative difference, where, both sides there, the tolerance) rather than a dump.
Tolerances are per element and never scaled by the array size.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from crosscheck.scenarios.dtypes import numpy_dtype


class Comparison(NamedTuple):
    """The statistics of one comparison; ``passed`` is False on any mismatch."""

    shape: str
    numel: int
    max_abs_err: float
    max_rel_err: float
    max_ulp: float
    mismatched: int
    worst_index: str
    expected_at_worst: float
    actual_at_worst: float
    rtol: float
    atol: float
    passed: bool
    message: str
    #: max|expected| (NaN if expected has a NaN) and its finite elements' max: for the
    #: runner's budget units and blind-row test (not report columns); NaN when not compared.
    expected_max: float = float("nan")
    expected_finite_max: float = float("nan")


def _ordered(x: np.ndarray) -> np.ndarray:
    """Floats mapped to int64 in the same order, neighbouring floats one apart:
    negative floats to -(their magnitude bits), positive ones to +(their magnitude bits)."""
    width = 8 * x.dtype.itemsize
    i = x.view({16: np.int16, 32: np.int32, 64: np.int64}[width])
    magnitude = (i & ((1 << (width - 1)) - 1)).astype(np.int64, copy=False)
    return np.where(i < 0, -magnitude, magnitude)  # -0.0 and +0.0 both map to 0


def ulp_distance(expected: np.ndarray, actual: np.ndarray, dtype) -> np.ndarray:
    """Number of representable ``dtype`` values between expected (rounded) and actual."""
    dtype = numpy_dtype(str(dtype))
    a = _ordered(np.asarray(expected, dtype=np.float64).astype(dtype, copy=False))
    b = _ordered(np.asarray(actual).astype(dtype, copy=False))
    with np.errstate(over="ignore"):
        distance = np.abs(a - b).astype(np.float64)
    # a - b may wrap around when the signs differ; the distance is then |a| + |b|, in float64
    opposite = np.flatnonzero((a < 0) != (b < 0))
    if opposite.size:
        distance[opposite] = np.abs(a[opposite].astype(np.float64)) + np.abs(b[opposite].astype(np.float64))
    return distance


def _fmt_shape(shape) -> str:
    return "x".join(map(str, shape)) if len(shape) else "scalar"


def _failure(shape, rtol, atol, message) -> Comparison:
    nan = float("nan")
    return Comparison(shape, 0, nan, nan, nan, -1, "", nan, nan, rtol, atol, False, message)


def _precheck(expected, actual, dtype, rtol, atol):
    """(expected, actual, note) ready to compare, or the failed Comparison: missing, or a
    shape of another size.  A dtype mismatch, or a shape of the same size (a scalar db of
    a one-unit layer), fails, but its values are still compared (the note says so)."""
    expected = np.asarray(expected, dtype=np.float64)
    if actual is None:
        return _failure("", rtol, atol, "missing: the engine gave no value")
    actual = np.asarray(actual)
    note = ""
    if actual.shape != expected.shape:
        note = f"shape mismatch: got {_fmt_shape(actual.shape)}, expected {_fmt_shape(expected.shape)}"
        squeezed = [tuple(n for n in x.shape if n != 1) for x in (actual, expected)]
        if squeezed[0] != squeezed[1] or actual.dtype.kind not in "fiub":  # a transpose stays a shape error
            return _failure(_fmt_shape(actual.shape), rtol, atol, note)
        actual = actual.reshape(expected.shape)  # only length-1 axes differ (a scalar db of a 1x1): compare values
    if actual.dtype != dtype:
        if actual.dtype.kind not in "fiub":
            return _failure(_fmt_shape(actual.shape), rtol, atol,
                            f"dtype mismatch: got {actual.dtype}, expected {dtype}; not numbers, not compared")
        note = "; ".join(filter(None, [note, f"dtype mismatch: returned {actual.dtype} for a {dtype} scenario"]))
    return expected, actual, note


#: compare_many works through at most this many elements at a time (bounds its temporaries).
CHUNK_ELEMENTS = 1 << 20


def compare_many(pairs, dtype, rtol: float, atol: float, scale: float = 0.0, terms=None) -> list[Comparison]:
    """``compare`` for many (expected, actual) pairs at once: vectorised passes over all
    their elements, then per-array reductions (the harness compares ~100 small arrays per
    scenario and engine; one NumPy call per statistic per array would dominate its time).
    Pairs are taken in chunks of about CHUNK_ELEMENTS elements, so memory stays bounded."""
    pairs = list(pairs)
    terms = list(terms) if terms is not None else [None] * len(pairs)
    out, chunk, size = [], [], 0
    for pair, term in zip(pairs, terms):
        n = np.size(pair[0]) if pair[0] is not None else 0
        if chunk and size + n > CHUNK_ELEMENTS:
            out += _compare_chunk(chunk, dtype, rtol, atol, scale)
            chunk, size = [], 0
        chunk.append((*pair, term))
        size += n
    return out + (_compare_chunk(chunk, dtype, rtol, atol, scale) if chunk else [])


def _compare_chunk(pairs, dtype, rtol: float, atol: float, scale: float) -> list[Comparison]:
    dtype = numpy_dtype(str(dtype))
    results: list = [_precheck(e, a, dtype, rtol, atol) for e, a, _ in pairs]
    checked = [i for i, r in enumerate(results) if not isinstance(r, Comparison)]
    ready = [i for i in checked if results[i][0].size]
    for i in checked:
        r = results[i]
        if not r[0].size:
            results[i] = Comparison(_fmt_shape(r[0].shape), 0, 0.0, 0.0, 0.0, 0, "()", float("nan"), float("nan"),
                                    rtol, atol, True, "")
    if not ready:
        return results
    sizes = np.array([results[i][0].size for i in ready])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    expected = np.concatenate([results[i][0].ravel() for i in ready])
    notes = [results[i][2] for i in ready]
    a64 = np.concatenate([results[i][1].ravel().astype(np.float64) for i in ready])
    actual = a64.astype(dtype)  # a value returned in another dtype is judged as the dtype's
    if not any(notes):
        actual = np.concatenate([results[i][1].ravel() for i in ready])
    magnitude = np.abs(expected)
    # the absolute term: ``scale`` times the array's scale (its terms' when given, else
    # max|expected|), never below atol
    biggest = np.maximum.reduceat(np.where(np.isfinite(magnitude), magnitude, 0.0), starts)
    peaks = np.maximum.reduceat(magnitude, starts)
    given = np.array([np.nan if pairs[i][2] is None else pairs[i][2] for i in ready], dtype=np.float64)
    atols = np.maximum(atol, scale * np.where(np.isnan(given), biggest, np.fmax(given, biggest)))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        abs_err = np.abs(a64 - expected)
        abs_err[np.isnan(abs_err)] = np.inf
        rel_err = np.where(abs_err == 0, 0.0, abs_err / magnitude)
        mismatch = ~(abs_err <= np.repeat(atols, sizes) + rtol * magnitude)
    ulp = ulp_distance(expected, actual, dtype)
    ulp[np.isnan(a64) | np.isnan(expected)] = np.inf
    max_abs = np.maximum.reduceat(abs_err, starts)
    max_rel = np.maximum.reduceat(rel_err, starts)
    max_ulp = np.maximum.reduceat(ulp, starts)
    n_bad = np.add.reduceat(mismatch.astype(np.int64), starts)
    segment = np.repeat(np.arange(len(ready)), sizes)
    at_max = np.flatnonzero(abs_err == max_abs[segment])  # ascending: the first per segment is argmax
    _, first = np.unique(segment[at_max], return_index=True)
    worst_flat = at_max[first]
    # Python numbers once for the whole chunk (tolist), not one NumPy scalar per array and statistic
    worst_list, start_list, bad_list, size_list = worst_flat.tolist(), starts.tolist(), n_bad.tolist(), sizes.tolist()
    atol_list, abs_list, rel_list, ulp_list = atols.tolist(), max_abs.tolist(), max_rel.tolist(), max_ulp.tolist()
    peak_list, biggest_list = peaks.tolist(), biggest.tolist()
    expected_worst, actual_worst = expected[worst_flat].tolist(), a64[worst_flat].tolist()
    for k, i in enumerate(ready):
        shape = results[i][0].shape
        j = worst_list[k]
        worst = tuple(int(v) for v in np.unravel_index(j - start_list[k], shape))
        bad, n, atol_k = bad_list[k], size_list[k], atol_list[k]
        message = ""
        if bad:
            segment_values = a64[start_list[k]:start_list[k] + n]
            nonfinite = [f"{c} {what}" for c, what in ((int(np.isnan(segment_values).sum()), "NaN"),
                                                       (int(np.isinf(segment_values).sum()), "inf")) if c]
            message = (
                (f"{', '.join(nonfinite)} among the values; " if nonfinite else "")
                + f"{bad} of {n} elements ({100.0 * bad / n:.1f}%) outside rtol={rtol:g}, atol={atol_k:g};"
                f" greatest |diff| {abs_list[k]:.3g} at {worst}"
                f" (actual {actual_worst[k]:.9g}, expected {expected_worst[k]:.9g})"
            )
        if notes[k]:
            message = (f"{notes[k]}; the values agree within the {dtype} tolerance" if not bad
                       else f"{notes[k]}; and the values differ: {message}")
        results[i] = Comparison(
            shape=_fmt_shape(shape), numel=n, max_abs_err=abs_list[k], max_rel_err=rel_list[k],
            max_ulp=ulp_list[k], mismatched=bad, worst_index=str(worst),
            expected_at_worst=expected_worst[k], actual_at_worst=actual_worst[k],
            rtol=rtol, atol=atol_k, passed=bad == 0 and not notes[k], message=message,
            expected_max=peak_list[k], expected_finite_max=biggest_list[k],
        )
    return results


def compare(expected, actual, dtype, rtol: float, atol: float, scale: float = 0.0, terms=None) -> Comparison:
    """Compare ``actual`` (the engine's, in ``dtype``) with ``expected`` (float64); ``terms``:
    the scale of the terms that made it (crosscheck/checks/budget.py), default max|expected|."""
    return compare_many([(expected, actual)], dtype, rtol, atol, scale, [terms])[0]


def agrees(expected, actual, tol, terms: float | None = None) -> bool:
    """True when ``actual`` is ``expected`` within ``tol`` (a scenarios.Tolerance): the same
    shape, inf and NaN at the same places (with the same signs), and every finite value
    within ``absolute + rtol |expected|``, where the absolute term is ``tol.absolute`` of
    ``expected``, or ``max(atol, scale * terms)`` when the term scale is given (and larger).
    A fast yes/no for matching whole traces (conventions, diagnosis); ``compare`` gives a
    row's statistics."""
    if expected is None or actual is None:
        return False
    try:  # a user's function may return anything: what is not numbers agrees with nothing
        expected, actual = np.asarray(expected, np.float64), np.asarray(actual, np.float64)
    except (TypeError, ValueError):
        return False
    if expected.shape != actual.shape:
        return False
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    if terms is not None and np.isfinite(terms):
        scale = max(scale, float(terms))
    if np.isfinite(scale):  # everything finite in expected: one pass (a NaN or inf in actual fails it)
        with np.errstate(invalid="ignore"):
            return bool(np.all(np.abs(actual - expected) <= max(tol.atol, tol.scale * scale)
                               + tol.rtol * np.abs(expected)))
    finite_e, finite_a = np.isfinite(expected), np.isfinite(actual)
    if not np.array_equal(finite_e, finite_a):
        return False
    same_nonfinite = np.array_equal(np.isnan(expected), np.isnan(actual)) and np.array_equal(
        np.where(np.isinf(expected), expected, 0), np.where(np.isinf(actual), actual, 0))
    absolute = tol.absolute(expected)
    if terms is not None and np.isfinite(terms):
        absolute = max(absolute, tol.scale * float(terms))
    e, a = expected[finite_e], actual[finite_a]
    return same_nonfinite and bool(np.all(np.abs(a - e) <= absolute + tol.rtol * np.abs(e)))
