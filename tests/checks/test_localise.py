"""Where it goes wrong: the first failing quantity in backprop order, originates vs inherited."""
from __future__ import annotations

import pandas as pd

from crosscheck.analyses.mutants import MutantEngine, mutant
from crosscheck.checks.localise import backprop_order
from crosscheck.running.runner import run_all
from crosscheck.scenarios import Scenario, suite
from tests.checks.planted import PlantedEngine

NET = Scenario((5, 5, 5, 1), ("tanh", "sigmoid", "sigmoid"), 13)


def _where(engine, scenarios=(NET,)) -> pd.DataFrame:
    return run_all(list(scenarios), [engine], progress=False).where


def test_backprop_order_starts_at_the_output():
    assert backprop_order(2) == [("A", 2), ("dA", 2), ("dZ", 2), ("dW", 2), ("db", 2), ("dA", 1),
                                 ("dZ", 1), ("dW", 1), ("db", 1), ("dA", 0)]


def test_a_wrong_dA_is_where_it_starts_and_dZ_below_inherits_it():
    where = _where(MutantEngine(mutant("recursion-uses-dW")))
    first = where[where["first"]].iloc[0]
    assert (first["quantity"], first["layer"], first["verdict"]) == ("dA", 2, "originates here")
    dZ2 = where[(where["quantity"] == "dZ") & (where["layer"] == 2)].iloc[0]
    assert dZ2["verdict"] == "inherited from dA[2]"


def test_a_wrong_derivative_makes_dZ_originate_and_dW_db_inherit():
    # layers 2 and 3 are both sigmoid: the slip first shows at dZ[1] = dA[1] * g'[2] (not tanh')
    where = _where(PlantedEngine("wrong-layer-derivative"))
    first = where[where["first"]].iloc[0]
    assert (first["quantity"], first["layer"], first["verdict"]) == ("dZ", 1, "originates here")
    for q in ("dW", "db", "dA"):
        row = where[(where["quantity"] == q) & (where["layer"] == (0 if q == "dA" else 1))].iloc[0]
        assert row["verdict"] == "inherited from dZ[1]", q


def test_nothing_is_localised_when_nothing_fails():
    assert _where(PlantedEngine("none"), suite("smoke")).empty
