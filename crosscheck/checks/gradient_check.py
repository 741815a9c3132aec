"""The course's gradient-check "difference" over the whole parameter vector.

``difference = norm(g - g_ref) / (norm(g) + norm(g_ref))`` with g the engine's dW[1],
db[1], ..., dW[L], db[L] flattened into one vector and g_ref the float64 reference's.
The course's exercise fails above 2e-7 (meant for float64 and finite differences).
"""
from __future__ import annotations

import numpy as np

from crosscheck.reference.trace import Trace

COURSE_THRESHOLD = 2e-7


def gradient_check_difference(ref: Trace, trace) -> float:
    """The difference, or NaN when the engine gave no trace or a missing or misshapen gradient."""
    if trace is None:
        return float("nan")
    g, g_ref = [], []
    for q in ("dW", "db"):
        for l, expected in ref.layers(q).items():
            actual = trace.get(q, l)
            if actual is None or np.shape(actual) != expected.shape:
                return float("nan")
            g.append(np.asarray(actual, np.float64).ravel())
            g_ref.append(expected.ravel())
    g, g_ref = np.concatenate(g), np.concatenate(g_ref)
    denominator = np.linalg.norm(g) + np.linalg.norm(g_ref)
    return float(np.linalg.norm(g - g_ref) / denominator) if denominator else 0.0
