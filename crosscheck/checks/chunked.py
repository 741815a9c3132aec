"""Comparing per-example values made a chunk of examples at a time (reference/examples.py:
Examples), as if they were whole: every example compared, none held at once.

``compare_columns`` (checks/arrays.py) hands the pairs in which either side is an Examples
to ``compare_by_chunks``: for each span of examples, the chunk of every such pair is
compared in one ``compare_columns`` pass (each Examples of a scenario makes all its layers'
chunk of a span at once, so a span is made once), and the chunks' statistics are merged
into the whole pair's: counts summed, greatest errors the greatest of the chunks', the
worst element the first chunk's that has the greatest error (its index offset along the
examples), and the failure message written from the merged statistics.  The absolute term
of the tolerance is the whole array's: its term scale (for per-example values it bounds
max|expected|: checks/budget.py), else a first pass for max|expected|, so a chunk is judged
exactly as the whole array would be.  A chunk an engine cannot make (it is made here, after
its trace returned) fails that pair's row with the reason, never passes it.
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


def whole_pair(expected, actual) -> tuple:
    """A pair that is not compared by chunks, ready for compare_columns' precheck: an Examples
    made whole only where its values are compared (shapes that differ by length-1 axes
    alone); a missing value, or shapes that differ otherwise, need no values (a stand-in of
    the shape and dtype, no memory)."""
    if not (isinstance(expected, Examples) or isinstance(actual, Examples)) or actual is None:
        return expected, actual
    try:
        shapes = [tuple(np.shape(v)) for v in (expected, actual)]
    except (TypeError, ValueError):
        return whole(expected), whole(actual)
    if [tuple(n for n in shape if n != 1) for shape in shapes] == [tuple(n for n in shapes[0] if n != 1)] * 2:
        return whole(expected), whole(actual)
    return tuple(np.broadcast_to(np.zeros((), v.dtype), v.shape) if isinstance(v, Examples) else v
                 for v in (expected, actual))


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
        merged = _compare_spans(spans, group, pairs, dtype, out, scales, terms, compare, precheck)
        with np.errstate(invalid="ignore"):
            again = np.flatnonzero(merged.finite_max > terms).tolist()
        if again:  # a term scale below max|expected| (not budget.py's): the whole array's scale, as unchunked
            terms[again] = merged.finite_max[again]
            redone = _compare_spans(spans, [group[k] for k in again], pairs, dtype, out, scales, terms[again],
                                    compare, precheck)
            merged.replace(again, redone)
        merged.write(group, out, [pairs[i][0].shape for i in group], dtype, message, fmt_shape)


def _compare_spans(spans, group: list[int], pairs: list, dtype, out, scales, terms, compare, precheck) -> "_Merged":
    """The merged statistics of the pairs ``group``, compared span by span."""
    at = np.array(group)
    merged, alive = _Merged(len(group)), list(range(len(group)))
    for number, (a, b) in enumerate(spans):
        chunks = {}
        for k in alive:
            try:  # an engine makes its chunk now, outside its trace: what it raises fails that row
                chunks[k] = tuple(np.asarray(side[a:b]) for side in pairs[group[k]])
            except Exception as exc:  # noqa: BLE001 (an engine's error, whatever it is, is a failure)
                merged.failed(k, f"the per-example values of examples {a}:{b} could not be made: "
                                 f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}")
        alive = list(chunks)
        if not alive:
            break
        for k in alive:  # a dtype or shape mismatch, in whichever chunk it shows first
            note = precheck(*chunks[k], dtype)[2]
            if note and not merged.notes[k]:
                merged.notes[k] = note if number == 0 else f"examples {a}:{b}: {note}"
        rows = at[alive]
        sub = compare([chunks[k] for k in alive], dtype, out.rtol[rows], out.atol[rows], scales[rows], terms[alive])
        merged.add(alive, sub, (a, b), [chunks[k][1] for k in alive])
    return merged


class _Merged:
    """The running statistics of n pairs over their chunks."""

    def __init__(self, n: int):
        nan = np.full(n, np.nan)
        self.numel, self.mismatched = np.zeros(n, np.int64), np.zeros(n, np.int64)
        self.max_abs, self.max_rel, self.max_ulp = np.full(n, -np.inf), np.full(n, -np.inf), np.full(n, -np.inf)
        self.expected_max, self.finite_max, self.atol = np.full(n, -np.inf), np.full(n, -np.inf), nan.copy()
        self.passed = np.ones(n, bool)
        self.worst, self.expected_at, self.actual_at = [""] * n, nan.copy(), nan.copy()
        self.nan, self.inf = np.zeros(n, np.int64), np.zeros(n, np.int64)
        self.notes = [""] * n
        #: {pair: why it was not compared}: values that are not numbers (the first chunk's
        #: message), or a chunk the engine could not make
        self.not_compared: dict = {}

    def failed(self, k: int, why: str) -> None:
        self.not_compared[k] = why

    def add(self, ks: list[int], sub, span: tuple[int, int], actuals: list) -> None:
        """Chunk statistics ``sub`` of pairs ``ks`` (in its order), of the examples ``span``."""
        start = span[0]
        for j in np.flatnonzero(sub.mismatched < 0).tolist():  # -1: not compared (not numbers, another shape)
            self.not_compared.setdefault(ks[j], sub.message[j] if not start else
                                         f"examples {start}:{span[1]}: {sub.message[j]}")
        ks = np.array(ks)
        self.numel[ks] += sub.numel
        self.mismatched[ks] += np.maximum(sub.mismatched, 0)
        worse = sub.max_abs_err > self.max_abs[ks]  # strictly: the first chunk with the greatest error keeps it
        for j in np.flatnonzero(worse).tolist():
            self.worst[ks[j]] = _offset(sub.worst_index[j], start)
        self.expected_at[ks] = np.where(worse, sub.expected_at_worst, self.expected_at[ks])
        self.actual_at[ks] = np.where(worse, sub.actual_at_worst, self.actual_at[ks])
        self.max_abs[ks] = np.fmax(self.max_abs[ks], sub.max_abs_err)
        self.max_rel[ks] = np.maximum(self.max_rel[ks], sub.max_rel_err)  # NaN (inf against inf), as whole
        self.max_ulp[ks] = np.fmax(self.max_ulp[ks], sub.max_ulp)
        self.expected_max[ks] = np.maximum(self.expected_max[ks], sub.expected_max)  # NaN once expected has one
        self.finite_max[ks] = np.fmax(self.finite_max[ks], sub.expected_finite_max)
        self.atol[ks] = np.fmax(self.atol[ks], sub.atol)
        self.passed[ks] &= sub.passed
        for j, values in enumerate(actuals):  # a failure's message counts NaN and inf among all the values
            if values.dtype.kind in "fc":
                self.nan[ks[j]] += int(np.isnan(values).sum())
                self.inf[ks[j]] += int(np.isinf(values).sum())

    def replace(self, ks: list[int], other: "_Merged") -> None:
        """Pairs ``ks`` as ``other`` has them (in its order): compared again."""
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(mine, np.ndarray):
                mine[ks] = value
            elif isinstance(mine, list):
                for j, k in enumerate(ks):
                    mine[k] = value[j]
        self.not_compared = {k: why for k, why in self.not_compared.items() if k not in ks}
        self.not_compared.update({ks[j]: why for j, why in other.not_compared.items()})

    def write(self, group: list[int], out, shapes: list, dtype, message, fmt_shape) -> None:
        for k, i in enumerate(group):
            out.shape[i] = fmt_shape(tuple(shapes[k]))
            if k in self.not_compared:  # not compared: why (passed stays False, mismatched -1)
                out.message[i] = self.not_compared[k]
                continue
            out.worst_index[i] = self.worst[k]
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
