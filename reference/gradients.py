"""The article's parameter derivatives [4]-[6] and the layer recursion ("Wrapping up").

Vectorised for a batch in the column convention; ``dZ`` is per example, so the batch
mean brings in ``1/m``.  Each formula is written once, here, and everything that uses it
calls it: the reference's backward pass (reference/steps.py), the identities and
localisation (crosscheck/checks/identities.py, localise.py) and the mutants
(crosscheck/analyses/mutants.py); tests/reference/test_each_formula_once.py edits each one
and sees the reference trace change.
"""
from __future__ import annotations

import numpy as np


def dz_dw(x):
    """[4] dz/dw = x  (z = w^T x + b; for layer l, dZ[l]/dW[l] brings in A[l-1])."""
    return x


def dW(dZ, A_prev):
    """dW[l] = (1/m) dZ[l] A[l-1]^T  ([5] dL/dw = x(a - y): dL/dz times [4] dz/dw, averaged over the batch)."""
    m = dZ.shape[1]
    result = dZ @ dz_dw(A_prev).T
    result /= m  # in place on the new array
    return result


def db(dZ):
    """db[l] = (1/m) sum(dZ[l], axis=1, keepdims=True)  ([6] dL/db = a - y: dz/db = 1, averaged)."""
    m = dZ.shape[1]
    return np.sum(dZ, axis=1, keepdims=True) / m


def dW_per_example(dZ, A_prev, examples=None):
    """dW_i[l] = dZ_i[l] A_i[l-1]^T for each example i of ``examples`` (a slice of the batch;
    None: all), shape (k, n_l, n_{l-1}): [5] dL/dw = x(a - y) itself, the gradient of example
    i's loss (no 1/m).  Their mean over the batch is dW[l]."""
    span = slice(None) if examples is None else examples
    return np.einsum("ji,ni->ijn", dZ[:, span], dz_dw(A_prev)[:, span])


def db_per_example(dZ, examples=None):
    """db_i[l] = dZ_i[l] for each example i of ``examples`` (a slice; None: all), shape
    (k, n_l, 1): [6] dL/db = a - y, one example's.  Their mean over the batch is db[l]."""
    span = slice(None) if examples is None else examples
    return np.ascontiguousarray(dZ[:, span].T)[:, :, None]


def dA_prev(W, dZ):
    """dA[l-1] = W[l]^T dZ[l]  (dZ[l]/dA[l-1] = W[l]; "Wrapping up")."""
    return W.T @ dZ


def dZ_from_dA(dA, g_prime_Z, out=None):
    """dZ[l] = dA[l] * g'[l](Z[l])  (element-wise; the chain rule through g[l]).

    ``out``: where to write dZ[l], as NumPy's ``out`` (the backward pass gives g'[l](Z[l])
    itself when it is a fresh array of dZ's shape and dtype, and saves an allocation).
    """
    return np.multiply(dA, g_prime_Z, out=out)


def dZ_prev(W, dZ, g_prime_Z_prev, dA=None, out=None):
    """dZ[l-1] = W[l]^T dZ[l] * g'[l-1](Z[l-1])  (the layer recursion, "Wrapping up").

    ``dA``: dA[l-1] = W[l]^T dZ[l] when it is already computed (the backward pass keeps it
    as a quantity of its own), so that the product is not made twice; ``out`` as for
    ``dZ_from_dA``.
    """
    if dA is None:
        dA = dA_prev(W, dZ)
    return dZ_from_dA(dA, g_prime_Z_prev, out=out)
