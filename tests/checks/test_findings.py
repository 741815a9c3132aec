"""The findings ledger's explanations (crosscheck/checks/findings.py): a finding explains an
engine's rows only where the reference recomputed with the engine's own activation gives
them and that activation stays within the finding's figure; a slip beside it still fails."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from crosscheck.checks.budget import term_scales
from crosscheck.checks.findings import applicable, deviation, explain, measure
from crosscheck.checks.per_example import reference_statistic
from crosscheck.engines import EngineSpec
from crosscheck.findings import ledger
from crosscheck.findings.ledger import FINDINGS, MARGIN
from crosscheck.running.runner import reference_trace
from crosscheck.scenarios import Scenario, build_problem, tolerance

QUANTITIES = ("A", "Z", "dA", "dZ", "dW", "db")
#: (engine, scenario) in a finding's scope whose rows fail at the float64 tolerance.
IN_SCOPE = [
    ("mlx", "gelu-sigmoid_4-5-1_m13_float64_s0"),
    ("mlx", "tanh-softplus-sigmoid_4-5-5-1_m13_float64_s0"),
    ("torch", "softplus-sigmoid_4-16-1_m64_float64_s0_tails"),
    # torch's softplus as the torch.nn modules that Opacus, BackPACK and torch.nn's losses run
    ("opacus", "softplus-sigmoid_4-16-1_m64_float64_s0_tails"),
    ("backpack", "softplus-sigmoid_4-16-1_m64_float64_s0_tails"),
    ("torch-nn", "softplus-sigmoid_4-16-1_m64_float64_s0_tails"),
]


def _engine(name):
    engines, unavailable = EngineSpec((name,)).build()
    if unavailable:
        pytest.skip(next(iter(unavailable.values())))
    return engines[0]


def _failing(problem, trace, ref):
    tol = tolerance(problem.scenario.dtype)
    return [(q, l) for q in QUANTITIES for l in trace.layers(q)
            if not np.allclose(trace.get(q, l), ref.get(q, l), rtol=tol.rtol, atol=0)]


@pytest.mark.parametrize("name, sid", IN_SCOPE)
def test_a_finding_explains_the_engines_rows_and_not_a_slip_beside_them(name, sid):
    engine, problem = _engine(name), build_problem(Scenario.from_id(sid))
    ref = reference_trace(problem)
    trace, scales = engine.trace(problem), term_scales(problem, ref)
    failing = _failing(problem, trace, ref)
    assert failing, "the finding shows at the network level here"
    explained = explain(problem, engine, trace, failing, scales)
    assert set(explained) == set(failing)
    assert all(f.engine == getattr(engine, "activation_ops", name) for found in explained.values() for f in found)
    for q, l, slip in (("dW", 1, 1 + 1e-4), ("db", 1, -1.0), ("dZ", 1, 2.0)):  # planted inside the scope
        planted = replace(trace, **{q: {**trace.layers(q), l: trace.get(q, l) * slip}})
        assert (q, l) not in explain(problem, engine, planted, failing + [(q, l)], scales), (q, l, slip)


def test_an_activation_off_by_more_than_the_figure_is_not_explained(monkeypatch):
    engine = _engine("mlx")
    problem = build_problem(Scenario.from_id(IN_SCOPE[0][1]))
    ref = reference_trace(problem)
    trace = engine.trace(problem)
    tight = tuple(replace(f, figures=tuple((a, 1e-12) for a, _ in f.figures)) for f in FINDINGS)
    monkeypatch.setattr(ledger, "FINDINGS", tight)
    assert explain(problem, engine, trace, _failing(problem, trace, ref), term_scales(problem, ref)) == {}


def test_only_the_built_in_engine_gets_its_findings():
    from crosscheck.adapters.torch_autograd import TorchAutograd

    class NamedLikeTorch(TorchAutograd):  # a third-party engine, or a mutant, that takes the name
        name = "torch"

    from crosscheck.adapters.opacus_samples import OpacusHooks

    class NamedLikeOpacus(OpacusHooks):  # the same for a variant that runs torch's ops
        pass

    s = Scenario.from_id(IN_SCOPE[2][1])
    assert applicable(TorchAutograd(), s) and not applicable(NamedLikeTorch(), s)
    assert applicable(OpacusHooks(), s) and not applicable(NamedLikeOpacus(), s)
    assert not applicable(TorchAutograd(), replace(s, dtype="float32"))
    assert not applicable(TorchAutograd(), Scenario.from_id("tanh-sigmoid_4-5-1_m13_float64_s0"))


def test_deviation_is_relative_above_the_floor_and_nan_inf_at_the_same_places_agree():
    want = np.array([1.0, 1e-2, 0.0, np.nan])
    assert deviation(want, want) == 0.0
    assert deviation(np.array([1.0, 1e-2 * (1 + 1e-6), 0.0, np.nan]), want) == pytest.approx(1e-6, rel=1e-3)
    assert deviation(np.array([1.0, 1e-2, 1e-12, np.nan]), want) == pytest.approx(1e-9)  # 1e-12 / (1e-3 x 1)
    assert deviation(np.array([1.0, 1e-2, np.inf, np.nan]), want) == np.inf


def _ledger_params():
    slow = {"tensorflow"}  # its import alone takes seconds
    return [pytest.param(f, id=f.id, marks=pytest.mark.slow if f.engine in slow else ()) for f in FINDINGS]


@pytest.mark.parametrize("finding", _ledger_params())
def test_every_figure_of_the_ledger_is_what_the_engine_measures_here(finding):
    """The ledger cannot go stale unnoticed: each figure is re-measured, within MARGIN."""
    _engine(finding.engine)
    measured = measure(finding)
    for name, figure in finding.figures:
        assert figure / MARGIN <= measured[name] <= figure, (name, measured[name], figure)
    assert finding.reproduction.is_file()


def test_backpacks_statistics_in_a_findings_scope_are_explained_and_a_slip_in_them_is_not():
    """BackPACK's sum of squares and variance of per-example gradients that rest on torch's
    softplus: explained by the reference's statistics of the per-example values recomputed
    with torch's softplus; the same statistic off by 1e-4 is not."""
    from crosscheck.reference.trace import STATISTICS

    engine = _engine("backpack")
    problem = build_problem(Scenario.from_id("softplus-softplus-sigmoid_4-12-12-1_m64_float64_s0_tails"))
    ref = reference_trace(problem)
    trace, scales = engine.trace(problem), term_scales(problem, ref)
    tol = tolerance("float64")
    failing = [(q, l) for q in STATISTICS for l in trace.layers(q)
               if not np.allclose(trace.get(q, l), reference_statistic(q, ref, l), rtol=tol.rtol, atol=0)]
    assert failing, "torch's softplus shows in BackPACK's statistics here"
    assert set(explain(problem, engine, trace, failing, scales)) == set(failing)
    q, l = failing[0]
    slipped = {**trace.statistics, q: {**trace.statistics[q], l: trace.get(q, l) * (1 + 1e-4)}}
    assert (q, l) not in explain(problem, engine, replace(trace, statistics=slipped), failing, scales)
