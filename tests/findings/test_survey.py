"""The op-level survey (crosscheck/findings/survey.py): it runs, it finds what it should in the
reference's own functions, and it flags a planted imprecision."""
from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from crosscheck.findings import evaluations, survey
from crosscheck.findings.exact import exact


def test_importing_the_findings_imports_no_framework():
    code = ("import sys\nimport crosscheck.findings, crosscheck.findings.survey, crosscheck.findings.evaluations, "
            "crosscheck.findings.exact, crosscheck.findings.mlx_bfloat16_trace\n"
            "print('LEAKED', sorted(m for m in ('torch', 'jax', 'tensorflow', 'mlx', 'autograd', 'mpmath') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "LEAKED []" in out, out


def test_exact_values_are_the_formulas():
    """exact.py against closed forms where float64 is accurate (sigmoid, tanh, gelu's Phi)."""
    import math

    z = np.array([-30.0, -3.5, -0.75, 0.0, 1e-9, 2.0, 30.0])
    values = exact(["sigmoid", "tanh", "gelu", "softmax", "elu"], z)
    (g, _), (d, _), _ = values["sigmoid"]
    np.testing.assert_allclose(g, [1 / (1 + math.exp(-v)) for v in z], rtol=1e-15)
    np.testing.assert_allclose(d, [math.exp(-abs(v)) / (1 + math.exp(-abs(v))) ** 2 for v in z], rtol=1e-15)
    np.testing.assert_allclose(values["tanh"][1][0], 1 / np.cosh(z) ** 2, rtol=1e-14)
    np.testing.assert_allclose(values["gelu"][0][0][1:], z[1:] * [math.erfc(-v / math.sqrt(2)) / 2 for v in z[1:]],
                               rtol=1e-14)  # (libm's erfc is 1e-13 off at 21)
    np.testing.assert_array_equal(values["softmax"][0][0], values["sigmoid"][0][0])
    assert values["elu"][0][0][4] == 1e-9 and values["elu"][0][0][0] == math.expm1(-30.0)


def test_the_grid_is_the_dtypes_own_values_and_reaches_both_tails():
    for dtype in ("float64", "float32", "float16", "bfloat16"):
        z = survey.grid(dtype)
        rounded = z.astype(survey.numpy_dtype(dtype)).astype(np.float64)
        np.testing.assert_array_equal(z, rounded)
        assert z.min() == -z.max() and z.max() >= survey.END and 0.0 in z and len(z) > 1000


def test_the_numpy_references_sigmoid_and_tanh_in_float64():
    """g is within a few ulps everywhere; g' (a(1 - a), 1 - a^2 from the cached A) is beyond the
    allowance only out in the tails, where 1 - a cancels: a result about the reference, as its
    verdict ``formula`` says (the numpy engine's own formulas)."""
    frame = survey.survey(("numpy",), ("float64",), ("sigmoid", "tanh"))
    rows = {(r.activation, r.quantity): r for r in frame.itertuples()}
    for name in ("sigmoid", "tanh"):
        assert rows[name, "g"].verdict == "within" and rows[name, "g"].worst_ulps < 2
        assert rows[name, "g'"].verdict == "formula" and rows[name, "g'"].flagged == 0
        assert rows[name, "g'"].network == "inside"  # the arbiter agrees with itself
    for name, where in (("sigmoid", lambda z: z > 1), ("tanh", lambda z: np.abs(z) > 1)):
        act = survey.ACTIVATIONS[name]
        z = survey.grid("float64")
        got = act.g_prime(z, act.g(z))
        p = survey.pointwise("float64", name, "g'", z, got, exact([name], z)[name], got)
        assert p["beyond"].any() and where(p["z"][p["beyond"]]).all(), p["z"][p["beyond"]].min()


def _planted(relative):
    """An evaluate for the survey: the engine's own values, with sigmoid's g off by ``relative``."""
    def evaluate(engine, dtype, z, names):
        values, version = evaluations.evaluate(engine, dtype, z, names)
        g, g_prime, returned = values["sigmoid"]
        values["sigmoid"] = (g * (1 + relative), g_prime, returned)
        return values, version
    return evaluate


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_planted_imprecise_sigmoid_is_flagged(dtype):
    frame = survey.survey(("numpy",), (dtype,), ("sigmoid",), evaluate=_planted(1e-6))
    g = frame[frame.quantity == "g"].iloc[0]
    assert g.verdict == "candidate" and g.flagged > 0 and g.rel == pytest.approx(1e-6, rel=0.2), g.to_dict()
    assert g.network == ("visible" if dtype == "float64" else "inside")  # float32's rtol is 3e-4
    assert survey.candidates(frame).quantity.tolist() == ["g"]


def test_without_the_plant_the_same_survey_flags_nothing():
    """Meta: the planted test above fails for the plant, not for the survey."""
    frame = survey.survey(("numpy",), ("float32",), ("sigmoid",), evaluate=_planted(0.0))
    assert (frame.verdict != "candidate").all() and survey.candidates(frame).empty


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_the_survey_of_torch_finds_its_softplus_threshold():
    """torch's F.softplus returns z above 20: the survey's figure (reproductions/torch_softplus_threshold.py)."""
    frame = survey.survey(("torch",), ("float64", "float32"), ("sigmoid", "softplus"))
    assert len(frame) == 8 and list(frame.columns) == list(survey.COLUMNS)
    rows = {(r.dtype, r.activation, r.quantity): r for r in frame.itertuples()}
    for quantity in ("g", "g'"):
        row = rows["float64", "softplus", quantity]
        assert row.verdict == "candidate" and row.network == "visible" and 20 < row.z < 21, row
        assert 1e-11 < row.rel < 1e-8
    assert rows["float64", "sigmoid", "g"].verdict == "within"
    assert rows["float32", "softplus", "g"].network == "inside"


def test_the_command_prints_a_narrow_table_and_writes_the_csv(tmp_path, capsys):
    path = tmp_path / "survey.csv"
    assert survey.main(["--engines", "numpy", "--dtypes", "float32", "--activations", "sigmoid,gelu",
                        "--all", "--csv", str(path)]) == 0
    out = capsys.readouterr().out
    assert max(map(len, out.splitlines())) <= 100 and "gelu" in out, out
    import pandas as pd

    assert len(pd.read_csv(path)) == 4


def test_the_command_refuses_unknown_names(capsys):
    assert survey.main(["--engines", "numpy,theano"]) == 2
    assert "theano" in capsys.readouterr().err


@pytest.mark.slow
def test_every_installed_engine_shows_the_ledgers_findings():
    """The whole survey, and the network-visible findings the reproductions confirm."""
    frame = survey.survey()
    seen = {(r.engine, r.dtype, r.activation, r.quantity) for r in frame.itertuples()
            if r.verdict == "candidate" and r.network == "visible"}
    expected = {"torch": [("float64", "softplus")],
                "tensorflow": [("float64", "gelu"), ("float64", "gelu_tanh"), ("float64", "leaky_relu")],
                "mlx": [("float64", "sigmoid"), ("float64", "gelu"), ("float32", "elu")]}
    for engine, pairs in expected.items():
        if engine in frame.attrs["unavailable"]:
            continue
        for dtype, name in pairs:
            assert (engine, dtype, name, "g'") in seen, (engine, dtype, name)
    numpy = frame[frame.engine == "numpy"]
    assert (numpy.verdict != "candidate").all()
