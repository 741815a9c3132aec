"""Comparing one array with its expected value: shape, dtype, then error statistics.

As ``torch.testing.assert_close``: shape and dtype are checked before values, an element
matches when ``|actual - expected| <= atol + rtol * |expected|`` (NaN never matches), and
a failure reports statistics (how many elements mismatch, the greatest absolute and
relative difference, where, both sides there, the tolerance) rather than a dump.
Tolerances are per element and never scaled by the array size.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Comparison:
    """The statistics of one comparison; ``passed`` is False on any mismatch."""

    shape: str
    numel: int
    max_abs_err: float
    max_rel_err: float
    max_ulp: float
    mismatched: int
    worst_index: str
    expected_at_worst: float
    actual_at_worst: float
    rtol: float
    atol: float
    passed: bool
    message: str


def _ordered(x: np.ndarray) -> np.ndarray:
    """Floats mapped to uint64 in the same order, neighbouring floats one apart."""
    width = 8 * x.dtype.itemsize
    i = x.view({32: np.int32, 64: np.int64}[width]).astype(np.int64)
    magnitude = i & np.int64((1 << (width - 1)) - 1)
    signed = np.where(i < 0, -magnitude, i)  # -0.0 and +0.0 both map to 0
    return signed.view(np.uint64) ^ np.uint64(1 << 63)  # two's complement -> unsigned order


def ulp_distance(expected: np.ndarray, actual: np.ndarray, dtype) -> np.ndarray:
    """Number of representable ``dtype`` values between expected (rounded) and actual."""
    dtype = np.dtype(dtype)
    a = _ordered(np.asarray(expected, dtype=np.float64).astype(dtype))
    b = _ordered(np.asarray(actual).astype(dtype))
    return np.where(a > b, a - b, b - a).astype(np.float64)


def _fmt_shape(shape) -> str:
    return "x".join(map(str, shape)) if len(shape) else "scalar"


def _failure(shape, rtol, atol, message) -> Comparison:
    nan = float("nan")
    return Comparison(shape, 0, nan, nan, nan, -1, "", nan, nan, rtol, atol, False, message)


def compare(expected, actual, dtype, rtol: float, atol: float) -> Comparison:
    """Compare ``actual`` (the engine's, in ``dtype``) with ``expected`` (float64)."""
    dtype = np.dtype(dtype)
    expected = np.asarray(expected, dtype=np.float64)
    if actual is None:
        return _failure(_fmt_shape(expected.shape), rtol, atol, "missing: the engine gave no value")
    actual = np.asarray(actual)
    if actual.shape != expected.shape:
        return _failure(
            _fmt_shape(actual.shape), rtol, atol,
            f"shape mismatch: got {_fmt_shape(actual.shape)}, expected {_fmt_shape(expected.shape)}",
        )
    if actual.dtype != dtype:
        return _failure(
            _fmt_shape(actual.shape), rtol, atol, f"dtype mismatch: got {actual.dtype}, expected {dtype}"
        )
    a64 = actual.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        abs_err = np.abs(a64 - expected)
        abs_err = np.where(np.isnan(abs_err), np.inf, abs_err)
        rel_err = np.where(abs_err == 0, 0.0, abs_err / np.abs(expected))
        mismatch = ~(abs_err <= atol + rtol * np.abs(expected))
    ulp = ulp_distance(expected, actual, dtype)
    ulp = np.where(np.isnan(a64) | np.isnan(expected), np.inf, ulp)
    n_bad = int(mismatch.sum())
    worst = np.unravel_index(int(np.argmax(abs_err)), abs_err.shape) if abs_err.size else ()
    message = ""
    if n_bad:
        pct = 100.0 * n_bad / abs_err.size
        message = (
            f"{n_bad} of {abs_err.size} elements ({pct:.1f}%) outside rtol={rtol:g}, atol={atol:g};"
            f" greatest |diff| {float(abs_err[worst]):.3g} at {tuple(map(int, worst))}"
            f" (actual {float(a64[worst]):.9g}, expected {float(expected[worst]):.9g})"
        )
    return Comparison(
        shape=_fmt_shape(actual.shape),
        numel=int(abs_err.size),
        max_abs_err=float(abs_err.max(initial=0.0)),
        max_rel_err=float(rel_err.max(initial=0.0)),
        max_ulp=float(ulp.max(initial=0.0)),
        mismatched=n_bad,
        worst_index=str(tuple(map(int, worst))),
        expected_at_worst=float(expected[worst]) if abs_err.size else float("nan"),
        actual_at_worst=float(a64[worst]) if abs_err.size else float("nan"),
        rtol=rtol,
        atol=atol,
        passed=n_bad == 0,
        message=message,
    )
