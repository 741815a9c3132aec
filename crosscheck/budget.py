"""Errors in units of the rounding budget of the reduction that produced a value.

A value made by a k-term dot product carries a rounding error up to about k * u times
the size of its terms (u: the dtype's unit roundoff): ``err_ku`` divides the error by
``k * u * max|expected|``, so that a large batch or a wide layer shows as a larger budget,
not as a bug.
"""
from __future__ import annotations

import numpy as np

from scenarios.dtypes import UNIT_ROUNDOFF


def inner_dimension(s, quantity: str, layer: int) -> int:
    """k of the reduction that produced ``quantity[layer]`` (see COLUMNS)."""
    if quantity in ("dW", "db"):
        return s.m
    if quantity in ("A", "Z"):
        return s.layer_sizes[layer - 1] if layer >= 1 else 1
    return s.layer_sizes[layer + 1] if layer < s.depth else 1  # dA, dZ: W[l+1]^T dZ[l+1]



def budget_units(s, quantity: str, layer: int, expected, max_abs_err: float) -> float:
    """max_abs_err in units of k * u * max|expected| (NaN when there is nothing to scale by)."""
    if expected is None or not np.size(expected) or quantity not in ("A", "Z", "dA", "dZ", "dW", "db"):
        return float("nan")
    scale = float(np.max(np.abs(expected)))
    if not np.isfinite(scale) or scale == 0:
        return float("nan")
    return max_abs_err / (inner_dimension(s, quantity, layer) * UNIT_ROUNDOFF[s.dtype] * scale)
