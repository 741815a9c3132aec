"""Comparing one array with its expected value: shape, dtype, then error statistics.

As ``torch.testing.assert_close``: shape and dtype are checked before values, an element
matches when ``|actual - expected| <= atol + rtol * |expected|`` (NaN never matches), with
``atol = max(floor, scale * max|expected|)``: the absolute term is a multiple of the
array's own scale (scenarios/tolerances.py says why), and
a failure reports statistics (how many elements mismatch, the greatest absolute and
relative difference, where, both sides there, the tolerance) rather than a dump.
Tolerances are per element and never scaled by the array size.

One implementation, ``compare_columns``: many pairs in vectorised passes, each with its
own tolerance if need be (every engine of a scenario at once), its statistics as
columns (``Compared``); ``compare`` and ``compare_many`` give it as Comparisons.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from crosscheck.checks.chunked import agrees_by_chunks, chunked, compare_by_chunks, whole_pair
from crosscheck.reference.examples import Examples
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


def ulp_distance(expected: np.ndarray, actual: np.ndarray, dtype) -> np.ndarray:
    """Number of representable ``dtype`` values between expected (rounded) and actual.

    On the floats' bits read as integers: of two floats of the same sign, the difference
    of their bits; of opposite signs (-0.0 and +0.0 both 0 from zero), the sum of their
    magnitude bits, in float64 (the integer sum may wrap around)."""
    dtype = numpy_dtype(str(dtype))
    ints = {2: np.int16, 4: np.int32, 8: np.int64}[dtype.itemsize]
    a = np.asarray(expected, dtype=np.float64).astype(dtype, copy=False).view(ints)
    b = np.asarray(actual).astype(dtype, copy=False).view(ints)
    distance = np.subtract(a, b)
    distance = np.abs(distance, out=distance).astype(np.float64)
    opposite = np.flatnonzero(np.bitwise_xor(a, b) < 0)
    if opposite.size:
        magnitude = np.iinfo(ints).max  # every bit but the sign's
        distance[opposite] = (a[opposite] & magnitude).astype(np.float64) + (b[opposite] & magnitude).astype(np.float64)
    return distance


@lru_cache(maxsize=None)
def _fmt_shape(shape: tuple) -> str:
    return "x".join(map(str, shape)) if len(shape) else "scalar"


def _precheck(expected, actual, dtype):
    """(expected, actual, note) ready to compare, or (None, shape, message) of a pair that is
    not compared: missing, or a shape of another size.  A dtype mismatch, or a shape of the
    same size (a scalar db of a one-unit layer), fails, but its values are still compared
    (the note says so)."""
    if actual is None:
        return None, "", "missing: the engine gave no value"
    expected = np.asarray(expected, dtype=np.float64)
    actual = np.asarray(actual)
    if actual.shape == expected.shape and actual.dtype == dtype:  # the common case
        return expected, actual, ""
    note = ""
    if actual.shape != expected.shape:
        note = f"shape mismatch: got {_fmt_shape(actual.shape)}, expected {_fmt_shape(expected.shape)}"
        squeezed = [tuple(n for n in x.shape if n != 1) for x in (actual, expected)]
        if squeezed[0] != squeezed[1] or actual.dtype.kind not in "fiub":  # a transpose stays a shape error
            return None, _fmt_shape(actual.shape), note
        actual = actual.reshape(expected.shape)  # only length-1 axes differ (a scalar db of a 1x1): compare values
    if actual.dtype != dtype:
        if actual.dtype.kind not in "fiub":
            return None, _fmt_shape(actual.shape), (f"dtype mismatch: got {actual.dtype}, expected {dtype}; "
                                                    "not numbers, not compared")
        note = "; ".join(filter(None, [note, f"dtype mismatch: returned {actual.dtype} for a {dtype} scenario"]))
    return expected, actual, note


#: compare_columns works through at most this many elements at a time (bounds its temporaries).
CHUNK_ELEMENTS = 1 << 20


@dataclass(frozen=True)
class Compared:
    """Many comparisons as columns, Comparison's fields in its order: element i of each is
    pair i's (NumPy arrays for numbers, lists for text), so that a caller can work on all
    of them at once and make a Comparison only where it needs one."""

    shape: list
    numel: np.ndarray
    max_abs_err: np.ndarray
    max_rel_err: np.ndarray
    max_ulp: np.ndarray
    mismatched: np.ndarray
    worst_index: list
    expected_at_worst: np.ndarray
    actual_at_worst: np.ndarray
    rtol: np.ndarray
    atol: np.ndarray
    passed: np.ndarray
    message: list
    expected_max: np.ndarray
    expected_finite_max: np.ndarray

    def __len__(self) -> int:
        return len(self.shape)

    def comparison(self, i: int) -> Comparison:
        """Pair ``i``'s Comparison (Python numbers, as ``compare`` gives them)."""
        return Comparison._make(c[i].item() if isinstance(c, np.ndarray) else c[i]
                                for c in map(self.__getattribute__, Comparison._fields))

    def comparisons(self) -> list[Comparison]:
        columns = [c.tolist() if isinstance(c, np.ndarray) else c for c in map(self.__getattribute__,
                                                                                Comparison._fields)]
        return list(map(Comparison._make, zip(*columns)))


def _per_pair(value, n: int) -> np.ndarray:
    """``value`` (one number, or one per pair) as a float64 array of one per pair."""
    return np.array(np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)))


def compare_columns(pairs, dtype, rtol, atol, scale=0.0, terms=None) -> Compared:
    """``compare`` for many (expected, actual) pairs at once, as columns.  ``rtol``, ``atol``
    and ``scale``: one number for every pair, or one per pair (the engines of a scenario,
    each judged by its own tolerance); ``terms``: one term scale (or None) per pair.

    Vectorised passes over all their elements, then per-array reductions (the harness
    compares ~100 small arrays per scenario and engine; one NumPy call per statistic per
    array would dominate its time), in chunks of about CHUNK_ELEMENTS elements, so memory
    stays bounded.  Python per pair is left for the precheck and a failure's message."""
    pairs = list(pairs)
    n, dtype = len(pairs), numpy_dtype(str(dtype))
    nan = np.full(n, np.nan)
    out = Compared(shape=[""] * n, numel=np.zeros(n, np.int64), max_abs_err=nan.copy(), max_rel_err=nan.copy(),
                   max_ulp=nan.copy(), mismatched=np.full(n, -1, np.int64), worst_index=[""] * n,
                   expected_at_worst=nan.copy(), actual_at_worst=nan.copy(), rtol=_per_pair(rtol, n),
                   atol=_per_pair(atol, n), passed=np.zeros(n, bool), message=[""] * n,
                   expected_max=nan.copy(), expected_finite_max=nan.copy())
    given = np.array([np.nan if t is None else t for t in terms], np.float64) if terms is not None else nan
    scales = _per_pair(scale, n)
    by_chunks = [i for i, (e, a) in enumerate(pairs) if chunked(e, a)]
    if by_chunks:  # per-example values made by chunks of examples (checks/chunked.py)
        compare_by_chunks(by_chunks, pairs, dtype, out, scales, given, compare_columns, _precheck, _message, _fmt_shape)
    skip = set(by_chunks)
    prepared = [(None, None, None) if i in skip else _precheck(*whole_pair(e, a), dtype)
                for i, (e, a) in enumerate(pairs)]
    chunk, size = [], 0
    for i, (expected, actual, note) in enumerate(prepared):
        if i in skip:
            continue
        if expected is None:  # not compared: the shape it had, and why
            out.shape[i], out.message[i] = actual, note
        elif not expected.size:  # nothing to compare: passes
            out.shape[i], out.worst_index[i] = _fmt_shape(expected.shape), "()"
            out.max_abs_err[i] = out.max_rel_err[i] = out.max_ulp[i] = out.numel[i] = out.mismatched[i] = 0
            out.passed[i] = True
        else:
            if chunk and size + expected.size > CHUNK_ELEMENTS:
                _compare_chunk(chunk, prepared, dtype, scales, given, out)
                chunk, size = [], 0
            chunk.append(i)
            size += expected.size
    if chunk:
        _compare_chunk(chunk, prepared, dtype, scales, given, out)
    return out


def _index_text(offsets: np.ndarray, shapes: list) -> list[str]:
    """``str(np.unravel_index(offset, shape))`` of each flat offset into its shape, as ints."""
    texts = ["()"] * len(shapes)
    ndims = np.array([len(s) for s in shapes])
    for ndim in np.unique(ndims).tolist():
        if ndim == 0:
            continue
        at = np.flatnonzero(ndims == ndim)
        dims = np.array([shapes[k] for k in at.tolist()], dtype=np.int64)
        rest, coordinates = offsets[at], []
        for axis in range(ndim - 1, -1, -1):  # C order: the last axis varies fastest
            rest, index = np.divmod(rest, dims[:, axis])
            coordinates.append(index.tolist())
        for k, index in zip(at.tolist(), zip(*reversed(coordinates))):
            texts[k] = _index_str(index)
    return texts


@lru_cache(maxsize=1 << 14)
def _index_str(index: tuple) -> str:
    return str(index)  # one string per index, shared by every row that has it (a few thousand differ)


def _compare_chunk(chunk: list[int], prepared: list, dtype, scales, given, out: Compared) -> None:
    """The statistics of the pairs ``chunk`` (indices into ``prepared``), written into ``out``.
    A pass that only a NaN or an infinity needs is made only when there is one."""
    expecteds = [prepared[i][0] for i in chunk]
    actuals = [prepared[i][1] for i in chunk]
    notes = [prepared[i][2] for i in chunk]
    at = np.array(chunk)
    sizes = np.array([e.size for e in expecteds])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    expected = np.concatenate([e.ravel() for e in expecteds])
    if any(notes):  # a value returned in another dtype is judged as the dtype's
        a64 = np.concatenate([a.ravel().astype(np.float64) for a in actuals])
        actual = a64.astype(dtype)
    else:
        actual = np.concatenate([a.ravel() for a in actuals])
        a64 = actual if actual.dtype == np.float64 else actual.astype(np.float64)
    magnitude = np.abs(expected)
    peaks = np.maximum.reduceat(magnitude, starts)  # NaN where expected has a NaN
    biggest = peaks if np.isfinite(peaks).all() else \
        np.maximum.reduceat(np.where(np.isfinite(magnitude), magnitude, 0.0), starts)
    # the absolute term: ``scale`` times the array's scale (its terms' when given, else
    # max|expected|), never below atol
    terms = given[at]
    atols = np.maximum(out.atol[at], scales[at] * np.where(np.isnan(terms), biggest, np.fmax(terms, biggest)))
    rtols = out.rtol[at]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        abs_err = np.subtract(a64, expected)
        np.abs(abs_err, out=abs_err)
        max_abs = np.maximum.reduceat(abs_err, starts)
        nan = np.isnan(max_abs).any()  # a NaN on either side (or inf - inf): a mismatch
        if nan:
            abs_err[np.isnan(abs_err)] = np.inf
            max_abs = np.maximum.reduceat(abs_err, starts)
        rel_err = np.zeros_like(abs_err)
        np.divide(abs_err, magnitude, out=rel_err, where=abs_err != 0)
        bound = magnitude * (rtols[0] if (rtols == rtols[0]).all() else np.repeat(rtols, sizes))
        bound += np.repeat(atols, sizes)
        n_bad = sizes - np.add.reduceat(abs_err <= bound, starts, dtype=np.int64)
    ulp = ulp_distance(expected, actual, dtype)
    if nan:
        ulp[np.isnan(a64) | np.isnan(expected)] = np.inf
    at_max = np.flatnonzero(abs_err == np.repeat(max_abs, sizes))  # ascending: the first per array is argmax
    segment = np.searchsorted(starts, at_max, side="right") - 1
    worst = at_max[np.flatnonzero(np.diff(segment, prepend=-1))]
    out.numel[at], out.max_abs_err[at], out.mismatched[at], out.atol[at] = sizes, max_abs, n_bad, atols
    out.max_rel_err[at] = np.maximum.reduceat(rel_err, starts)
    out.max_ulp[at] = np.maximum.reduceat(ulp, starts)
    out.expected_at_worst[at], out.actual_at_worst[at] = expected[worst], a64[worst]
    out.expected_max[at], out.expected_finite_max[at] = peaks, biggest
    noted = np.array([bool(note) for note in notes])
    out.passed[at] = (n_bad == 0) & ~noted
    for i, e, index in zip(chunk, expecteds, _index_text(worst - starts, [e.shape for e in expecteds])):
        out.shape[i], out.worst_index[i] = _fmt_shape(e.shape), index
    for k in np.flatnonzero((n_bad > 0) | noted).tolist():  # a failure's message: rare
        values = a64[starts[k]:starts[k] + sizes[k]]
        out.message[chunk[k]] = _message((int(np.isnan(values).sum()), int(np.isinf(values).sum())),
                                         out.comparison(chunk[k]), notes[k], dtype)


def _message(nonfinite: tuple[int, int], c: Comparison, note: str, dtype) -> str:
    """The message of a compared pair that fails: its statistics, after ``note`` (a shape
    or dtype mismatch) when there is one; ``nonfinite``: how many of the actual values are
    NaN and how many infinite."""
    message = ""
    if c.mismatched:
        nonfinite = [f"{count} {what}" for count, what in zip(nonfinite, ("NaN", "inf")) if count]
        message = (
            (f"{', '.join(nonfinite)} among the values; " if nonfinite else "")
            + f"{c.mismatched} of {c.numel} elements ({100.0 * c.mismatched / c.numel:.1f}%) outside "
            f"rtol={c.rtol:g}, atol={c.atol:g}; greatest |diff| {c.max_abs_err:.3g} at {c.worst_index}"
            f" (actual {c.actual_at_worst:.9g}, expected {c.expected_at_worst:.9g})"
        )
    if note:
        message = (f"{note}; the values agree within the {dtype} tolerance" if not c.mismatched
                   else f"{note}; and the values differ: {message}")
    return message


def compare_many(pairs, dtype, rtol: float, atol: float, scale: float = 0.0, terms=None) -> list[Comparison]:
    """``compare`` for many (expected, actual) pairs at once: ``compare_columns``, one
    Comparison per pair."""
    pairs = list(pairs)
    return compare_columns(pairs, dtype, rtol, atol, scale, terms).comparisons()


def compare(expected, actual, dtype, rtol: float, atol: float, scale: float = 0.0, terms=None) -> Comparison:
    """Compare ``actual`` (the engine's, in ``dtype``) with ``expected`` (float64); ``terms``:
    the scale of the terms that made it (crosscheck/checks/budget.py), default max|expected|."""
    return compare_columns([(expected, actual)], dtype, rtol, atol, scale, [terms]).comparison(0)


def agrees(expected, actual, tol, terms: float | None = None) -> bool:
    """True when ``actual`` is ``expected`` within ``tol`` (a scenarios.Tolerance): the same
    shape, inf and NaN at the same places (with the same signs), and every finite value
    within ``absolute + rtol |expected|``, where the absolute term is ``tol.absolute`` of
    ``expected``, or ``max(atol, scale * terms)`` when the term scale is given (and larger).
    A fast yes/no for matching whole traces (conventions, diagnosis); ``compare`` gives a
    row's statistics."""
    if expected is None or actual is None:
        return False
    if isinstance(expected, Examples) or isinstance(actual, Examples):  # made by chunks of examples
        return agrees_by_chunks(expected, actual, tol, terms, agrees)
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
