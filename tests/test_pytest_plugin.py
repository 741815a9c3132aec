"""The pytest plugin: scenarios x engines as items with readable ids, assert_close-style
failures, skips for missing engines, and pytest-xdist."""
from __future__ import annotations

import importlib.util

import pytest

from tests.support import COURSE_BACKWARD as BYO
from tests.support import run_pytest as _pytest


def test_smoke_suite_as_items_with_readable_ids(tmp_path):
    code, out = _pytest(tmp_path, "--crosscheck-suite", "smoke", "--crosscheck-engines", "numpy,torch", "-v")
    assert code == 0 and "40 passed" in out
    assert "crosscheck[smoke]::torch::relu-tanh-sigmoid_5-5-5-1_m16_float32_s0 PASSED" in out


@pytest.mark.skipif(importlib.util.find_spec("xdist") is None, reason="pytest-xdist is not installed")
def test_runs_under_xdist_as_one_process(tmp_path):
    """The quick set's -n 2: every item of the numpy engine, each passed, as one process runs them."""
    from crosscheck.scenarios import suite

    code, out = _pytest(tmp_path, "-q", "--crosscheck-suite", "smoke", "--crosscheck-engines", "numpy", "-n", "2",
                        "-rA")
    passed = {line.split("::")[2] for line in out.splitlines() if line.startswith("PASSED crosscheck[smoke]::numpy::")}
    assert code == 0 and passed == {s.id for s in suite("smoke")}


@pytest.mark.slow  # every engine imported in each of two workers
def test_runs_under_xdist(tmp_path):
    code, out = _pytest(tmp_path, "-q", "--crosscheck-suite", "smoke", "-n", "2")
    # numpy, torch, jax, tensorflow, autograd and mlx on 20 scenarios (mlx's float64 sigmoid
    # outputs pass as findings of the ledger: crosscheck/findings/ledger.py); fd on the 10
    # float64 ones (its float32 items skip)
    assert code == 0 and "130 passed, 10 skipped" in out


def test_a_wrong_backward_fails_like_assert_close(tmp_path):
    code, out = _pytest(tmp_path, "-q", "--crosscheck-suite", "smoke", "--crosscheck-backward",
                        f"{BYO}:wrong_layer_derivative")
    assert code == 1 and "16 failed, 4 passed" in out
    assert "scenario relu-sigmoid_3-5-1_m13_float64_s0, engine wrong_layer_derivative:" in out
    assert "reference dZ[1]: tensor-likes are not close!" in out
    assert "Mismatched elements: 40 / 65 (61.5%)" in out and "(up to 1e-11 allowed)" in out


def test_the_older_option_name_still_selects_the_engines(tmp_path):
    code, out = _pytest(tmp_path, "--crosscheck-suite", "smoke", "--crosscheck-frameworks", "numpy", "-v")
    assert code == 0 and "20 passed" in out and "::torch::" not in out and "crosscheck[smoke]::numpy::" in out


def test_an_unknown_engine_is_a_usage_error_and_no_suite_means_no_items(tmp_path):
    code, out = _pytest(tmp_path, "--crosscheck-suite", "smoke", "--crosscheck-engines", "mxnet")
    assert code == 4 and "unknown engine 'mxnet'" in out
    code, _ = _pytest(tmp_path)
    assert code == 5  # the plugin adds nothing unless asked
