"""The hand-written NumPy reference, run in the scenario's dtype, as an engine."""
from __future__ import annotations

import numpy as np

from crosscheck import reference
from crosscheck.adapters.base import Engine, Trace
from crosscheck.checks.per_example import per_example_chunk


class NumpyReference(Engine):
    """The article's formulas (``reference.trace``) in the scenario's dtype, with the
    per-example gradients x(a - y) of each example (reference/gradients.py)."""

    name = "numpy"
    per_example_gradients = True

    def trace(self, problem) -> Trace:
        s = problem.scenario
        with np.errstate(all="ignore"):  # a saturated float32 output gives inf in [1]: reported, not warned
            return reference.trace(problem.parameters, problem.X, problem.Y, s.activations, loss=s.loss,
                                   per_example=per_example_chunk(s))
