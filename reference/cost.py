"""The cost of the article, binary cross-entropy, and its derivatives [1] and [3].

Per example ``L(a, y) = -[y ln(a) + (1 - y) ln(1 - a)]``; the cost is the batch mean
``J = (1/m) sum_i L(a_i, y_i)``.
"""
from __future__ import annotations

import numpy as np

LOSSES = ("bce",)


def bce_cost(A, Y):
    """J = -(1/m) sum[ y ln(a) + (1 - y) ln(1 - a) ], over the m columns of A and Y."""
    m = A.shape[1]
    return -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m


def dL_da(A, Y):
    """[1] dL/da = -y/a + (1 - y)/(1 - a)  (per example: this is dA[L])."""
    return -Y / A + (1 - Y) / (1 - A)


def dL_dz(A, Y):
    """[3] dL/dz = a - y  (the direct result for dZ[L]; sigmoid output with bce)."""
    return A - Y
