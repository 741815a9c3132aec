"""The one tolerance table, keyed by dtype: an element passes when
``|actual - expected| <= atol + rtol * |expected|`` (never scaled by the array size).

How the numbers were chosen.  ``python benchmarks/tolerance_survey.py --suite full``
compares every element of every check (1,891,685,502 elements per dtype: the full
suite's 5460 scenarios with all ten activations x numpy, torch, jax x reference and the
four identities) of correct engines with the float64 reference, and prints, for a grid
of atol, the smallest rtol with which every element passes.  Measured on this project's
machine (2 cores, CPU builds, torch 2.13.0, jax 0.10.2):

- float32, atol 1e-5: worst rtol needed 7.8e-6 (130 u, u = 2^-24), at dA[2] of a softplus
  network; rtol 1e-4 leaves a 13x margin for other BLAS libraries and CPUs.  With atol
  1e-6 it jumps to 0.55: GELU's derivative has a zero near z = -0.75, and next to it dZ
  is a tiny value that carries float32's absolute error of the larger dA (up to ~1e-6).
  The first five activations alone (2760 scenarios) needed rtol 8.9e-6 at atol 1e-6.
  torch.testing's float32 rtol (1.3e-6) would fail correct engines (130 u > 22 u).
- float64, atol 1e-12: worst rtol needed 1.2e-14 (110 u, u = 2^-53).  rtol 1e-11 keeps
  an 800x margin and stays 6000x below float32's u, so an engine that computes in
  float32 and returns float64 fails (tests/meta).  torch.testing's default (1e-7)
  would let most of such an engine's values pass.

- float16 and bfloat16 (torch and jax only; ``benchmarks/tolerance_survey.py --suite half
  --frameworks torch,jax``, 542 scenarios, with half-precision margins from kinks and
  saturated outputs, scenarios/problem.py): both atol = 16 u (u = 2^-11 and 2^-8), the
  absolute error of values that cancel to near zero.  At that atol float16 needed rtol
  38 u (dA[L] of a five-layer network, m = 1024: the forward error amplified by
  1/(1 - a) <= 32), so rtol = 128 u = 0.0625; bfloat16 needed 6.3 u (its wider margins
  keep the amplification at 4), so rtol = 32 u = 0.125.  torch.testing's values (1e-3
  and 1.6e-2 with atol 1e-5) fail correct engines on most scenarios: half precision
  carries errors of tens of u after a few layers and a 1024-term reduction.

Planted formula errors change values by O(1) relative amounts; tests/meta shows each
one fails under this table and the same code without the error passes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    """rtol and the absolute term, always given together: an element passes when
    ``|actual - expected| <= max(atol, scale * max|expected|) + rtol * |expected|``, with
    max|expected| taken over the array compared (its own scale)."""

    rtol: float
    atol: float
    #: The absolute term as a multiple of the array's scale (0: ``atol`` alone, as fd).
    scale: float = 0.0

    def absolute(self, expected) -> float:
        """The absolute term for the array ``expected``."""
        magnitude = np.abs(np.asarray(expected, dtype=np.float64))
        finite = magnitude[np.isfinite(magnitude)]
        return max(self.atol, self.scale * float(finite.max())) if finite.size else self.atol


TOLERANCES = {
    "float64": Tolerance(rtol=1e-11, atol=1e-12),
    "float32": Tolerance(rtol=1e-4, atol=1e-5),
    "float16": Tolerance(rtol=128 * 2.0 ** -11, atol=16 * 2.0 ** -11),
    "bfloat16": Tolerance(rtol=32 * 2.0 ** -8, atol=16 * 2.0 ** -8),
}


def tolerance(dtype: str) -> Tolerance:
    """The (rtol, atol) for ``dtype``; ValueError naming the dtypes in the table."""
    try:
        return TOLERANCES[str(dtype)]
    except KeyError:
        raise ValueError(f"no tolerance for dtype {dtype!r}; table has: {', '.join(TOLERANCES)}") from None
