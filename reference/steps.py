"""The backward pass as a set of replaceable steps: one field per formula of the article.

``backward`` calls each step with a ``Step``, what the recursion knows at layer l.  The
correct formulas are ``FORMULAS``; a mutant (crosscheck/analyses/mutants.py) is ``FORMULAS`` with
exactly one field replaced.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from crosscheck.reference.activations import activation
from crosscheck.reference.gradients import dA_prev, db, db_per_example, dW, dW_per_example, dZ_prev
from crosscheck.reference.losses import dL_dz
from crosscheck.reference.losses import output_dA as loss_dA


@dataclass(frozen=True)
class Step:
    """Layer l of L during the backward pass, with everything computed so far."""

    l: int
    L: int
    m: int
    parameters: dict
    activations: tuple
    A: dict
    Z: dict
    Y: object
    dZ: dict
    dW: dict
    loss: str = "bce"

    def W(self, l: int):
        return self.parameters[f"W{l}"]


def output_dA(s: Step):
    """[1] dA[L] = -Y/A[L] + (1 - Y)/(1 - A[L])  (bce; the loss's own dL/da for cce and mse)."""
    return loss_dA(s.loss, s.A[s.L], s.Y)


def output_dZ(s: Step):
    """[3] dZ[L] = A[L] - Y."""
    return dL_dz(s.A[s.L], s.Y)


def layer_dW(s: Step):
    """[5] dW[l] = (1/m) dZ[l] A[l-1]^T."""
    return dW(s.dZ[s.l], s.A[s.l - 1])


def layer_db(s: Step):
    """[6] db[l] = (1/m) sum(dZ[l], axis=1, keepdims=True)."""
    return db(s.dZ[s.l])


def layer_dA_prev(s: Step):
    """dA[l-1] = W[l]^T dZ[l]."""
    return dA_prev(s.W(s.l), s.dZ[s.l])


def layer_g_prime_prev(s: Step):
    """g'[l-1](Z[l-1]), the derivative of the activation of the layer below (from the cached A[l-1])."""
    return activation(s.activations[s.l - 2]).g_prime(s.Z[s.l - 1], s.A[s.l - 1])


def layer_dZ_prev(dA, g_prime, s: Step):
    """dZ[l-1] = W[l]^T dZ[l] * g'[l-1](Z[l-1]), with dA[l-1] = W[l]^T dZ[l] already computed.

    Into g', a fresh array of the layer's, when it has dZ's shape and dtype (no allocation).
    """
    in_place = g_prime.shape == dA.shape and g_prime.dtype == dA.dtype
    return dZ_prev(s.W(s.l), s.dZ[s.l], g_prime, dA=dA, out=g_prime if in_place else None)


@dataclass(frozen=True)
class Formulas:
    """One callable per formula of the backward pass (see the functions above)."""

    output_dA: Callable = output_dA
    output_dZ: Callable = output_dZ
    dW: Callable = layer_dW
    db: Callable = layer_db
    dA_prev: Callable = layer_dA_prev
    g_prime_prev: Callable = layer_g_prime_prev
    dZ_prev: Callable = layer_dZ_prev
    #: Per-example gradients of a span of examples (a slice), from dZ[l] and A[l-1] of the
    #: whole batch: (dZ, A_prev, span) -> dW_i[l] and (dZ, span) -> db_i[l] (reference/gradients.py).
    dW_per_example: Callable = dW_per_example
    db_per_example: Callable = db_per_example


FORMULAS = Formulas()
