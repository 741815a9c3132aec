"""The costs and their output derivatives: the article's binary cross-entropy, [1] and [3],
and the two other losses of the project, ``cce`` and ``mse``.

Per example:

- ``bce``  L(a, y) = -[y ln(a) + (1 - y) ln(1 - a)]          (the article's; sigmoid output)
- ``cce``  L(a, y) = -sum_k y_k ln(a_k)                     (softmax output, y one-hot)
- ``mse``  L(a, y) = 1/2 sum_k (a_k - y_k)^2                 (identity output)

and the cost is the batch mean ``J = (1/m) sum_i L(a_i, y_i)``.  With its canonical
output activation (``CANONICAL``) each loss gives the same direct result
``dZ[L] = A[L] - Y``; with any other output it does not, and only the chain rule
``dZ[L] = dA[L] * g'(Z[L])`` holds.
"""
from __future__ import annotations

import numpy as np

LOSSES = ("bce", "cce", "mse")
#: The output activation with which the loss gives dZ[L] = A[L] - Y.
CANONICAL = {"bce": "sigmoid", "cce": "softmax", "mse": "identity"}


def is_canonical(loss: str, output_activation: str) -> bool:
    """True when ``dZ[L] = A[L] - Y`` holds for this output/loss pair."""
    return CANONICAL[loss] == output_activation


def bce_losses(A, Y):
    """L(a_i, y_i) = -[y ln(a) + (1 - y) ln(1 - a)], one per column (example) of A and Y."""
    return -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A), axis=-2)


def cce_losses(A, Y):
    """L(a_i, y_i) = -sum_k y_k ln(a_k), one per column."""
    return -np.sum(Y * np.log(A), axis=-2)


def mse_losses(A, Y):
    """L(a_i, y_i) = 1/2 sum_k (a_k - y_k)^2, one per column."""
    return 0.5 * np.sum((A - Y) ** 2, axis=-2)


def dL_da(A, Y):
    """[1] dL/da = -y/a + (1 - y)/(1 - a)  (per example: this is dA[L] for bce)."""
    return -Y / A + (1 - Y) / (1 - A)


def cce_dL_da(A, Y):
    """dL/da_k = -y_k / a_k  (cce)."""
    return -Y / A


def mse_dL_da(A, Y):
    """dL/da = a - y  (mse: the loss's own derivative, before any activation)."""
    return A - Y


def dL_dz(A, Y):
    """[3] dL/dz = a - y  (the direct result for dZ[L] with a canonical output/loss pair)."""
    return A - Y


EXAMPLE_LOSSES = {"bce": bce_losses, "cce": cce_losses, "mse": mse_losses}
OUTPUT_DA = {"bce": dL_da, "cce": cce_dL_da, "mse": mse_dL_da}
#: |the terms| that make dA[L] = dL/da, for its rounding budget (crosscheck/checks/budget.py):
#: y/a + (1-y)/(1-a) for bce, y/a for cce, a + y for mse.
OUTPUT_DA_TERMS = {
    "bce": lambda A, Y: np.abs(Y) / np.abs(A) + np.abs(1 - Y) / np.abs(1 - A),
    "cce": lambda A, Y: np.abs(Y) / np.abs(A),
    "mse": lambda A, Y: np.abs(A) + np.abs(Y),
}


def example_losses(loss: str, A, Y):
    """L(a_i, y_i) for each example i (shape (m,)): J is their mean."""
    with np.errstate(all="ignore"):
        return EXAMPLE_LOSSES[loss](A, Y)


def batch_cost(loss: str, A, Y):
    """J = (1/m) sum_i L(a_i, y_i) of ``loss`` for outputs A and targets Y."""
    return example_losses(loss, A, Y).mean()


def bce_cost(A, Y):
    """The article's J = -(1/m) sum[ y ln(a) + (1 - y) ln(1 - a) ]."""
    return batch_cost("bce", A, Y)


def output_dA(loss: str, A, Y):
    """dA[L] = dL/da per example for ``loss``."""
    return OUTPUT_DA[loss](A, Y)
