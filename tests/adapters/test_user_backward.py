"""Bring your own backward (`--backward FILE.py:FUNC`) and one network from a file (`--network`)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crosscheck.cli import main
from crosscheck.scenarios import Scenario, build_problem, suite
from tests.support import COURSE_BACKWARD as BYO


def _run(tmp_path, func, *extra):
    code = main(["run", "--backward", f"{BYO}:{func}", "--out", str(tmp_path), "--no-progress", *extra])
    df = pd.read_csv(tmp_path / "discrepancies.csv", keep_default_na=False)
    return code, df[df["engine"] != "numpy"]


@pytest.mark.slow
def test_a_correct_course_backward_passes_the_default_suite(tmp_path):
    code, df = _run(tmp_path, "L_model_backward")
    assert code == 0 and len(df) and df["passed"].all()
    default = suite("default")
    assert set(df["dtype"]) == {"float64", "float32"} and df["scenario"].nunique() == len(default)
    assert set(df["check"]) == {"run", "reference", "A-Y", "chain", "x(a-y)", "db", "recursion"}
    # the function takes no loss argument: scenarios of another loss are not applicable, not failed
    other = {s.id for s in default if s.loss != "bce"}
    not_applicable = df[df["status"] == "not applicable"]
    assert other and set(not_applicable["scenario"]) == other
    assert not_applicable["message"].str.contains("takes no loss argument, so it is for bce").all()
    diff = pd.read_csv(tmp_path / "differences.csv")
    assert (diff[(diff["dtype"] == "float64") & ~diff["scenario"].isin(other)]["difference"] < 1e-12).all()


def test_a_wrong_layer_derivative_fails_on_the_recursion_of_dZ(tmp_path):
    code, df = _run(tmp_path, "wrong_layer_derivative", "--suite", "smoke")
    failed = df[~df["passed"].astype(bool)]
    assert code == 1 and set(failed["check"]) == {"reference", "recursion"}
    assert set(failed[failed["check"] == "recursion"]["quantity"]) == {"dZ"}
    assert not failed["quantity"].isin(["dZ"]).all()  # and what follows: dW, db, dA below


def test_missing_one_over_m_fails_on_dW_only(tmp_path):
    code, df = _run(tmp_path, "missing_one_over_m", "--suite", "smoke")
    failed = df[~df["passed"].astype(bool)]
    assert code == 1 and set(failed["quantity"]) == {"dW"} and set(failed["check"]) == {"reference", "x(a-y)"}


def test_only_the_required_keys_makes_no_dZ_or_identity_rows(tmp_path):
    code, df = _run(tmp_path, "only_dW_db", "--suite", "smoke")
    assert code == 0 and set(df["quantity"]) == {"dW", "db"} and set(df["check"]) == {"reference"}


def test_not_implemented_is_a_failure_unless_the_network_is_declared_out(tmp_path):
    code, df = _run(tmp_path, "no_leaky_relu", "--suite", "smoke")
    failed = df[~df["passed"].astype(bool)]
    assert code == 1 and len(failed) == 8 and failed["scenario"].str.contains("leaky_relu").all()
    assert "no_leaky_relu raised NotImplementedError: leaky_relu is not supported (at course_backward.py:80 in " \
           "no_leaky_relu): unfinished code fails; if no_leaky_relu is not meant to compute" in failed["message"].iloc[0]
    assert "unsupported" not in set(df["status"])
    code, df = _run(tmp_path / "declared", "no_leaky_relu", "--suite", "smoke", "--activations",
                    "sigmoid,tanh,relu,identity")
    out = df[df["status"] == "not applicable"]
    assert code == 0 and len(out) == 8 and out["scenario"].str.contains("leaky_relu").all()
    assert out["message"].str.endswith("[leaky_relu (declared)]").all()


def test_misbehaving_function_gives_clear_failure_rows_and_the_run_goes_on(tmp_path):
    code, df = _run(tmp_path, "misbehaving", "--suite", "smoke", "--name", "mine")
    assert code == 1 and set(df["engine"]) == {"mine"}
    msgs = df[~df["passed"].astype(bool)].groupby("quantity")["message"].first()
    assert "mine raised ZeroDivisionError: division by zero (at course_backward.py:" in msgs["-"]
    assert "missing" in df[(df["quantity"] == "db") & (df["layer"] == 1)]["message"].iloc[0]
    assert df["message"].str.contains("shape mismatch: got").any()
    assert df["message"].str.contains(r"actual nan").any()
    assert df["scenario"].nunique() == 20


@pytest.mark.parametrize("spec, message", [
    ("nofunc", "expected FILE.py:FUNC"),
    ("/nonexistent.py:f", "no file /nonexistent.py"),
    (f"{BYO}:not_there", "has no function 'not_there'"),
])
def test_bad_backward_exits_2(spec, message, tmp_path, capsys):
    assert main(["run", "--backward", spec, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_a_file_that_fails_to_import_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(:\n")
    assert main(["run", "--backward", f"{bad}:f", "--out", str(tmp_path)]) == 2
    assert "importing" in capsys.readouterr().err


def _save_network(path, s: Scenario, drop=None, change=None):
    p = build_problem(s)
    arrays = {"X": p.X, "Y": p.Y, **p.parameters, "activations": np.array(s.activations)}
    if drop:
        del arrays[drop]
    arrays.update(change or {})
    np.savez(path, **arrays)
    return path


def test_network_file_runs_one_network(tmp_path):
    net = _save_network(tmp_path / "mine.npz", Scenario((3, 4, 1), ("tanh", "sigmoid"), 6))
    code, df = _run(tmp_path, "L_model_backward", "--network", str(net))
    assert code == 0 and set(df["scenario"]) == {"net-mine_tanh-sigmoid_3-4-1_m6_float64"}


@pytest.mark.parametrize("drop, change, message", [
    ("b2", None, "missing key 'b2'"),
    ("activations", None, "missing key 'activations'"),
    (None, {"W2": np.ones((1, 5))}, "W2 has shape (1, 5), expected (1, 4)"),
    (None, {"Y": np.ones((1, 5))}, "Y has shape (1, 5), expected (1, 6)"),
    (None, {"activations": np.array(["tanh", "softsign"])}, "unknown activation 'softsign'"),
    (None, {"activations": np.array([{"a": 1}], dtype=object)}, "without pickle"),
])
def test_bad_network_file_exits_2_with_one_line(drop, change, message, tmp_path, capsys):
    net = _save_network(tmp_path / "bad.npz", Scenario((3, 4, 1), ("tanh", "sigmoid"), 6), drop, change)
    assert main(["run", "--network", str(net), "--engines", "numpy", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_values_that_are_not_arrays_fail_their_rows_and_never_crash_the_harness(tmp_path, capsys):
    """A string, a None and nested lists where arrays belong: failing rows (exit 1), a
    diagnosis, no internal error (exit 3)."""
    module = tmp_path / "junk.py"
    module.write_text(
        "import numpy as np\n\n"
        "def backward(parameters, X, Y, activations):\n"
        "    out = {}\n"
        "    for l in range(1, len(activations) + 1):\n"
        "        out[f'dW{l}'] = 'oops' if l == 1 else np.zeros_like(parameters[f'W{l}'])\n"
        "        out[f'db{l}'] = [[0.0]] * parameters[f'b{l}'].shape[0]\n"
        "        out[f'dZ{l}'] = None\n"
        "    return out\n")
    assert main(["run", "--suite", "smoke", "--backward", f"{module}:backward", "--out", str(tmp_path / "out"),
                 "-q"]) == 1
    err = capsys.readouterr().err
    assert "internal error" not in err
    df = pd.read_csv(tmp_path / "out" / "discrepancies.csv")
    mine = df[df["engine"] == "backward"]
    assert mine.loc[~mine["passed"], "scenario"].nunique() == 20
    assert len(pd.read_csv(tmp_path / "out" / "diagnosis.csv")) >= 1
