"""Comparing per-example values made a chunk of examples at a time (reference/examples.py:
Examples), as if they were whole: every example compared, none held at once.

``compare_columns`` (checks/arrays.py) hands the pairs in which either side is an Examples
to ``compare_by_chunks``: for each span of examples, the chunk of every such pair is
compared in one ``compare_columns`` pass (each Examples of a scenario makes all its layers'
chunk of a span at once, so a span is made once), and the chunks' statistics are merged
into the whole pair's: counts summed, greatest errors the greatest of the chunks', the
worst element the first chunk's that has the greatest error (its index offset along the
examples), and the failure message written from the merged statistics.  The absolute term
of the tolerance is the whole array's (its term scale, else a first pass for
max|expected|), so a chunk is judged exactly as the whole array would be.
"""
from __future__ import annotations

import re

import numpy as np

from crosscheck.reference.examples import Examples


def chunked(expected, actual) -> bool:
    """Whether the pair is compared by chunks: either side an Examples, both of one shape."""
    if not (isinstance(expected, Examples) or isinstance(actual, Examples)) or actual is None or expected is None:
        return False
    try:
        return tuple(expected.shape) == tuple(actual.shape)
    except AttributeError:  # a user's value that is not an array: made whole, compared as it is
        return False


def whole(value):
    """``value``, an Examples made whole (for a pair whose shapes differ: a failure's rare path)."""
    return np.asarray(value) if isinstance(value, Examples) else value


def _spans(expected, actual) -> list[tuple[int, int]]:
    return (expected if isinstance(expected, Examples) else actual).spans()


def _largest(expected) -> float:
    """max|expected| over its finite elements, chunk by chunk (the whole array's scale)."""
    largest = 0.0
    for a, b in expected.spans() if isinstance(expected, Examples) else [(0, len(expected))]:
        magnitude = np.abs(np.asarray(expected[a:b], np.float64))
        finite = magnitude[np.isfinite(magnitude)]
        largest = max(largest, float(finite.max()) if finite.size else 0.0)
    return largest


def compare_by_chunks(indices: list[int], pairs: list, dtype, out, scales: np.ndarray, given: np.ndarray,
                      compare, precheck, message, fmt_shape) -> None:
    """Compare the pairs ``indices`` of ``pairs`` chunk by chunk and write their merged
    statistics into ``out`` (a Compared); ``compare``: compare_columns, ``precheck``,
    ``message`` and ``fmt_shape``: its helpers (checks/arrays.py)."""
    groups: dict = {}
    for i in indices:  # pairs of one batch and chunk go span by span together
        groups.setdefault(tuple(_spans(*pairs[i])), []).append(i)
    for spans, group in groups.items():
        at = np.array(group)
        terms = given[at].copy()
        for k in np.flatnonzero(np.isnan(terms)).tolist():
            terms[k] = _largest(pairs[group[k]][0])
        merged = _Merged(len(group))
        for number, (a, b) in enumerate(spans):
            chunks = [(np.asarray(pairs[i][0][a:b]), np.asarray(pairs[i][1][a:b])) for i in group]
            if number == 0:
                merged.notes = [precheck(e, x, dtype)[2] for e, x in chunks]
            sub = compare(chunks, dtype, out.rtol[at], out.atol[at], scales[at], terms)
            merged.add(sub, a, [x for _, x in chunks])
        merged.write(group, out, spans[-1][1], [pairs[i][0].shape for i in group], dtype, message, fmt_shape)


class _Merged:
    """The running statistics of n pairs over their chunks."""

    def __init__(self, n: int):
        nan = np.full(n, np.nan)
        self.numel, self.mismatched = np.zeros(n, np.int64), np.zeros(n, np.int64)
        self.max_abs, self.max_rel, self.max_ulp = np.full(n, -np.inf), np.full(n, -np.inf), np.full(n, -np.inf)
        self.expected_max, self.finite_max, self.atol = np.full(n, -np.inf), np.full(n, -np.inf), nan.copy()
        self.passed, self.compared = np.ones(n, bool), np.ones(n, bool)
        self.worst, self.expected_at, self.actual_at = [""] * n, nan.copy(), nan.copy()
        self.nan, self.inf = np.zeros(n, np.int64), np.zeros(n, np.int64)
        self.notes, self.first = [""] * n, None

    def add(self, sub, start: int, actuals: list) -> None:
        if self.first is None:
            self.first = sub
        self.compared &= sub.mismatched >= 0  # -1: not compared (values that are not numbers)
        self.numel += sub.numel
        self.mismatched += np.maximum(sub.mismatched, 0)
        worse = sub.max_abs_err > self.max_abs  # strictly: the first chunk with the greatest error keeps it
        for k in np.flatnonzero(worse).tolist():
            self.worst[k] = _offset(sub.worst_index[k], start)
        self.expected_at = np.where(worse, sub.expected_at_worst, self.expected_at)
        self.actual_at = np.where(worse, sub.actual_at_worst, self.actual_at)
        self.max_abs = np.fmax(self.max_abs, sub.max_abs_err)
        self.max_rel = np.fmax(self.max_rel, sub.max_rel_err)
        self.max_ulp = np.fmax(self.max_ulp, sub.max_ulp)
        self.expected_max = np.maximum(self.expected_max, sub.expected_max)  # NaN once expected has one
        self.finite_max = np.fmax(self.finite_max, sub.expected_finite_max)
        self.atol = np.fmax(self.atol, sub.atol)
        self.passed &= sub.passed
        for k in np.flatnonzero(sub.mismatched > 0).tolist():  # a failure's message counts NaN and inf
            values = np.asarray(actuals[k], np.float64)
            self.nan[k] += int(np.isnan(values).sum())
            self.inf[k] += int(np.isinf(values).sum())

    def write(self, group: list[int], out, m: int, shapes: list, dtype, message, fmt_shape) -> None:
        for k, i in enumerate(group):
            if not self.compared[k]:  # not compared: the first chunk's row says why
                first = self.first.comparison(k)
                out.shape[i], out.message[i] = fmt_shape(tuple(shapes[k])), first.message
                continue
            out.shape[i], out.worst_index[i] = fmt_shape(tuple(shapes[k])), self.worst[k]
            for name, value in (("numel", self.numel), ("mismatched", self.mismatched), ("max_abs_err", self.max_abs),
                                ("max_rel_err", self.max_rel), ("max_ulp", self.max_ulp), ("atol", self.atol),
                                ("expected_at_worst", self.expected_at), ("actual_at_worst", self.actual_at),
                                ("expected_max", self.expected_max), ("expected_finite_max", self.finite_max),
                                ("passed", self.passed)):
                getattr(out, name)[i] = value[k]
            if not out.passed[i]:
                out.message[i] = message((int(self.nan[k]), int(self.inf[k])), out.comparison(i), self.notes[k], dtype)


def _offset(index: str, start: int) -> str:
    """``index`` ("(i, j, k)", within a chunk) with ``start`` added to its first coordinate."""
    return re.sub(r"^\((\d+)", lambda found: f"({int(found.group(1)) + start}", index) if start else index


def agrees_by_chunks(expected, actual, tol, terms, agrees) -> bool:
    """``agrees`` (checks/arrays.py) of a pair in which either side is an Examples, chunk by
    chunk, with the whole array's scale."""
    if not chunked(expected, actual):
        return agrees(whole(expected), whole(actual), tol, terms)
    scale = _largest(expected)
    scale = max(scale, float(terms)) if terms is not None and np.isfinite(terms) else scale
    return all(agrees(expected[a:b], actual[a:b], tol, scale) for a, b in _spans(expected, actual))
