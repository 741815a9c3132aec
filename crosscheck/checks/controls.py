"""Negative controls: ``A-Y`` on an output/loss pair where it must not hold.

The row passes when the identity indeed does not hold (status ``expected not to hold``),
fails when it holds, and is ``inconclusive`` when the two formulas are closer than the
dtype can tell apart.
"""
from __future__ import annotations

import numpy as np

from crosscheck.checks.arrays import compare


def indistinguishable(problem, ref, tol, terms=None) -> bool:
    """True when the reference's own dZ[L] (chain rule) passes for A - Y under twice
    ``tol``: an engine's values may be off by up to ``tol`` either way, so a difference
    of the formulas under 2 x tol cannot be seen through them, and the negative control
    cannot show anything at this precision (``terms``: dZ[L]'s term scale, as its row)."""
    L = problem.scenario.depth
    a_minus_y = ref.A[L] - np.asarray(problem.Y, np.float64)
    return compare(ref.dZ[L], a_minus_y, "float64", 2 * tol.rtol, 2 * tol.atol, 2 * tol.scale,
                   terms).passed


def negative_control(s, identity_held: bool) -> dict:
    """``passed`` and ``message`` of a negative control: passing means not holding."""
    pair = f"{s.activations[-1]} output with {s.loss}"
    if identity_held:
        return {"passed": False, "message": f"A - Y holds for a {pair}, where it must not: "
                                            f"dZ[L] = dA[L] * g'(Z[L]) differs from A - Y there"}
    return {"passed": True, "message": f"expected not to hold ({pair} is not a canonical pair); "
                                       f"check chain verifies dZ[L] = dA[L] * g'(Z[L]) instead"}
