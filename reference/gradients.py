"""The article's parameter derivatives [4]-[6] and the layer recursion ("Wrapping up").

Vectorised for a batch in the column convention; ``dZ`` is per example, so the batch
mean brings in ``1/m``.
"""
from __future__ import annotations

import numpy as np


def dz_dw(x):
    """[4] dz/dw = x  (z = w^T x + b for one neuron)."""
    return x


def dL_dw(x, a, y):
    """[5] dL/dw = x(a - y)  (one neuron, one example: x is (n_x, 1), a and y scalars)."""
    return dz_dw(x) * (a - y)


def dL_db(a, y):
    """[6] dL/db = a - y  (one neuron, one example: dz/db = 1)."""
    return a - y


def dW(dZ, A_prev):
    """dW[l] = (1/m) dZ[l] A[l-1]^T  ([5] x(a - y), averaged over the batch)."""
    m = dZ.shape[1]
    result = dZ @ A_prev.T
    result /= m  # in place on the new array
    return result


def db(dZ):
    """db[l] = (1/m) sum(dZ[l], axis=1, keepdims=True)  ([6] a - y, averaged)."""
    m = dZ.shape[1]
    return np.sum(dZ, axis=1, keepdims=True) / m


def dA_prev(W, dZ):
    """dA[l-1] = W[l]^T dZ[l]  (dZ[l]/dA[l-1] = W[l]; "Wrapping up")."""
    return W.T @ dZ


def dZ_from_dA(dA, g_prime_Z):
    """dZ[l] = dA[l] * g'[l](Z[l])  (element-wise; the chain rule through g[l])."""
    return dA * g_prime_Z


def dZ_prev(W, dZ, g_prime_Z_prev):
    """dZ[l-1] = W[l]^T dZ[l] * g'[l-1](Z[l-1])  (the layer recursion, "Wrapping up")."""
    return dZ_from_dA(dA_prev(W, dZ), g_prime_Z_prev)
