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
    assert all(v < 1 for v in (*mlx.values(), *rounded.values()))  # the harness's scales: it passes
    assert e["dZ1_scale"] == pytest.approx(e["dZ1_terms"])  # term_scales takes dA[1]'s terms through g'
    assert e["dZ1_excess_with_the_old_scale"] > 1  # what it failed on: the cancelled result's scale
