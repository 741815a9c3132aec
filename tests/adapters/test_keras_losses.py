"""Keras 3's losses on Keras Dense layers, TensorFlow backend (adapters/keras_losses.py): the
fused kernels BinaryCrossentropy and CategoricalCrossentropy(from_logits=True) reproduce
A - Y and MeanSquaredError the chain rule, in both reductions; on probabilities
(from_logits=False) Keras' epsilon clip and its cce normalisation are named conventions that
explain their rows value by value and nothing else; planted slips fail in each."""
from __future__ import annotations

import numpy as np
import pytest

from crosscheck.analyses.mutant_kills import mutation_table
from crosscheck.analyses.mutants import CATALOGUE
from crosscheck.checks.conventions import KERAS_EPSILON
from crosscheck.running.runner import run
from crosscheck.running.statuses import CONVENTION
from crosscheck.scenarios import build_problem, suite
from tests.support import engine_or_skip, named_engines

KERAS_ENGINES = ("keras", "keras-sum", "keras-probabilities")
#: Every loss and output of the losses suite, small (a few of each pair), and bce's from smoke.
LOSSES = [s for s in suite("losses") if s.m <= 16 and s.depth <= 3][::7] + list(suite("smoke"))[::4]
#: float32 sigmoid + bce networks with outputs that round to exactly 1 (the conventions suite's
#: ``saturated`` regime: neither the losses nor the tails suite has an output within 1e-7 of 1).
SATURATED = [s for s in suite("conventions") if s.regime == "saturated"]


@pytest.fixture(scope="module")
def keras_engines():
    return named_engines(KERAS_ENGINES)


def _labels(df) -> set:
    return set(df.loc[df["status"] == CONVENTION, "message"].str.split(":").str[0])


def _clipped(engine, s) -> np.ndarray:
    """The engine's own outputs Keras' clip changes (outside [eps, 1 - eps] in its dtype)."""
    a = engine.trace(build_problem(s)).A[s.depth]
    return (a < a.dtype.type(KERAS_EPSILON)) | (a > a.dtype.type(1 - KERAS_EPSILON))


def test_the_sample_covers_every_loss_and_output():
    assert {(s.loss, s.activations[-1]) for s in LOSSES} >= {("bce", "sigmoid"), ("cce", "softmax"),
                                                              ("mse", "identity")}
    assert len({(s.loss, s.activations[-1]) for s in LOSSES}) > 3  # and non-canonical pairs
    assert {s.dtype for s in LOSSES} == {"float64", "float32"}


@pytest.mark.parametrize("name", KERAS_ENGINES)
def test_the_keras_losses_pass_and_a_minus_y_holds_on_the_fused_kernels(keras_engines, name):
    engine = engine_or_skip(keras_engines, name)
    df = run(LOSSES, [engine], progress=False)
    assert df["passed"].all(), df[~df["passed"]][["scenario", "check", "quantity", "message"]].head().to_string()
    for s in LOSSES:
        rows = df[df["scenario"] == s.id]
        fused = engine.fused(s)
        assert fused == (name != "keras-probabilities" and s.loss in ("bce", "cce")), s.id
        top = rows[(rows["check"] == "reference") & (rows["quantity"] == "dA") & (rows["layer"] == s.depth)]
        assert len(top) == (0 if fused else 1), s.id  # a fused loss never forms dA[L]
        if fused:
            a_y = rows[rows["check"] == "A-Y"]
            assert list(a_y["status"]) == ["pass"], s.id  # dZ[L] of the fused kernel is A - Y
    # the only conventions: TensorFlow's float32 leaky_relu slope, and on probabilities cce's normalisation
    allowed = {"convention (float32 leaky_relu slope)"}
    if name == "keras-probabilities":
        allowed.add("convention (Keras cce normalisation)")
    assert _labels(df) <= allowed


def test_cce_on_probabilities_is_normalised_a_convention_of_da_l_only(keras_engines):
    engine = engine_or_skip(keras_engines, "keras-probabilities")
    cce = [s for s in LOSSES if s.loss == "cce" and "leaky_relu" not in s.activations]
    df = run(cce, [engine], progress=False)
    assert df["passed"].all() and _labels(df) == {"convention (Keras cce normalisation)"}
    labelled = df[df["status"] == CONVENTION]
    assert set(zip(labelled["scenario"], labelled["quantity"], labelled["layer"])) == {
        (s.id, "dA", s.depth) for s in cce}  # dA[L] = -y/a + 1; dZ[L] and below are the article's

    class Unclaimed(type(engine)):  # the same loss without the claim: its dA[L] rows fail
        name = "keras-probabilities-unclaimed"
        conventions = ()

    assert not run(cce, [Unclaimed()], progress=False)["passed"].all()


def test_the_epsilon_clip_is_a_convention_and_only_where_it_bites(keras_engines):
    engine = engine_or_skip(keras_engines, "keras-probabilities")
    clipped = {s.id: _clipped(engine, s) for s in SATURATED}
    assert all(c.any() for c in clipped.values())
    df = run(SATURATED, [engine], progress=False)
    assert df["passed"].all(), df[~df["passed"]][["scenario", "check", "quantity", "message"]].head().to_string()
    assert _labels(df) == {"convention (Keras epsilon clip)"}
    for s in SATURATED:  # dZ[L] is 0 where the clip bites: A - Y fails there, as the convention says
        a_y = df[(df["scenario"] == s.id) & (df["check"] == "A-Y")]
        assert list(a_y["status"]) == [CONVENTION], s.id

    class Unclaimed(type(engine)):  # the same loss without the claim: the clipped rows fail
        name = "keras-probabilities-unclaimed"
        conventions = ()

    unclaimed = run(SATURATED, [Unclaimed()], progress=False)
    assert set(unclaimed.loc[~unclaimed["passed"], "scenario"]) == {s.id for s in SATURATED}

    class Slip(type(engine)):  # the convention claimed, dW[1] doubled: still a failure
        name = "keras-probabilities-slip"

        def trace(self, problem):
            from dataclasses import replace

            t = super().trace(problem)
            return replace(t, dW={**t.dW, 1: t.dW[1] * t.dW[1].dtype.type(2)})

    partly = [s for s in SATURATED if not clipped[s.id].all()]  # all clipped: every gradient is 0, and 2 x 0 too
    assert partly
    slipped = run(partly, [Slip()], progress=False)
    for s in partly:
        rows = slipped[(slipped["scenario"] == s.id) & (slipped["quantity"] == "dW") & (slipped["layer"] == 1)]
        assert not rows["passed"].all(), s.id


def test_the_fused_engines_need_no_clip_where_the_output_rounds_to_one(keras_engines):
    engine = engine_or_skip(keras_engines, "keras")  # sigmoid_cross_entropy_with_logits: A - Y at a = 1 as well
    df = run(SATURATED, [engine], progress=False)
    assert df["passed"].all() and (df["status"] != CONVENTION).all()


@pytest.mark.parametrize("name", KERAS_ENGINES)
def test_every_mutant_planted_in_a_keras_loss_is_killed(keras_engines, name):
    host = engine_or_skip(keras_engines, name)
    table = mutation_table(LOSSES, progress=False, host=host)
    real = table[table["equivalent"] == ""]
    assert len(real) == len([m for m in CATALOGUE if not m.equivalent and m.tag != "per-example"])
    survived = real[~real["killed"]]
    assert survived.empty, survived["id"].tolist()
