"""Where a gradient goes wrong: the first failing quantity in backprop order, and for
each failing quantity whether it originates there or only inherits an error from above.

Backprop order: (A[L], when a user's forward gave it), dA[L], dZ[L], dW[L], db[L], dA[L-1], dZ[L-1], dW[L-1], ..., db[1], dA[0].
A quantity that fails the reference check *originates here* when it is not what its own
formula gives from the engine's own inputs (e.g. a wrong dZ[l] from a correct-looking
dA[l]: dZ[l] != dA[l] * g'[l](Z[l])); it is *inherited* when it is consistent with its
inputs and one of them already failed.

A quantity whose values agree with the reference's and whose only fault is its form (a
shape that differs by length-1 axes, a db squeezed to 1-D, or its dtype) is not where the
values go wrong: quantities with wrong values come first (in backprop order), then those
(``FORM_ONLY`` in their verdict), so that ``first`` names the first wrong values.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from crosscheck.checks.arrays import compare, compare_many
from crosscheck.checks.identities import own_formula
from crosscheck.reference.trace import QUANTITIES, Trace
from crosscheck.scenarios import tolerance
from crosscheck.scenarios.dtypes import numpy_dtype

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


#: The start of the verdict of a failing quantity whose values agree with the reference's.
FORM_ONLY = "its values agree with the reference's"


def conform(value, shape):
    """``value`` as an array of ``shape`` where its own shape differs from it only by
    length-1 axes (a db squeezed to 1-D: the reference check compares such values, and
    fails the row for its shape alone), else ``value`` as it is."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):  # a user's function may return anything
        return value
    if value is None or array.shape == tuple(shape) or array.dtype.kind not in "fiub":
        return value
    same = [n for n in array.shape if n != 1] == [n for n in shape if n != 1]
    return array.reshape(shape) if same else value


def _shapes(problem) -> dict:
    """{(quantity, layer): its shape} for the quantities of backprop_order."""
    sizes, m = problem.scenario.layer_sizes, np.shape(problem.X)[1]
    shapes = {("A", len(sizes) - 1): (sizes[-1], m)}
    for l in range(1, len(sizes)):
        shapes |= {("dA", l): (sizes[l], m), ("dZ", l): (sizes[l], m), ("dW", l): (sizes[l], sizes[l - 1]),
                   ("db", l): (sizes[l], 1), ("dA", l - 1): (sizes[l - 1], m)}
    return shapes


def _conformed(trace: Trace, shapes: dict) -> Trace:
    """``trace`` with its values in the quantities' shapes (``conform``)."""
    layers = {q: dict(trace.layers(q)) for q in QUANTITIES}
    for (q, l), shape in shapes.items():
        if trace.get(q, l) is not None:
            layers[q][l] = conform(trace.get(q, l), shape)
    return replace(trace, **layers)


def _form_only(problem, trace, keys, tol, scales: dict, ref) -> dict:
    """{(quantity, layer): what fails there} for the failing quantities whose values agree
    with the reference's (compared as the reference check compares them), so that only
    their shape or dtype fails; ``keys``: those whose shape or dtype is not the quantity's
    (the others fail by their values, or are missing)."""
    if ref is None:
        from crosscheck.scenarios.problem import reference_trace

        ref = reference_trace(problem)
    pairs = [(ref.get(q, l), trace.get(q, l)) for q, l in keys]
    found = {}
    for key, (expected, actual), c in zip(keys, pairs, compare_many(
            [(None, None) if e is None else (e, a) for e, a in pairs], problem.scenario.dtype, tol.rtol, tol.atol,
            tol.scale, [scales.get(k) for k in keys])):
        if expected is not None and actual is not None and c.mismatched == 0 and c.numel > 0:
            found[key] = c.message.split("; the values agree")[0] or "its form"
    return found


def localise(problem, trace, failing: set, tol=None, scales=None, ref=None) -> list[dict]:
    """Verdicts for the failing (quantity, layer) pairs: those whose values are wrong in
    backprop order, then those whose values agree and only their shape or dtype does not
    (``tol``: the engine's own tolerance, if it has one; else the dtype's; ``scales``: the
    term scales of budget.term_scales, as in the comparison; ``ref``: the float64 reference
    trace the rows were compared with, computed here when not given).  A value whose shape
    differs only by length-1 axes is judged on its values, in the reference's shape."""
    scales = scales or {}
    tol = tol or tolerance(problem.scenario.dtype)
    keys = [k for k in backprop_order(problem.scenario.depth) if k in failing]
    shapes, dtype = _shapes(problem), numpy_dtype(problem.scenario.dtype)
    odd = [k for k in keys if trace.get(*k) is not None
           and (np.shape(trace.get(*k)) != shapes[k] or getattr(trace.get(*k), "dtype", None) != dtype)]
    form_only = _form_only(problem, trace, odd, tol, scales, ref) if odd else {}
    if any(np.shape(trace.get(*k)) != shape for k, shape in shapes.items() if trace.get(*k) is not None):
        trace = _conformed(trace, shapes)
    rows = []
    for q, l in keys:
        if (q, l) in form_only:
            rows.append({"quantity": q, "layer": l,
                         "verdict": f"{FORM_ONLY}; only its form fails: {form_only[(q, l)]}"})
            continue
        if q == "A":  # only a user's forward gives its own A[L]: nothing before it to blame
            rows.append({"quantity": q, "layer": l,
                         "verdict": "originates in the forward pass: its A[L] is not the reference's"})
            continue
        try:
            with np.errstate(all="ignore"):
                expected, inputs = own_formula(problem, trace, q, l)
            own = compare(expected, trace.get(q, l), problem.scenario.dtype, tol.rtol, tol.atol, tol.scale,
                          scales.get((q, l))).mismatched == 0  # its values are its formula's (its dtype aside)
        except (AttributeError, TypeError, ValueError, IndexError):  # an input is missing or misshapen
            own, inputs = None, []
        # an input whose values are right passes nothing wrong on, whatever its form
        wrong_inputs = [f"{iq}[{il}]" for iq, il in inputs if (iq, il) in failing and (iq, il) not in form_only]
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
        rows.append({"quantity": q, "layer": l, "verdict": verdict})
    # wrong values first, in backprop order; then the quantities whose only fault is their form
    rows.sort(key=lambda row: row["verdict"].startswith(FORM_ONLY))
    for order, row in enumerate(rows):
        row["order"], row["first"] = order, order == 0
    return rows
