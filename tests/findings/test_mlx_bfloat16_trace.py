"""The trace of MLX's one failing bfloat16 scenario (crosscheck/findings/mlx_bfloat16_trace.py):
the figures its explanation rests on."""
from __future__ import annotations

import importlib.util

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("mlx") is None, reason="mlx is not installed")


def test_the_trace_holds():
    from crosscheck.findings.mlx_bfloat16_trace import trace

    e = trace()
    assert 0.5 < e["sigmoid_ulps"] < 1 and e["sigmoid_rounded_once"] != e["sigmoid_mlx"]  # faithful, not nearest
    assert e["matmul_correctly_rounded"]
    assert e["dA1_unit3_terms"] > 100 * abs(e["dA1_unit3"][0])  # a cancelling sum
    mlx, rounded = e["excess"]["mlx"], e["excess"]["mlx, sigmoid rounded once"]
    assert mlx["dA[1]"] < 1 and rounded["dZ[1]"] < 1 and mlx["dZ[1]"] > 3 * rounded["dZ[1]"]
    assert e["dZ1_excess_with_dA_terms"] < 1  # with dA[1]'s terms, MLX's own dZ[1] passes
