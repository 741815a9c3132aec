"""torch.nn's loss modules (adapters/torch_losses.py) and optax's (adapters/optax_losses.py):
the fused kernels BCEWithLogitsLoss, CrossEntropyLoss, sigmoid_binary_cross_entropy and
softmax_cross_entropy reproduce A - Y, MSELoss, BCELoss and l2_loss the chain rule, in both
torch reductions;
label smoothing is a named convention that explains its rows value by value and nothing
else; planted slips fail in each."""
from __future__ import annotations

import pytest

from crosscheck.analyses.mutant_kills import mutation_table
from crosscheck.analyses.mutants import CATALOGUE
from crosscheck.running.runner import run
from crosscheck.running.statuses import CONVENTION
from crosscheck.scenarios import suite
from tests.support import engine_or_skip, named_engines

LOSS_ENGINES = ("torch-nn", "torch-nn-sum", "torch-nn-smoothing", "jax-optax")
#: Every loss and output of the losses suite, small (a few of each pair), and bce's from smoke.
LOSSES = [s for s in suite("losses") if s.m <= 16 and s.depth <= 3][::7] + list(suite("smoke"))[::4]


@pytest.fixture(scope="module")
def loss_engines():
    return named_engines(LOSS_ENGINES)


def test_the_sample_covers_every_loss_and_output():
    assert {(s.loss, s.activations[-1]) for s in LOSSES} >= {("bce", "sigmoid"), ("cce", "softmax"),
                                                              ("mse", "identity")}
    assert len({(s.loss, s.activations[-1]) for s in LOSSES}) > 3  # and non-canonical pairs


@pytest.mark.parametrize("name", ["torch-nn", "torch-nn-sum", "jax-optax"])
def test_the_library_losses_pass_and_a_minus_y_holds_on_the_fused_kernels(loss_engines, name):
    df = run(LOSSES, [engine_or_skip(loss_engines, name)], progress=False)
    assert df["passed"].all(), df[~df["passed"]][["scenario", "check", "quantity", "message"]].head().to_string()
    for s in LOSSES:
        rows = df[df["scenario"] == s.id]
        fused = (s.loss, s.activations[-1]) in (("bce", "sigmoid"), ("cce", "softmax"))
        top = rows[(rows["check"] == "reference") & (rows["quantity"] == "dA") & (rows["layer"] == s.depth)]
        assert len(top) == (0 if fused else 1), s.id  # a fused loss never forms dA[L]
        if fused:
            a_y = rows[rows["check"] == "A-Y"]
            assert list(a_y["status"]) == ["pass"], s.id  # dZ[L] of the fused kernel is A - Y


def test_label_smoothing_is_a_convention_and_only_its_target(loss_engines):
    engine = engine_or_skip(loss_engines, "torch-nn-smoothing")
    cce = [s for s in LOSSES if s.loss == "cce"]
    df = run(cce, [engine], progress=False)
    assert df["passed"].all() and (df["status"] == CONVENTION).any()
    assert set(df.loc[df["status"] == CONVENTION, "message"].str.split(":").str[0]) == {"convention (label smoothing)"}

    class Unclaimed(type(engine)):  # the same loss without the claim: its rows fail
        name = "torch-nn-smoothing-unclaimed"
        conventions = ()

    assert not run(cce, [Unclaimed()], progress=False)["passed"].all()


@pytest.mark.parametrize("name", LOSS_ENGINES)
def test_every_mutant_planted_in_a_library_loss_is_killed(loss_engines, name):
    host = engine_or_skip(loss_engines, name)
    scenarios = [s for s in LOSSES if s.loss == "cce"] if name == "torch-nn-smoothing" else LOSSES
    table = mutation_table(scenarios, progress=False, host=host)
    real = table[table["equivalent"] == ""]
    assert len(real) == len([m for m in CATALOGUE if not m.equivalent and m.tag != "per-example"])
    survived = real[~real["killed"]]
    assert survived.empty, survived["id"].tolist()
