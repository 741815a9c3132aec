"""A formula mutant planted in another engine's place: that engine's own results, changed
by exactly what the mutant's formula changes.

``crosscheck mutants --planted-in ENGINE`` asks whether the checks would catch each slip of
the catalogue in rows that carry ``ENGINE``'s rounding, dtypes and conventions (TensorFlow's,
MLX's, a third-party engine's), not only in the NumPy reference's own: each mutant's change
is its float64 trace minus the float64 reference's, added to the engine's values in float64
and rounded back to the engine's dtype (a slip that changes a shape gives its own array,
in the engine's dtype).  An equivalent mutant changes nothing, so its rows are the engine's own.
"""
from __future__ import annotations

import numpy as np

from crosscheck import reference
from crosscheck.adapters.base import Engine
from crosscheck.checks.per_example import per_example_chunk
from crosscheck.reference.examples import Examples
from crosscheck.reference.trace import PER_EXAMPLE, QUANTITIES, Trace


class HostTraces:
    """One engine's traces, each scenario's computed once for every mutant planted in it (or
    the exception it raised, raised again), and the float64 reference's beside them."""

    def __init__(self, engine: Engine):
        self.engine, self._done, self._right = engine, {}, {}

    def reference(self, problem) -> Trace:
        """The float64 reference trace of ``problem``, once per scenario."""
        key = problem.scenario.id
        if key not in self._right:
            s, p = problem.scenario, problem.astype(np.float64)
            with np.errstate(all="ignore"):
                self._right[key] = reference.trace(p.parameters, p.X, p.Y, s.activations, loss=s.loss,
                                                   per_example=per_example_chunk(s))
        return self._right[key]

    def trace(self, problem) -> Trace:
        key = problem.scenario.id
        if key not in self._done:
            try:
                self._done[key] = self.engine.trace(problem), None
            except Exception as exc:  # Unsupported, NotApplicable, a crash: the host's own status
                self._done[key] = None, exc
        trace, exc = self._done[key]
        if exc is not None:
            raise exc
        return trace


class PlantedMutant(Engine):
    """Mutant ``m`` in the place of the engine behind ``host`` (a HostTraces)."""

    def __init__(self, m, host: HostTraces):
        super().__init__()
        engine = host.engine
        self.mutant, self.host = m, host
        self.name = f"{engine.name}+mutant:{m.id}"
        self.dtypes, self.tolerance, self.compares = engine.dtypes, engine.tolerance, engine.compares
        self.conventions = engine.conventions  # the host's own, which must not explain a slip away

    def trace(self, problem) -> Trace:
        own, right = self.host.trace(problem), self.host.reference(problem)
        s, p = problem.scenario, problem.astype(np.float64)
        with np.errstate(all="ignore"):
            wrong = reference.trace(p.parameters, p.X, p.Y, s.activations, loss=s.loss, formulas=self.mutant.formulas,
                                    per_example=per_example_chunk(s))
            planted = {}
            for q in QUANTITIES + PER_EXAMPLE:  # a host's per-example values get the mutant's change too
                mine = getattr(own, q)
                if mine is None:  # a host without per-example gradients: none planted
                    planted[q] = None
                    continue
                planted[q] = {}
                for l, value in mine.items():
                    bad, good = wrong.get(q, l), right.get(q, l)
                    if isinstance(value, Examples):  # made a chunk at a time: the change too
                        planted[q][l] = _planted_examples(value, bad, good)
                        continue
                    value = np.asarray(value)
                    if np.shape(bad) != np.shape(good):  # a slip of shape (db without keepdims): the slip's own array
                        planted[q][l] = np.asarray(bad).astype(value.dtype)
                        continue
                    change = np.asarray(bad, np.float64) - np.asarray(good, np.float64)
                    planted[q][l] = (value.astype(np.float64) + change.reshape(value.shape)).astype(value.dtype)
        return Trace(**planted)


def _planted_examples(value: Examples, bad, good) -> Examples:
    """``value`` (an engine's per-example values, made by chunks) plus the mutant's change
    ``bad - good``, chunk by chunk; the mutant's own values where it changes their shape."""
    if bad.shape != good.shape:
        return bad.map(lambda chunk, a, b: chunk.astype(value.dtype), value.dtype)
    return value.map(lambda chunk, a, b: (chunk.astype(np.float64) + (np.asarray(bad[a:b], np.float64)
                                                                      - np.asarray(good[a:b], np.float64))
                                          ).astype(value.dtype))
