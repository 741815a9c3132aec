"""Errors in units of the rounding budget of the reduction that produced a value.

A value made by a k-term dot product carries a rounding error up to about k * u times
the size of its terms (u: the dtype's unit roundoff): ``err_ku`` divides the error by
``k * u * max|expected|``, so that a large batch or a wide layer shows as a larger budget,
not as a bug.
"""
from __future__ import annotations

import numpy as np

from crosscheck.reference.losses import OUTPUT_DA_TERMS
from crosscheck.reference.trace import PER_EXAMPLE, QUANTITIES, STATISTICS, Trace
from crosscheck.scenarios.dtypes import HALF, UNIT_ROUNDOFF


def inner_dimension(s, quantity: str, layer: int) -> int:
    """k of the reduction that produced ``quantity[layer]`` (see COLUMNS)."""
    if quantity in PER_EXAMPLE:  # one example's product: no reduction
        return 1
    if quantity in STATISTICS:  # a sum over the batch
        return s.m
    if quantity in ("dW", "db"):
        return s.m
    if quantity in ("A", "Z"):
        return s.layer_sizes[layer - 1] if layer >= 1 else 1
    return s.layer_sizes[layer + 1] if layer < s.depth else 1  # dA, dZ: W[l+1]^T dZ[l+1]



def budget_units(s, quantity: str, layer: int, expected, max_abs_err: float, scale: float = float("nan")) -> float:
    """max_abs_err in units of k * u * max|expected| (NaN when there is nothing to scale by);
    ``scale``: max|expected| when the caller has it (compare_many's ``expected_max``)."""
    if expected is None or not np.size(expected) or quantity not in ("A", "Z", "dA", "dZ", "dW", "db"):
        return float("nan")
    if np.isnan(scale):
        scale = float(np.max(np.abs(expected)))
    if not np.isfinite(scale) or scale == 0:
        return float("nan")
    return max_abs_err / (inner_dimension(s, quantity, layer) * UNIT_ROUNDOFF[s.dtype] * scale)


def term_scales(problem, ref: Trace, carry: bool | None = None) -> dict:
    """{(quantity, layer): the scale of the terms that made it}: the absolute term of the
    tolerance is a multiple of this (scenarios/tolerances.py).

    A value made by a sum can cancel to much less than its terms (db[L] = mean of a - y over
    the batch; dA[L] of an output close to a soft label; dA[L-1] below a softmax, whose dZ[L]
    sums to 0), and its rounding error is that of the terms, not of the result.  Each
    reduction's terms are taken from the float64 reference's own inputs to it: y/a +
    (1-y)/(1-a) for dA[L] (bce), |a| + |y| for dZ[L], |W[l+1]|^T |dZ[l+1]| for dA[l],
    |W[l]| |A[l-1]| + |b[l]| for Z[l], |A[l]| for A[l].

    In float32 and float64 the error a cancelled sum leaves is carried down: dZ[l] takes
    dA[l]'s terms times |g'(Z[l])| (call them E[l]; E[L] = |dZ[L]|), and dW[l], db[l] and
    dA[l-1] the greater of their own terms (|dZ[l]| |A[l-1]|^T / m, sum |dZ[l]| / m,
    |W[l]|^T |dZ[l]|) and E[l] summed as random errors add (sqrt(E^2 (A^2)^T) / m,
    sqrt(sum E^2) / m, sqrt((W^2)^T E^2)), never compounded as |W|^T of every layer.  There
    the absolute term stays below a percent of the values (u is 2^-24 or less), so no slip hides
    in it.  In float16 and bfloat16 (u = 2^-8 for bfloat16) it does not: carried, it let a
    halved, negated or zeroed dW[1] pass in bfloat16 networks of one example whose dA cancels
    40 to 90-fold (tests/checks/test_vanishing_layers.py: CANCELLING), so there each sum keeps
    its own terms only (dZ[l]: |dA[l]| |g'(Z[l])|).  A half-precision row that fails by
    those but passes by the carried scales (``carry=True``) is inconclusive, never a pass:
    the dtype cannot tell a correct engine from a wrong one there (running/records.py:
    CANCELLED; crosscheck/findings/mlx_bfloat16_trace.py).  ``carry``: None, by the dtype
    as above.  The scale of an array is the greatest of its elements' (never below
    max|expected|, which it bounds).
    """
    from crosscheck import reference

    s, L, m = problem.scenario, problem.scenario.depth, problem.scenario.m
    p = problem.astype(np.float64)
    A, Z, dA, dZ, Y = ref.A, ref.Z, ref.dA, ref.dZ, np.abs(p.Y)
    a = np.abs(A[L])
    absolute = lambda x: np.abs(np.where(np.isfinite(x), x, 0.0))  # noqa: E731
    with np.errstate(all="ignore"):
        dA_terms = OUTPUT_DA_TERMS[s.loss](A[L], p.Y)
        out = reference.activation(s.activations[-1])
        terms = {("dA", L): dA_terms,  # dZ[L] = dA[L] g'(Z[L]) for a non-canonical pair: dA[L]'s terms through g'
                 ("dZ", L): a + Y if reference.is_canonical(s.loss, s.activations[-1]) or not out.elementwise
                 else dA_terms * np.abs(out.g_prime(Z[L], A[L]))}
    carry = s.dtype not in HALF if carry is None else carry
    for l in range(L, 0, -1):
        W, dZ_l = np.abs(p.parameters[f"W{l}"]), absolute(dZ[l])
        error = dZ_l  # E[l]: the scale of dZ[l]'s rounding error, element by element
        if l < L:
            g_prime = np.abs(reference.activation(s.activations[l - 1]).g_prime(Z[l], A[l]))
            # float32/float64: dA[l]'s own terms (set at l + 1), not |dA[l]|: dZ[l] = dA[l] g'(Z[l])
            # carries dA[l]'s rounding error, which is that of its terms where the sum cancels
            # (dA[L-1] below a softmax of two units: sigmoid-sigmoid-sigmoid-softmax_6-6-1-1-2_m8_
            # float32_s172_cce failed torch and jax on dW[2] by 1.1x, a fuzz example)
            terms[("dZ", l)] = (terms[("dA", l)] if carry else absolute(dA[l])) * g_prime
            if carry:  # E[l]: dZ[l]'s terms (half precision keeps |dZ[l]|: see the docstring)
                error = terms[("dZ", l)]
        # each sum's own terms, or the errors of dZ[l] it sums, added as random errors add
        # (root of the sum of squares: a batch of 1024 does not multiply them by 1024)
        terms[("dW", l)] = np.maximum(dZ_l @ np.abs(A[l - 1]).T, np.sqrt((error * error) @ (A[l - 1] ** 2).T)) / m
        terms[("db", l)] = np.maximum(dZ_l.sum(axis=1, keepdims=True),
                                      np.sqrt((error * error).sum(axis=1, keepdims=True))) / m
        terms[("dA", l - 1)] = np.maximum(W.T @ dZ_l, np.sqrt((W * W).T @ (error * error)))
        # per example (no sum): dZ_i[l]'s error (or its value) times |A_i[l-1]|, example by example
        worst = np.maximum(dZ_l, error).max(axis=0)
        terms[("dW_i", l)] = np.array([float((worst * np.abs(A[l - 1]).max(axis=0)).max())])
        terms[("db_i", l)] = np.array([float(worst.max())])
        # statistics over the batch of squares: 2 |Q_i| err_i summed (the sum), or averaged (the variance)
        for q, T in (("dW", terms[("dW_i", l)][0]), ("db", terms[("db_i", l)][0])):
            terms[(f"{q}_sq", l)], terms[(f"{q}_var", l)] = np.array([2 * m * T * T]), np.array([2 * T * T])
        terms[("Z", l)] = W @ np.abs(A[l - 1]) + np.abs(p.parameters[f"b{l}"])
        terms[("A", l)] = np.abs(A[l])
    result = {}
    for (q, l), values in terms.items():
        expected = ref.get(q, l) if q in QUANTITIES else None  # dW_i, db_i: their terms bound them
        biggest = float(absolute(values).max()) if np.size(values) else 0.0
        if expected is not None and np.size(expected):
            biggest = max(biggest, float(absolute(expected).max()))
        result[(q, l)] = biggest
    return result
