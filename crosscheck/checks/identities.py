"""What is compared with what: agreement with the reference, and the article's identities.

``reference``: every A, Z, dA, dZ, dW, db of the engine against the float64 reference.
The identities are checked on the engine's own trace (its A, Z, dZ), evaluated in
float64, so they test the engine's internal consistency with the article:

- ``A-Y``       dZ[L] = A[L] - Y  (for a canonical output/loss pair; for any other pair,
                a negative control that is expected *not* to hold)
- ``chain``     dZ[L] = dA[L] * g'[L](Z[L])  (J^T dA[L] for softmax; every pair)
- ``x(a-y)``    dW[l] = (1/m) dZ[l] A[l-1]^T, with A[0] = X
- ``db``        db[l] = (1/m) sum(dZ[l], axis=1, keepdims=True)
- ``recursion`` dZ[l-1] = W[l]^T dZ[l] * g'[l-1](Z[l-1])
- ``x(a-y) per example``  dW_i[l] = dZ_i[l] A_i[l-1]^T, db_i[l] = dZ_i[l] against the
                reference, and their mean is dW[l], db[l] (crosscheck/checks/per_example.py)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from crosscheck import reference
from crosscheck.reference.trace import QUANTITIES, Trace

#: Each identity and what it says, as the reports print it (a new identity: a line here,
#: its formula below, and its rows in ``identity_observations``).
IDENTITY_TEXT = {
    "A-Y": "dZ[L] = A[L] - Y (canonical output/loss pairs)",
    "chain": "dZ[L] = dA[L] * g'(Z[L])",
    "x(a-y)": "dW[l] = (1/m) dZ[l] A[l-1]^T",
    "db": "db[l] = mean of dZ[l] over the batch",
    "recursion": "dZ[l-1] = W[l]^T dZ[l] * g'[l-1](Z[l-1])",
    # its rows: crosscheck/checks/per_example.py (engines that give per-example gradients)
    "x(a-y) per example": "dW_i[l] = dZ_i[l] A_i[l-1]^T and db_i[l] = dZ_i[l] for each example i (no 1/m), "
                          "and their mean over the batch is dW[l], db[l]",
}
IDENTITIES = tuple(IDENTITY_TEXT)
CHECKS = ("reference", *IDENTITIES)


@dataclass(frozen=True)
class Observation:
    """One comparison to make: ``actual`` (the engine's) against ``expected`` (float64).

    ``expected`` is None with ``note`` set when it could not be evaluated (e.g. the
    engine's own A[L] is missing or has a wrong shape).
    """

    check: str
    quantity: str
    layer: int
    expected: np.ndarray | None
    actual: np.ndarray | None
    note: str = ""
    #: False for a negative control: the identity must not hold (``A-Y`` of a
    #: non-canonical output/loss pair), and holding is the failure.
    holds: bool = True


def reference_observations(ref: Trace, trace: Trace) -> Iterator[Observation]:
    """The engine's every quantity and layer against the float64 reference (A[0] = X skipped)."""
    for q in QUANTITIES:
        for l in sorted(ref.layers(q)):
            if not (q == "A" and l == 0):
                yield Observation("reference", q, l, ref.layers(q)[l], trace.get(q, l))


def _f64(x):
    if x is None:
        raise ValueError("the engine gave no value for it")
    return np.asarray(x, dtype=np.float64)


# Each formula: (its value from the engine's own trace, evaluated in float64; the
# (quantity, layer) pairs it is computed from).  The identities below and localise.py
# (whether a wrong quantity originates where it is) use these and nothing else.

def _A(problem, trace, l):
    return problem.X if l == 0 else trace.get("A", l)  # A[0] = X


def a_minus_y(problem, trace):
    """[3] dZ[L] = A[L] - Y (canonical output/loss pairs)."""
    L = problem.scenario.depth
    return reference.dL_dz(_f64(_A(problem, trace, L)), _f64(problem.Y)), [("A", L)]


def chain(problem, trace):
    """dZ[L] = dA[L] * g'[L](Z[L]) (J^T dA[L] for softmax)."""
    s, L = problem.scenario, problem.scenario.depth
    out = reference.activation(s.activations[-1])
    return (out.vjp(_f64(trace.get("dA", L)), _f64(trace.get("Z", L)), _f64(_A(problem, trace, L))),
            [("dA", L), ("Z", L)])


def x_a_y(problem, trace, l):
    """[4]-[5] dW[l] = (1/m) dZ[l] A[l-1]^T."""
    return reference.dW(_f64(trace.get("dZ", l)), _f64(_A(problem, trace, l - 1))), [("dZ", l), ("A", l - 1)]


def db_mean(problem, trace, l):
    """[6] db[l] = (1/m) sum(dZ[l], axis=1, keepdims=True)."""
    return reference.db(_f64(trace.get("dZ", l))), [("dZ", l)]


def recursion(problem, trace, l):
    """dZ[l] = W[l+1]^T dZ[l+1] * g'[l](Z[l]): the recursion, for the layer below l + 1."""
    g_prime = reference.activation(problem.scenario.activations[l - 1]).g_prime
    return (reference.dZ_prev(_f64(problem.parameters[f"W{l + 1}"]), _f64(trace.get("dZ", l + 1)),
                              g_prime(_f64(trace.get("Z", l)))), [("dZ", l + 1), ("Z", l)])


def output_dA(problem, trace):
    """[1] dA[L] = dL/da of the loss (for bce: -y/a + (1 - y)/(1 - a))."""
    s, L = problem.scenario, problem.scenario.depth
    return reference.output_dA(s.loss, _f64(_A(problem, trace, L)), _f64(problem.Y)), [("A", L)]


def dA_below(problem, trace, l):
    """dA[l] = W[l+1]^T dZ[l+1]."""
    return reference.dA_prev(_f64(problem.parameters[f"W{l + 1}"]), _f64(trace.get("dZ", l + 1))), [("dZ", l + 1)]


def dZ_from_dA(problem, trace, l):
    """dZ[l] = dA[l] * g'[l](Z[l])."""
    g_prime = reference.activation(problem.scenario.activations[l - 1]).g_prime
    return reference.dZ_from_dA(_f64(trace.get("dA", l)), g_prime(_f64(trace.get("Z", l)))), [("dA", l), ("Z", l)]


def own_formula(problem, trace, q: str, l: int):
    """The formula that computes (q, l) from the engine's own other values, and its inputs."""
    s, L = problem.scenario, problem.scenario.depth
    if q == "dA":
        return output_dA(problem, trace) if l == L else dA_below(problem, trace, l)
    if q == "dZ" and l == L:  # a non-canonical pair: only the chain rule holds
        return a_minus_y(problem, trace) if reference.is_canonical(s.loss, s.activations[-1]) else chain(problem, trace)
    if q == "dW":
        return x_a_y(problem, trace, l)
    if q == "db":
        return db_mean(problem, trace, l)
    return dZ_from_dA(problem, trace, l) if trace.get("dA", l) is not None else recursion(problem, trace, l)


def _identity(check, quantity, layer, actual, formula, holds=True) -> Observation:
    try:
        with np.errstate(all="ignore"):
            expected, _ = formula()
    except (ValueError, KeyError, IndexError, TypeError) as exc:  # a value missing, misshapen or not numbers
        return Observation(check, quantity, layer, None, actual, f"cannot evaluate {check}: {exc}", holds)
    return Observation(check, quantity, layer, expected, actual, holds=holds)


def identity_observations(problem, trace: Trace) -> Iterator[Observation]:
    """The article's identities, evaluated on the engine's own values.  For a partial
    trace (a user's function that returns some dA, dZ only) an identity whose values were
    not returned is not made: the identities use what is there."""
    s = problem.scenario
    L = s.depth
    partial = trace.given is not None
    has = lambda q, l: not partial or trace.get(q, l) is not None  # noqa: E731
    if has("dZ", L):
        yield _identity("A-Y", "dZ", L, trace.get("dZ", L), lambda: a_minus_y(problem, trace),
                        holds=reference.is_canonical(s.loss, s.activations[-1]))
    if trace.get("dA", L) is not None and has("dZ", L):  # a bring-your-own function may leave dA out
        yield _identity("chain", "dZ", L, trace.get("dZ", L), lambda: chain(problem, trace))
    for l in range(1, L + 1):
        if has("dZ", l):
            yield _identity("x(a-y)", "dW", l, trace.get("dW", l), lambda: x_a_y(problem, trace, l))
            yield _identity("db", "db", l, trace.get("db", l), lambda: db_mean(problem, trace, l))
    for l in range(L, 1, -1):
        if has("dZ", l) and has("dZ", l - 1):
            yield _identity("recursion", "dZ", l - 1, trace.get("dZ", l - 1), lambda: recursion(problem, trace, l - 1))
