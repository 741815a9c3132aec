"""Where it goes wrong: the first failing quantity in backprop order, originates vs inherited."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from crosscheck.analyses.diagnosis import diagnose
from crosscheck.analyses.mutants import MutantEngine, mutant
from crosscheck.checks.localise import FORM_ONLY, backprop_order, conform
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


class SqueezedDb(PlantedEngine):
    """A planted slip (or none), with every db squeezed to 1-D: its values stay the slip's."""

    def __init__(self, bug: str):
        super().__init__(bug)
        self.name = f"squeezed-db:{bug}"

    def trace(self, problem):
        t = super().trace(problem)
        return replace(t, db={l: v.ravel() for l, v in t.db.items()})


def test_wrong_values_come_before_a_db_whose_only_fault_is_its_shape():
    """db[3] and db[2] fail for their shape alone, before dZ[1] in backprop order: the first
    wrong quantity is still dZ[1], where the values go wrong; db[1] is wrong and squeezed, and
    inherits from dZ[1] (judged on its values)."""
    where = _where(SqueezedDb("wrong-layer-derivative"))
    first = where[where["first"]].iloc[0]
    assert (first["quantity"], first["layer"], first["verdict"]) == ("dZ", 1, "originates here")
    verdicts = {(row.quantity, row.layer): row.verdict for row in where.itertuples()}
    for l in (3, 2):
        assert verdicts[("db", l)].startswith(FORM_ONLY) and "shape mismatch" in verdicts[("db", l)]
    assert verdicts[("db", 1)] == "inherited from dZ[1]"
    assert where.sort_values("order")["verdict"].str.startswith(FORM_ONLY).is_monotonic_increasing


def test_a_db_wrong_only_in_shape_is_first_only_when_nothing_else_is_wrong():
    result = run_all([NET], [SqueezedDb("none")], progress=False)
    first = result.where[result.where["first"]].iloc[0]
    assert (first["quantity"], first["layer"]) == ("db", 3) and first["verdict"].startswith(FORM_ONLY)
    found = diagnose(result.observations, result.evidence, result.where)
    assert list(found["kind"]) == ["slip"] and "`db-no-keepdims`" in found.iloc[0]["finding"]


def test_the_diagnosis_of_a_squeezed_db_beside_a_slip_names_both_and_the_first_wrong_values():
    result = run_all(suite("smoke"), [SqueezedDb("wrong-layer-derivative")], progress=False)
    found = diagnose(result.observations, result.evidence, result.where)
    both = found[found["kind"] == "slips"].iloc[0]["finding"]
    assert "`article-g'[L]-for-layer-L-1`" in both and "`db-no-keepdims`" in both
    assert "its first wrong quantity: dZ[L-1]" in both  # not db[L], whose values are right
    # the evidence's first wrong quantity is where.csv's: db only where nothing else is wrong (one layer)
    evidence = result.evidence.set_index("scenario")["first"]
    where = result.where[result.where["first"]].set_index("scenario")
    assert dict(evidence) == {sid: f"{row.quantity}[{row.layer}]" for sid, row in where.iterrows()}
    assert {Scenario.from_id(sid).depth for sid, q in evidence.items() if q.startswith("db")} == {1}


def test_only_length_1_axes_are_conformed():
    import numpy as np

    assert conform(np.arange(3.0), (3, 1)).shape == (3, 1)
    assert conform(np.ones((1, 3)), (3, 1)).shape == (3, 1)
    assert conform(np.ones((2, 3)), (3, 2)).shape == (2, 3)  # a transpose stays a shape error
    assert conform(np.ones(4), (3, 1)).shape == (4,)
    assert conform(None, (3, 1)) is None and conform("text", (3, 1)) == "text"
