"""The dtypes of the project, their NumPy dtypes and unit roundoffs.

``bfloat16`` is a NumPy dtype through ``ml_dtypes`` (the package JAX uses for it), imported
only when a bfloat16 dtype is asked for.  Half precision (``float16``, ``bfloat16``) is
for the torch and jax engines; the NumPy engines run float64 and float32.
"""
from __future__ import annotations

import numpy as np

DTYPES = ("float64", "float32", "float16", "bfloat16")
HALF = ("float16", "bfloat16")
#: Unit roundoff u = 2^-p (p: significand bits with the implicit one): float64 2^-53,
#: float32 2^-24, float16 2^-11, bfloat16 2^-8.
UNIT_ROUNDOFF = {"float64": 2.0 ** -53, "float32": 2.0 ** -24, "float16": 2.0 ** -11, "bfloat16": 2.0 ** -8}


def numpy_dtype(name: str) -> np.dtype:
    """The NumPy dtype called ``name`` (bfloat16 from ml_dtypes)."""
    if name == "bfloat16":
        import ml_dtypes

        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)
