"""Two engines as a framework author writes them, with nothing but ``crosscheck``'s public
names: ``ToyEngine``, backprop written out in NumPy, and ``ToySlip``, the same with a
planted slip (dW without its 1/m), which every path must report; ``ToyLoose``, a slip of 25%
in dW behind a tolerance of its own (rtol 0.3), which must be refused or shown."""
import numpy as np

from crosscheck import Engine, NotApplicable, Trace
from crosscheck import Tolerance

#: g(Z) and g'(Z, A) of the activations the toy engines run.
G = {
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z, a: a * (1 - a)),
    "tanh": (np.tanh, lambda z, a: 1 - a * a),
    "relu": (lambda z: np.maximum(z, 0), lambda z, a: (z > 0).astype(z.dtype)),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z, a: np.where(z > 0, 1, 0.01).astype(z.dtype)),
    "identity": (lambda z: z, lambda z, a: np.ones_like(z)),
}


class ToyEngine(Engine):
    """Forward and backward pass in NumPy: binary cross-entropy on a sigmoid output."""

    def trace(self, problem):
        s, P, X, Y, m = problem.scenario, problem.parameters, problem.X, problem.Y, problem.X.shape[1]
        if s.loss != "bce" or s.activations[-1] != "sigmoid" or not set(s.activations) <= set(G):
            raise NotApplicable(f"toy runs {', '.join(G)} with bce on a sigmoid output")
        L, A, Z = len(s.activations), {0: X}, {}
        for l, g in enumerate(s.activations, 1):
            Z[l] = P[f"W{l}"] @ A[l - 1] + P[f"b{l}"]
            A[l] = G[g][0](Z[l])
        dA, dZ, dW, db = {L: (A[L] - Y) / (A[L] * (1 - A[L]))}, {L: A[L] - Y}, {}, {}  # per example
        for l in range(L, 0, -1):
            dZ[l] = dZ[l] if l == L else dA[l] * G[s.activations[l - 1]][1](Z[l], A[l])
            dW[l], db[l] = self.dW(dZ[l], A[l - 1], m), dZ[l].sum(axis=1, keepdims=True) / m
            dA[l - 1] = P[f"W{l}"].T @ dZ[l]
        return Trace(A, Z, dA, dZ, dW, db)

    def dW(self, dZ, A_prev, m):
        return dZ @ A_prev.T / m


class ToySlip(ToyEngine):
    """ToyEngine with a slip: dW = dZ A_prev^T, without the 1/m."""

    def dW(self, dZ, A_prev, m):
        return dZ @ A_prev.T


class ToyLoose(ToyEngine):
    """ToyEngine with dW 25% too large, judged by a tolerance of its own that lets it pass."""

    tolerance = Tolerance(rtol=0.3, atol=1e-8)

    def dW(self, dZ, A_prev, m):
        return 1.25 * (dZ @ A_prev.T) / m
