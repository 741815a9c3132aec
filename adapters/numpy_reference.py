"""The hand-written NumPy reference, run in the scenario's dtype, as an engine."""
from __future__ import annotations

import numpy as np

import reference
from adapters.base import Adapter, Trace


class NumpyReference(Adapter):
    """The article's formulas (``reference.trace``) in the scenario's dtype."""

    name = "numpy"

    def trace(self, problem) -> Trace:
        s = problem.scenario
        with np.errstate(all="ignore"):  # a saturated float32 output gives inf in [1]: reported, not warned
            return Trace(**reference.trace(problem.parameters, problem.X, problem.Y, s.activations, loss=s.loss))
