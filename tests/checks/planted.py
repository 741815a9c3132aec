"""Engines with planted errors, for tests that prove the checker catches them.

``PlantedEngine(bug)`` runs a copy of the backward pass with one slip of the kind people
make by hand (or, for ``"none"``, without any: the control that must pass).
"""
from __future__ import annotations

import numpy as np

from crosscheck import reference
from crosscheck.adapters.base import Trace
from crosscheck.adapters.numpy_reference import NumpyReference

BUGS = ("Y-A", "no-1/m-on-dW", "W-not-transposed", "dW-transposed", "wrong-layer-derivative",
        "tanh-prime-from-Z", "db-over-wrong-axis")


def planted_trace(problem, bug: str) -> Trace:
    p, acts, L, m = problem, problem.scenario.activations, problem.scenario.depth, problem.scenario.m
    A, Z = reference.forward(p.parameters, p.X, acts)
    loss, out = problem.scenario.loss, reference.activation(acts[-1])
    dA = {L: reference.output_dA(loss, A[L], p.Y)}
    dZ = {L: p.Y - A[L] if bug == "Y-A" else A[L] - p.Y}
    if not reference.is_canonical(loss, acts[-1]):  # only the chain rule holds
        dZ[L] = -out.vjp(dA[L], Z[L], A[L]) if bug == "Y-A" else out.vjp(dA[L], Z[L], A[L])
    dW, db = {}, {}
    for l in range(L, 0, -1):
        W = p.parameters[f"W{l}"]
        dW[l] = dZ[l] @ A[l - 1].T / (1 if bug == "no-1/m-on-dW" else m)
        if bug == "dW-transposed":  # A[l-1] dZ[l]^T: the right shape only for square layers
            dW[l] = A[l - 1] @ dZ[l].T / m
        db[l] = (np.sum(dZ[l], axis=0, keepdims=True).mean(axis=1, keepdims=True) * dZ[l].shape[0] / m
                 if bug == "db-over-wrong-axis" else np.sum(dZ[l], axis=1, keepdims=True) / m)
        dA[l - 1] = (W if bug == "W-not-transposed" else W.T) @ dZ[l]
        if l > 1:
            name = acts[l - 1] if bug == "wrong-layer-derivative" else acts[l - 2]
            g_prime = reference.activation(name).g_prime(Z[l - 1])
            if bug == "tanh-prime-from-Z" and name == "tanh":
                g_prime = 1 - Z[l - 1] ** 2
            dZ[l - 1] = dA[l - 1] * g_prime
    return Trace(A=A, Z=Z, dA=dA, dZ=dZ, dW=dW, db=db)


class PlantedEngine(NumpyReference):
    def __init__(self, bug: str):
        super().__init__()
        self.bug = bug
        self.name = f"planted:{bug}"

    def trace(self, problem) -> Trace:
        return planted_trace(problem, self.bug)


class PerturbedEngine(NumpyReference):
    """The correct reference with one element of one quantity moved by ``factor`` tolerances."""

    def __init__(self, quantity: str, layer: int, factor: float):
        super().__init__()
        self.quantity, self.layer, self.factor = quantity, layer, factor
        self.name = f"perturbed:{quantity}{layer}"

    def trace(self, problem) -> Trace:
        from crosscheck.checks.budget import term_scales
        from crosscheck.running.runner import reference_trace
        from crosscheck.scenarios import tolerance

        t = super().trace(problem)
        tol = tolerance(problem.scenario.dtype)
        value = getattr(t, self.quantity)[self.layer]
        terms = term_scales(problem, reference_trace(problem))[(self.quantity, self.layer)]
        allowed = max(tol.atol, tol.scale * terms) + tol.rtol * abs(value.flat[0])  # the comparison's own
        value.flat[0] += value.dtype.type(self.factor * allowed)
        return t


class Float32InsideEngine(NumpyReference):
    """Computes in float32 and hands back float64: right dtype, float32 accuracy."""

    name = "float32-inside"

    def trace(self, problem) -> Trace:
        t = super().trace(problem.astype(np.float32))
        as64 = lambda d: {l: v.astype(np.float64) for l, v in d.items()}  # noqa: E731
        return Trace(*(as64(t.layers(q)) for q in ("A", "Z", "dA", "dZ", "dW", "db")))


class TransposedEngine(NumpyReference):
    """Hands back dW[l]^T: a shape error on non-square layers."""

    name = "transposed-dW"

    def trace(self, problem) -> Trace:
        t = super().trace(problem)
        return Trace(t.A, t.Z, t.dA, t.dZ, {l: v.T for l, v in t.dW.items()}, t.db)
