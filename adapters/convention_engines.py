"""Engines that differ from the reference by a convention, for the convention pack.

- ``numpy-chain``: the reference with the chain-rule output layer dZ[L] = dA[L] * g'(Z[L]),
  beside ``numpy`` (the direct form A - Y): at a float32 output rounded to exactly 1 the
  chain rule gives inf/NaN and the direct form stays finite.
- ``torch-bceloss``: the cost through ``torch.nn.functional.binary_cross_entropy``, which
  clamps log(a) and log(1 - a) at -100 and its gradient's denominator a(1 - a) at 1e-12.
- ``jax-no-x64``: ``jax.grad`` with ``jax_enable_x64`` off, JAX's default: float64 inputs
  are computed, and returned, in float32.
"""
from __future__ import annotations

from crosscheck import reference
from crosscheck.adapters import jax_grad, numpy_reference, torch_autograd
from crosscheck.adapters.base import Trace


class NumpyChain(numpy_reference.NumpyReference):
    name = "numpy-chain"

    def trace(self, problem) -> Trace:
        import numpy as np

        s = problem.scenario
        with np.errstate(all="ignore"):  # inf and NaN are the point
            return reference.trace(problem.parameters, problem.X, problem.Y, s.activations,
                                   derivation="chain", loss=s.loss)


class TorchBCELoss(torch_autograd.TorchAutograd):
    name = "torch-bceloss"
    conventions = ("BCELoss clamping",)
    devices = ("cpu",)

    def cost(self, torch, loss, A, Y, m):
        if loss != "bce":
            return super().cost(torch, loss, A, Y, m)
        return torch.nn.functional.binary_cross_entropy(A, Y, reduction="sum") / m


class JaxNoX64(jax_grad.JaxGrad):
    name = "jax-no-x64"
    devices = ("cpu",)
    compiles_ahead = False  # its x64 setting is trace's own, not the background thread's

    def settings(self):
        return self.load().enable_x64(False)

    def trace(self, problem) -> Trace:
        with self.settings():
            return super().trace(problem)
