"""Engines that call their framework's GELU with its default arguments for both names.

torch's ``F.gelu`` defaults to the exact erf form and ``jax.nn.gelu`` to the tanh
approximation; a user who writes ``gelu`` in both and trusts the defaults gets different
gradients.  Run with ``--suite gelu-defaults --engines numpy,torch-gelu-default,jax-gelu-default``:
the torch variant fails the ``gelu_tanh`` scenarios and the jax variant the ``gelu`` ones.
"""
from __future__ import annotations

from crosscheck.adapters import jax_grad, torch_autograd


class TorchGeluDefault(torch_autograd.TorchAutograd):
    name = "torch-gelu-default"

    def activations(self, torch) -> dict:
        g = super().activations(torch)
        g["gelu"] = g["gelu_tanh"] = torch.nn.functional.gelu  # the default: erf
        return g


class JaxGeluDefault(jax_grad.JaxGrad):
    name = "jax-gelu-default"

    def activations(self, jax) -> dict:
        g = super().activations(jax)
        g["gelu"] = g["gelu_tanh"] = jax.nn.gelu  # the default: approximate=True
        return g
