"""The hand-written NumPy reference, run in the scenario's dtype, as an engine."""
from __future__ import annotations

import numpy as np

from crosscheck import reference
from crosscheck.adapters.base import Engine, Trace


class NumpyReference(Engine):
    """The article's formulas (``reference.trace``) in the scenario's dtype."""

    name = "numpy"

    def trace(self, problem) -> Trace:
        s = problem.scenario
        with np.errstate(all="ignore"):  # a saturated float32 output gives inf in [1]: reported, not warned
            return reference.trace(problem.parameters, problem.X, problem.Y, s.activations, loss=s.loss)
