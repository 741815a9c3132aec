"""HIPS autograd: ``autograd.grad`` of J, written in ``autograd.numpy``, with respect to the
parameters and to zero arrays added to X, Z[l] and A[l] (as for JAX).

autograd differentiates NumPy code itself and has no library of activations: each one is
written here in ``autograd.numpy`` the way a learner writes it, with the framework's own
primitives where it has one (``autograd.scipy.special.expit`` for the sigmoid, ``erf`` for
GELU).  Two of its choices show in the reports (docs/conventions.md): ``np.maximum`` splits
the gradient at a tie, so relu'(0) is 0.5 and leaky_relu'(0) 0.505; and the derivative of
``erf`` multiplies by a float64 constant, so GELU's gradients of a float32 network come back
in float64 (a dtype finding, not hidden).
"""
from __future__ import annotations

import importlib
import math

from crosscheck.adapters.activation_tables import layer_functions
from crosscheck.adapters.base import Engine, Trace, per_example, written_cost


def _activations(autograd) -> dict:
    np = autograd.numpy
    expit, erf = autograd.scipy.special.expit, autograd.scipy.special.erf

    def softmax(z):  # over the units of each example (column), shifted by its largest
        e = np.exp(z - np.max(z, axis=0, keepdims=True))
        return e / np.sum(e, axis=0, keepdims=True)

    c = math.sqrt(2 / math.pi)
    return {
        "sigmoid": expit,
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0),
        "leaky_relu": lambda z: np.maximum(0.01 * z, z),
        "identity": lambda z: z * 1,
        "softplus": lambda z: np.logaddexp(z, 0),
        "silu": lambda z: z * expit(z),
        "elu": lambda z: np.where(z > 0, z, np.expm1(np.where(z > 0, 0, z))),  # alpha 1; no exp(large z)
        "gelu": lambda z: z * (1 + erf(z / math.sqrt(2))) / 2,
        "gelu_tanh": lambda z: 0.5 * z * (1 + np.tanh(c * (z + 0.044715 * z ** 3))),
        "softmax": softmax,
    }


class HipsAutograd(Engine):
    """Forward pass in ``autograd.numpy`` (NumPy underneath, in the scenario's dtype)."""

    name = "autograd"
    module = "autograd"
    conventions = ("np.maximum's tie",)

    def configure(self, autograd) -> None:
        for submodule in ("numpy", "scipy.special", "tracer"):  # the ones the engine uses, once
            importlib.import_module(f"autograd.{submodule}")

    def activations(self, autograd) -> dict:
        """Activation name -> the autograd.numpy function the engine runs for it."""
        return _activations(autograd)

    def trace(self, problem) -> Trace:
        autograd = self.load()
        np = autograd.numpy
        s = problem.scenario
        g = layer_functions(self, self.activations(autograd), s.activations)
        L, m, dtype = s.depth, s.m, problem.X.dtype
        layers = range(1, L + 1)
        sizes = s.layer_sizes

        def cost(P, eZ, eA):
            A, Z = [problem.X + eA[0]], []
            for l in layers:
                Z.append(np.dot(P[f"W{l}"], A[l - 1]) + P[f"b{l}"] + eZ[l - 1])
                A.append(g[l - 1](Z[l - 1]) + eA[l])
            return written_cost(np, s.loss, A[L], problem.Y, m), (A, Z)

        eZ = [np.zeros((n, m), dtype) for n in sizes[1:]]
        eA = [np.zeros((n, m), dtype) for n in sizes]
        with np.errstate(all="ignore"):  # inf and NaN of a saturated output are reported, not warned
            (dP, deZ, deA), (A, Z) = autograd.grad_and_aux(cost, (0, 1, 2))(dict(problem.parameters), eZ, eA)
        getval = autograd.tracer.getval  # the values of the traced forward pass, unboxed
        return Trace(
            A={l: getval(a) for l, a in enumerate(A)},
            Z={l: getval(z) for l, z in zip(layers, Z)},
            dA={l: per_example(d, m) for l, d in enumerate(deA)},
            dZ={l: per_example(d, m) for l, d in zip(layers, deZ)},
            dW={l: dP[f"W{l}"] for l in layers},
            db={l: dP[f"b{l}"] for l in layers},
        )
