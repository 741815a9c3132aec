"""Output/loss pairs: A - Y holds for the canonical ones, and negative controls behave."""
from __future__ import annotations

import numpy as np
import pytest

from crosscheck import reference
from crosscheck.adapters.base import Trace
from crosscheck.adapters.numpy_reference import NumpyReference
from crosscheck.cli import main
from crosscheck.running.runner import run
from crosscheck.running.statuses import EXPECTED_NOT_TO_HOLD
from crosscheck.scenarios import Scenario, build_problem
from crosscheck.scenarios.suites import LOSS_PAIRS
from tests.support import ENGINE_NAMES, assert_declined, declined

PACK = tuple(
    Scenario(sizes[:-1] + (n_L,), hidden + (out,), m, dtype, loss=loss)
    for out, loss, n_L in LOSS_PAIRS
    for sizes, hidden in (((4, 1), ()), ((5, 4, 3, 1), ("tanh", "relu")))
    for m in (1, 13)
    for dtype in ("float64", "float32")
)


class ArticleFormulaEverywhere(NumpyReference):
    """The slip the negative controls exist for: dZ[L] = A - Y whatever the loss."""

    name = "A-Y-everywhere"

    def trace(self, problem) -> Trace:
        s = problem.scenario
        t = reference.trace(problem.parameters, problem.X, problem.Y, s.activations, loss=s.loss)
        A, Z = t.A, t.Z
        dA, dZ, dW, db = reference.backward(problem.parameters, A, Z, problem.Y, s.activations,
                                            derivation="direct", loss=CANONICAL_LOSS[s.activations[-1]])
        dA[s.depth] = t.dA[s.depth]  # the loss's own dA[L]; only dZ[L] uses the wrong formula
        return Trace(A=A, Z=Z, dA=dA, dZ=dZ, dW=dW, db=db)


CANONICAL_LOSS = {out: loss for loss, out in reference.CANONICAL.items()} | {"tanh": "mse"}


@pytest.mark.parametrize("engine", ENGINE_NAMES, indirect=True)
@pytest.mark.parametrize("scenario", PACK, ids=lambda s: s.id)
def test_every_engine_passes_every_pair_and_the_negative_controls_do_not_hold(engine, scenario):
    df = run([scenario], [engine], progress=False)
    if reason := declined(engine, scenario):
        return assert_declined(df, reason)
    assert df["passed"].all(), df[~df["passed"]][["check", "quantity", "layer", "message"]].to_string()
    a_y = df[df["check"] == "A-Y"].iloc[0]
    chain = df[df["check"] == "chain"].iloc[0]
    assert chain["status"] == "pass"
    if reference.is_canonical(scenario.loss, scenario.activations[-1]):
        assert a_y["status"] == "pass"
    else:  # shown not to hold, by far, and reported as such
        assert a_y["status"] == EXPECTED_NOT_TO_HOLD and a_y["max_rel_err"] > 0.1
        assert "expected not to hold" in a_y["message"] and "chain" in a_y["message"]


def test_a_negative_control_that_holds_is_a_failure():
    """An engine that uses the article's A - Y for sigmoid with mse: A-Y 'holds' on its
    values, which fails the A-Y row, and the reference and chain rows fail too."""
    s = Scenario((4, 3, 1), ("tanh", "sigmoid"), 13, loss="mse")
    df = run([s], [ArticleFormulaEverywhere()], progress=False)
    a_y = df[df["check"] == "A-Y"].iloc[0]
    assert not a_y["passed"] and a_y["status"] == "fail" and "must not" in a_y["message"]
    failed = set(df.loc[~df["passed"], "check"])
    assert {"A-Y", "chain", "reference"} <= failed
    # the same engine on the canonical pairs is correct
    good = [Scenario((4, 3, 3), ("tanh", "softmax"), 13, loss="cce"),
            Scenario((4, 3, 2), ("tanh", "identity"), 13, loss="mse")]
    assert run(good, [ArticleFormulaEverywhere()], progress=False)["passed"].all()


def test_a_run_of_negative_controls_exits_0_and_the_summary_lists_them(tmp_path):
    code = main(["run", "--scenario", "relu-tanh_4-3-2_m13_float64_s0_mse", "--out", str(tmp_path),
                 "--no-progress", "-q"])
    summary = (tmp_path / "summary.md").read_text()
    assert code == 0 and "## Differences that are expected" in summary and "tanh output with mse" in summary


@pytest.mark.parametrize("kwargs,message", [
    (dict(layer_sizes=(4, 3, 1), activations=("softmax", "sigmoid")), "output activation"),
    (dict(layer_sizes=(4, 1), activations=("sigmoid",), loss="cce"), "softmax output with n_L >= 2"),
    (dict(layer_sizes=(4, 1), activations=("softmax",), loss="cce"), "n_L >= 2"),
    (dict(layer_sizes=(4, 3), activations=("softmax",), loss="mse"), "needs loss cce"),
    (dict(layer_sizes=(4, 2), activations=("identity",), loss="mse", regime="soft"), "soft labels"),
    (dict(layer_sizes=(4, 2), activations=("identity",), loss="hinge"), "unknown loss"),
])
def test_impossible_pairs_are_refused_with_one_line(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Scenario(m=4, **kwargs)


def test_targets_fit_the_loss():
    cce = build_problem(Scenario.from_id("tanh-softmax_4-5-3_m64_float64_s0_cce"))
    assert set(np.unique(cce.Y)) == {0.0, 1.0} and (cce.Y.sum(axis=0) == 1).all()
    soft = build_problem(Scenario.from_id("tanh-softmax_4-5-3_m64_float64_s0_cce_soft"))
    assert np.allclose(soft.Y.sum(axis=0), 1) and soft.Y.min() > 0
    tanh = build_problem(Scenario.from_id("relu-tanh_4-3-2_m64_float64_s0_mse"))
    assert -1 <= tanh.Y.min() < 0 < tanh.Y.max() <= 1
    ident = build_problem(Scenario.from_id("relu-identity_4-3-2_m64_float64_s0_mse"))
    assert ident.Y.min() < -1 or ident.Y.max() > 1  # unbounded targets for an unbounded output


def test_a_network_file_may_name_its_loss(tmp_path):
    p = build_problem(Scenario.from_id("tanh-softmax_4-5-3_m8_float64_s0_cce"))
    path = tmp_path / "clf.npz"
    np.savez(path, X=p.X, Y=p.Y, activations=np.array(["tanh", "softmax"]), loss=np.array("cce"), **p.parameters)
    code = main(["run", "--network", str(path), "--out", str(tmp_path / "out"), "--no-progress", "-q"])
    assert code == 0
