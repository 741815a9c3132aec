"""Where a gradient goes wrong: the first failing quantity in backprop order, and for
each failing quantity whether it originates there or only inherits an error from above.

Backprop order: (A[L], when a user's forward gave it), dA[L], dZ[L], dW[L], db[L], dA[L-1], dZ[L-1], dW[L-1], ..., db[1], dA[0].
A quantity that fails the reference check *originates here* when it is not what its own
formula gives from the engine's own inputs (e.g. a wrong dZ[l] from a correct-looking
dA[l]: dZ[l] != dA[l] * g'[l](Z[l])); it is *inherited* when it is consistent with its
inputs and one of them already failed.
"""
from __future__ import annotations

import numpy as np

from crosscheck.checks.arrays import compare
from crosscheck.checks.identities import own_formula
from crosscheck.scenarios import tolerance

WHERE_COLUMNS = ["scenario", "engine", "order", "quantity", "layer", "verdict", "first"]


def backprop_order(L: int) -> list[tuple[str, int]]:
    order = [("A", L), ("dA", L)]  # A[L]: a course forward's output, compared when given
    for l in range(L, 0, -1):
        order += [("dZ", l), ("dW", l), ("db", l), ("dA", l - 1)]
    return order


def _derived_from(q: str, l: int, L: int) -> list[tuple[str, int]]:
    """The backward quantities that (q, l) is computed from."""
    if q in ("dW", "db"):
        return [("dZ", l)]
    if q == "dA":
        return [] if l == L else [("dZ", l + 1)]
    return [] if l == L else [("dA", l)]


def localise(problem, trace, failing: set, tol=None, scales=None) -> list[dict]:
    """Verdicts for the failing (quantity, layer) pairs, in backprop order (``tol``: the
    engine's own tolerance, if it has one; else the dtype's; ``scales``: the term scales
    of budget.term_scales, as in the comparison)."""
    scales = scales or {}
    tol = tol or tolerance(problem.scenario.dtype)
    rows = []
    for q, l in backprop_order(problem.scenario.depth):
        if (q, l) not in failing:
            continue
        if q == "A":  # only a user's forward gives its own A[L]: nothing before it to blame
            rows.append({"quantity": q, "layer": l, "first": not rows,
                         "verdict": "originates in the forward pass: its A[L] is not the reference's"})
            continue
        try:
            with np.errstate(all="ignore"):
                expected, inputs = own_formula(problem, trace, q, l)
            own = compare(expected, trace.get(q, l), problem.scenario.dtype, tol.rtol, tol.atol, tol.scale,
                          scales.get((q, l))).passed
        except (AttributeError, TypeError, ValueError, IndexError):  # an input is missing or misshapen
            own, inputs = None, []
        wrong_inputs = [f"{iq}[{il}]" for iq, il in inputs if (iq, il) in failing]
        absent = [f"{iq}[{il}]" for iq, il in _derived_from(q, l, problem.scenario.depth)
                  if trace.given is not None and trace.get(iq, il) is None]
        if own is None and absent:
            verdict = (f"wrong; the function did not return {' or '.join(absent)}, which it is computed from, "
                       "so whether it originates here cannot be told")
        elif own is None:
            verdict = "cannot tell: its inputs are missing or misshapen"
        elif not own:
            verdict = "originates here"
        elif wrong_inputs:
            verdict = f"inherited from {', '.join(wrong_inputs)}"
        else:
            verdict = "consistent with its inputs, which pass: a tolerance edge"
        rows.append({"quantity": q, "layer": l, "verdict": verdict, "first": not rows})
    for order, row in enumerate(rows):
        row["order"] = order
    return rows
