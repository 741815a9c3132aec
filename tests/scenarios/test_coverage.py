"""What the suites' data reach per activation (scenarios/coverage.py), and the command that prints it."""
from __future__ import annotations

import json

import numpy as np
import pytest

from crosscheck.cli import main
from crosscheck.scenarios import Problem, Scenario, suite
from crosscheck.scenarios.coverage import NEAR, Reach, problem_reach, suite_reach
from crosscheck.scenarios.problem import KINK_MARGIN
from crosscheck.scenarios.tails import KINKS

DEFAULT = suite("default")


def test_the_default_suite_reaches_every_tail_and_both_sides_of_every_kink():
    reaches = {r.activation: r for r in suite_reach(DEFAULT)}
    hidden = {a for s in DEFAULT for a in s.activations[:-1]}
    assert hidden <= set(reaches)
    for name, r in reaches.items():
        assert r.complete, r
        assert all(hit is not False for hit in r.tails_reached), r
        if name in KINKS:
            assert r.below > 0 and r.above > 0, r
    assert reaches["sigmoid"].tails_reached == (True, True) and reaches["tanh"].tails_reached == (True, True)


def test_without_its_tails_networks_the_default_suite_misses_the_tails():
    # the measure can say no: the suite as it was before the tails networks
    reaches = {r.activation: r for r in suite_reach([s for s in DEFAULT if s.regime != "tails"])}
    assert reaches["sigmoid"].tails_reached == (False, False)
    assert reaches["tanh"].tails_reached == (False, False)
    assert not reaches["sigmoid"].complete and reaches["relu"].complete


def test_the_full_suites_tails_networks_reach_every_tail():
    reaches = suite_reach(suite("tails"))
    assert {r.activation for r in reaches} >= {"sigmoid", "tanh", "softplus", "silu", "elu", "gelu", "gelu_tanh"}
    assert all(r.complete for r in reaches), [r for r in reaches if not r.complete]


def test_kink_counts_keep_out_of_the_margin_and_within_near():
    s = Scenario((1, 5, 1), ("relu", "sigmoid"), 1)
    z = np.array([[-NEAR * 0.8], [-KINK_MARGIN / 2], [NEAR / 2], [NEAR * 2], [-0.3]])
    p = Problem(s, np.ones((1, 1)), np.ones((1, 1)),
                {"W1": z, "b1": np.zeros((5, 1)), "W2": np.ones((1, 5)), "b2": np.zeros((1, 1))})
    relu = problem_reach(p)["relu"]
    assert (relu.below, relu.above, relu.values, relu.layers) == (1, 1, 5, 1)
    assert (relu.z_min, relu.z_max) == (-0.3, NEAR * 2)
    assert "sigmoid" not in problem_reach(p)  # sigmoid with bce: A - Y, no g' of the output to reach
    mse = Scenario((1, 5, 1), ("relu", "sigmoid"), 1, loss="mse")  # a non-canonical pair: its g' counts
    reach = problem_reach(Problem(mse, p.X, p.Y, p.parameters))
    assert reach["sigmoid"].below is None and reach["sigmoid"].layers == 1


def test_reaches_merge_over_layers_and_scenarios():
    a = Reach("relu", 1, 10, -1.0, 2.0, 3, 0)
    b = Reach("relu", 2, 5, -4.0, 1.0, 0, 2)
    assert a.merge(b) == Reach("relu", 3, 15, -4.0, 2.0, 3, 2)
    assert not a.complete and a.merge(b).complete


def test_scenarios_coverage_prints_the_table_and_exits_0(capsys):
    assert main(["scenarios", "--suite", "default", "--coverage"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert set(rows) == {"sigmoid", "tanh", "relu", "leaky_relu", "identity"}  # softmax: an output of cce alone
    assert all(line.rstrip().endswith("yes") for line in rows.values())
    assert main(["scenarios", "--suite", "smoke", "--coverage"]) == 0  # smoke reaches no tail: still 0
    assert "NO" in capsys.readouterr().out


def test_scenarios_coverage_json(capsys):
    assert main(["scenarios", "--suite", "tails", "--dtypes", "float64", "--coverage", "--json"]) == 0
    data = {r["activation"]: r for r in json.loads(capsys.readouterr().out)}
    assert data["tanh"]["tails_reached"] == [True, True] and data["gelu"]["tails_reached"] == [True, None]
    assert data["elu"]["below"] > 0 and data["sigmoid"]["below"] is None


@pytest.mark.parametrize("args", [["scenarios", "--suite", "nope", "--coverage"],
                                  ["scenarios", "--coverage", "--dtypes", "float8"]])
def test_scenarios_coverage_bad_usage_exits_2(args, capsys):
    assert main(args) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
