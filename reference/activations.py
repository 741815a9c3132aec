"""Activations g and their derivatives g', each derivative beside its function.

The names are the project's fixed strings (scenario ids, CLI flags, the bring-your-own
contract).  Derivatives take ``Z`` (the pre-activation), as in the article's recursion
``dZ[l-1] = W[l]^T dZ[l] * g'[l-1](Z[l-1])``, and optionally the cached ``A = g(Z)``:
sigmoid and tanh then use it (a(1 - a), 1 - a^2) instead of recomputing g(Z).
``softmax`` (output layer only, with ``cce``) mixes the units of an example: its
derivative is the per-example Jacobian, applied by ``Activation.vjp``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from crosscheck.reference.gradients import dZ_from_dA

LEAKY_RELU_SLOPE = 0.01


def sigmoid(z):
    """sigma(z) = 1 / (1 + e^-z), computed without overflow for large |z|: with e = e^-|z|,
    1 / (1 + e) for z >= 0 and e / (1 + e) below (one division for both)."""
    ez = np.exp(-np.abs(z))
    return np.where(z >= 0, 1, ez) / (1 + ez)


def sigmoid_prime(z, a=None):
    """[2] da/dz = a(1 - a), with a = sigma(z) (the cached A when given)."""
    a = sigmoid(z) if a is None else a
    return a * (1 - a)


def tanh(z):
    """tanh(z)."""
    return np.tanh(z)


def tanh_prime(z, a=None):
    """tanh'(z) = 1 - a^2 with a = tanh(z) (the cached A when given); not 1 - z^2."""
    a = np.tanh(z) if a is None else a
    result = a * a
    np.subtract(1, result, out=result)
    return result


def relu(z):
    """relu(z) = max(z, 0)."""
    return np.maximum(z, 0)


def relu_prime(z, a=None):
    """relu'(z) = 1 where z > 0, else 0 (0 at z = 0, as torch and jax.nn.relu)."""
    return (z > 0).astype(z.dtype)


def leaky_relu(z):
    """leaky_relu(z) = z where z > 0, else 0.01 z."""
    return np.where(z > 0, z, LEAKY_RELU_SLOPE * z)


def leaky_relu_prime(z, a=None):
    """leaky_relu'(z) = 1 where z > 0, else 0.01 (0.01 at z = 0, as torch)."""
    return np.where(z > 0, 1, LEAKY_RELU_SLOPE).astype(z.dtype)


def identity(z):
    """identity(z) = z."""
    return z


def identity_prime(z, a=None):
    """identity'(z) = 1."""
    return np.ones_like(z)


def softplus(z):
    """softplus(z) = ln(1 + e^z), computed as max(z, 0) + ln(1 + e^-|z|)."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def softplus_prime(z, a=None):
    """softplus'(z) = sigma(z)."""
    return sigmoid(z)


def silu(z):
    """silu(z) = z sigma(z)."""
    return z * sigmoid(z)


def silu_prime(z, a=None):
    """silu'(z) = sigma(z) (1 + z (1 - sigma(z)))."""
    s = sigmoid(z)
    return s * (1 + z * (1 - s))


def elu(z):
    """elu(z) = z where z > 0, else e^z - 1 (alpha = 1)."""
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


def elu_prime(z, a=None):
    """elu'(z) = 1 where z > 0, else e^z (alpha = 1; 1 at z = 0 from both sides)."""
    return np.where(z > 0, 1, np.exp(np.minimum(z, 0))).astype(z.dtype)


def gelu(z):
    """gelu(z) = z Phi(z) = z (1 + erf(z / sqrt 2)) / 2  (the exact, erf form)."""
    from scipy.special import erf

    return 0.5 * z * (1 + erf(z / math.sqrt(2)))


def gelu_prime(z, a=None):
    """gelu'(z) = Phi(z) + z phi(z)."""
    from scipy.special import erf

    return 0.5 * (1 + erf(z / math.sqrt(2))) + z * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


GELU_TANH_C = math.sqrt(2 / math.pi)  # a Python float: it keeps float32 arrays float32


def gelu_tanh(z):
    """gelu_tanh(z) = z (1 + tanh(c (z + 0.044715 z^3))) / 2, c = sqrt(2 / pi)."""
    return 0.5 * z * (1 + np.tanh(GELU_TANH_C * (z + 0.044715 * z ** 3)))


def gelu_tanh_prime(z, a=None):
    """gelu_tanh'(z) = (1 + t)/2 + z (1 - t^2) c (1 + 3 * 0.044715 z^2) / 2, t = tanh(c (z + 0.044715 z^3))."""
    t = np.tanh(GELU_TANH_C * (z + 0.044715 * z ** 3))
    return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * GELU_TANH_C * (1 + 3 * 0.044715 * z * z)


def softmax(z):
    """softmax(z)_k = e^{z_k} / sum_j e^{z_j}, over the units (axis 0 of Z; axis -2, so that a
    stack of networks' Z, as finite differences evaluates them, works too) of each example."""
    e = np.exp(z - np.max(z, axis=-2, keepdims=True))
    return e / np.sum(e, axis=-2, keepdims=True)


def softmax_vjp(dA, z, a=None):
    """dZ = J^T dA per example, J = diag(a) - a a^T:  dZ = a * (dA - sum_k a_k dA_k)."""
    a = softmax(z) if a is None else a
    return a * (dA - np.sum(a * dA, axis=-2, keepdims=True))


#: What ``rests_on`` names: the elementary functions, beyond arithmetic, comparisons and
#: max/min, that g and g' are computed from (``exp`` stands for e^z - 1 too, ``log`` for
#: ln(1 + x)).  An engine whose framework computes one of them less accurately than the
#: dtype promises reads it there (MLX's float64 exp and erf: adapters/mlx_grad.py).
PRIMITIVES = ("exp", "log", "erf", "tanh")


@dataclass(frozen=True)
class Activation:
    """g[l] and its derivative g'[l], by the project's name for it, and the primitives
    (PRIMITIVES) the two rest on.

    ``g_prime`` is None for ``softmax``, whose derivative is a Jacobian per example, not
    an element-wise factor: use ``vjp``, which works for every activation.
    ``rests_on`` is declared beside the formulas (tests/adapters/test_every_activation.py
    holds it to what they call); engines read it, never a table of their own.
    """

    name: str
    g: Callable[[np.ndarray], np.ndarray]
    g_prime: Callable[..., np.ndarray] | None  # g_prime(Z, A=None)
    jacobian_vjp: Callable[..., np.ndarray] | None = None
    rests_on: tuple[str, ...] = ()

    @property
    def elementwise(self) -> bool:
        """True when g'(Z) is an element-wise factor (every activation but softmax)."""
        return self.g_prime is not None

    def vjp(self, dA, Z, A=None):
        """dZ from dA through g: dA * g'(Z) element-wise, J^T dA per example for softmax."""
        if self.elementwise:
            return dZ_from_dA(dA, self.g_prime(Z, A))
        return self.jacobian_vjp(dA, Z, A)


ACTIVATIONS: dict[str, Activation] = {
    act.name: act
    for act in (
        Activation("sigmoid", sigmoid, sigmoid_prime, rests_on=("exp",)),
        Activation("tanh", tanh, tanh_prime, rests_on=("tanh",)),
        Activation("relu", relu, relu_prime),
        Activation("leaky_relu", leaky_relu, leaky_relu_prime),
        Activation("identity", identity, identity_prime),
        Activation("softplus", softplus, softplus_prime, rests_on=("exp", "log")),  # ln(1 + e^z), sigma
        Activation("silu", silu, silu_prime, rests_on=("exp",)),
        Activation("elu", elu, elu_prime, rests_on=("exp",)),
        Activation("gelu", gelu, gelu_prime, rests_on=("erf", "exp")),  # Phi's erf, phi's e^(-z^2/2)
        Activation("gelu_tanh", gelu_tanh, gelu_tanh_prime, rests_on=("tanh",)),
        Activation("softmax", softmax, None, softmax_vjp, rests_on=("exp",)),
    )
}


def activation(name) -> Activation:
    """The activation called ``name`` (an Activation itself is returned as it is: a
    convention's variant of one); ValueError naming the accepted ones otherwise."""
    if isinstance(name, Activation):
        return name
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; accepted: {', '.join(ACTIVATIONS)}"
        ) from None
