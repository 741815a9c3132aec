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
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

import reference
from adapters.base import QUANTITIES, Trace

CHECKS = ("reference", "A-Y", "chain", "x(a-y)", "db", "recursion")
IDENTITIES = CHECKS[1:]


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


def reference_observations(ref: dict, trace: Trace) -> Iterator[Observation]:
    """The engine's every quantity and layer against the float64 reference (A[0] = X skipped)."""
    for q in QUANTITIES:
        for l in sorted(ref[q]):
            if not (q == "A" and l == 0):
                yield Observation("reference", q, l, ref[q][l], trace.get(q, l))


def _f64(x):
    if x is None:
        raise ValueError("the engine gave no value for it")
    return np.asarray(x, dtype=np.float64)


def _identity(check, quantity, layer, actual, formula, holds=True) -> Observation:
    try:
        with np.errstate(all="ignore"):
            expected = formula()
    except (ValueError, KeyError) as exc:
        return Observation(check, quantity, layer, None, actual, f"cannot evaluate {check}: {exc}", holds)
    return Observation(check, quantity, layer, expected, actual, holds=holds)


def identity_observations(problem, trace: Trace) -> Iterator[Observation]:
    """The article's identities, evaluated on the engine's own values.  For a partial
    trace (a user's function that returns some dA, dZ only) an identity whose values were
    not returned is not made: the identities use what is there."""
    s = problem.scenario
    L = s.depth
    A = lambda l: problem.X if l == 0 else trace.get("A", l)  # noqa: E731  A[0] = X
    W = lambda l: problem.parameters[f"W{l}"]  # noqa: E731
    partial = trace.given is not None
    has = lambda q, l: not partial or trace.get(q, l) is not None  # noqa: E731
    if has("dZ", L):
        yield _identity(
            "A-Y", "dZ", L, trace.get("dZ", L), lambda: reference.dL_dz(_f64(A(L)), _f64(problem.Y)),
            holds=reference.is_canonical(s.loss, s.activations[-1]),
        )
    if trace.get("dA", L) is not None and has("dZ", L):  # a bring-your-own function may leave dA out
        out = reference.activation(s.activations[-1])
        yield _identity(
            "chain", "dZ", L, trace.get("dZ", L),
            lambda: out.vjp(_f64(trace.get("dA", L)), _f64(trace.get("Z", L)), _f64(A(L))),
        )
    for l in range(1, L + 1):
        dZ = trace.get("dZ", l)
        if has("dZ", l):
            yield _identity("x(a-y)", "dW", l, trace.get("dW", l), lambda: reference.dW(_f64(dZ), _f64(A(l - 1))))
            yield _identity("db", "db", l, trace.get("db", l), lambda: reference.db(_f64(dZ)))
    for l in range(L, 1, -1):
        if not (has("dZ", l) and has("dZ", l - 1)):
            continue
        g_prime = reference.activation(s.activations[l - 2]).g_prime
        yield _identity(
            "recursion", "dZ", l - 1, trace.get("dZ", l - 1),
            lambda: reference.dZ_prev(_f64(W(l)), _f64(trace.get("dZ", l)), g_prime(_f64(trace.get("Z", l - 1)))),
        )
