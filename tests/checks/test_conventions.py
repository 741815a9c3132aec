"""The convention pack: differences that are conventions are labelled, and checked."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crosscheck.analyses.mutants import MutantEngine, mutant
from crosscheck.checks.arrays import agrees
from crosscheck.checks.conventions import CONVENTIONS
from crosscheck.engines import resolve_engines
from crosscheck.running.runner import run
from crosscheck.running.statuses import CONVENTION
from crosscheck.scenarios import Scenario, build_problem, suite
from crosscheck.scenarios.suites import CONVENTION_ENGINES
from crosscheck.scenarios.tolerances import Tolerance

PACK = suite("conventions")


@pytest.fixture(scope="module")
def engines():
    ready, unavailable = resolve_engines(CONVENTION_ENGINES)
    return {e.name: e for e in ready}, unavailable


@pytest.fixture(scope="module")
def pack(engines):
    return run(PACK, list(engines[0].values()), progress=False)


def test_the_pack_has_exact_zeros_and_exactly_saturated_outputs():
    from crosscheck import reference

    zeros = [s for s in PACK if s.regime == "zeros"]
    saturated = [s for s in PACK if s.regime == "saturated"]
    assert zeros and saturated
    for s in zeros:
        p = build_problem(s)
        _, Z = reference.forward(p.parameters, p.X, s.activations)
        assert any((Z[l] == 0).any() for l, a in enumerate(s.activations, 1) if a in ("relu", "leaky_relu")), s.id
    for s in saturated:
        p = build_problem(s)
        A, _ = reference.forward(p.parameters, p.X, s.activations)
        assert (A[s.depth] == 1).any(), s.id  # float32 rounds these outputs to exactly 1


def test_every_difference_in_the_pack_is_a_labelled_convention(pack):
    assert pack["passed"].all(), pack[~pack["passed"]][["scenario", "engine", "check", "quantity"]].to_string()
    labelled = pack[pack["status"] == CONVENTION]
    assert labelled["message"].str.startswith("convention (").all()
    names = set(labelled["message"].str.extract(r"^convention \((.*?)\): ")[0])
    for expected in ("leaky_relu'(0) = 1", "kink: mean of one-sided slopes", "saturated sigmoid, chain rule",
                     "saturated sigmoid, direct form", "BCELoss clamping", "JAX without x64", "np.maximum's tie",
                     "float32 leaky_relu slope"):
        assert any(expected in n for n in names), (expected, names)


def test_both_derivations_side_by_side_on_a_saturated_output(pack):
    """numpy (direct A - Y) keeps dZ[L] finite and right; numpy-chain gives NaN, labelled."""
    sat = pack[(pack["scenario"].str.endswith("_saturated")) & (pack["check"] == "reference")
               & (pack["quantity"] == "dZ") & (pack["layer"] == pack["depth"])]
    direct, chain = sat[sat["engine"] == "numpy"], sat[sat["engine"] == "numpy-chain"]
    assert (direct["status"] == "pass").all()
    assert (chain["status"] == CONVENTION).all() and chain["message"].str.contains("inf \\* 0 = NaN").all()


def test_torch_and_jax_agree_with_the_reference_where_no_convention_is_hit(pack):
    plain = pack[pack["engine"].isin(["torch", "numpy"]) & ~pack["scenario"].str.endswith("_saturated")]
    assert (plain["status"] == "pass").all()  # torch: relu'(0) = 0, leaky_relu'(0) = 0.01, like the reference


@pytest.mark.parametrize("m_id", ["dW-missing-1/m", "Y-minus-A", "leaky_relu'-slope-1", "article-g'[L]-for-layer-L-1"])
def test_a_real_bug_in_the_pack_is_not_explained_away(m_id):
    df = run(PACK, [MutantEngine(mutant(m_id))], progress=False)
    failed = df[~df["passed"]]
    assert len(failed), f"{m_id} passes the convention pack"
    assert (failed["status"] == "fail").all()


def test_agrees_needs_the_same_non_finite_places_and_finite_values_within_tolerance():
    tol = Tolerance(1e-6, 1e-9)
    e = np.array([1.0, np.nan, np.inf, -np.inf])
    assert agrees(e, e.copy(), tol)
    assert not agrees(e, np.array([1.0, 0.0, np.inf, -np.inf]), tol)  # a NaN where NaN was expected? no
    assert not agrees(e, np.array([1.0, np.nan, -np.inf, -np.inf]), tol)  # wrong sign of inf
    assert not agrees(e, np.array([1.1, np.nan, np.inf, -np.inf]), tol)
    assert not agrees(e, e[:3], tol) and not agrees(None, e, tol)


def test_every_convention_has_a_one_line_explanation():
    for c in CONVENTIONS:
        assert c.explanation and "\n" not in c.explanation and len(c.name) < 40


class ReluPrimeOneAtZero(MutantEngine):
    """The reference with relu'(z) = 1 for z >= 0 (a hand-written ``Z >= 0`` mask)."""

    def __init__(self, everywhere: bool = False):
        from dataclasses import replace

        from crosscheck.analyses.mutants import Mutant
        from crosscheck.reference.steps import FORMULAS

        def g_prime(step):
            name, Z = step.activations[step.l - 2], step.Z[step.l - 1]
            if name != "relu":
                return FORMULAS.g_prime_prev(step)
            return np.ones_like(Z) if everywhere else (Z >= 0).astype(Z.dtype)

        super().__init__(Mutant("relu-ge-0", "common", "g'", "relu'(z) = 1 for z >= 0",
                                replace(FORMULAS, g_prime_prev=g_prime)))
        self.name = "relu-ge-0" if not everywhere else "relu-prime-1"


def test_relu_prime_one_at_zero_is_labelled_and_relu_prime_one_everywhere_is_not():
    s = Scenario.from_id("tanh-relu-sigmoid_4-5-5-1_m13_float64_s0_zeros")
    at_zero = run([s], [ReluPrimeOneAtZero()], progress=False)
    labelled = at_zero[at_zero["status"] == CONVENTION]
    assert at_zero["passed"].all() and len(labelled)
    assert labelled["message"].str.startswith("convention (relu'(0) = 1)").all()
    everywhere = run([s], [ReluPrimeOneAtZero(everywhere=True)], progress=False)
    assert (everywhere["status"] == "fail").any()


@pytest.mark.parametrize("name", ["jax_backward", "numpy"])
def test_a_name_grants_no_convention_and_shares_no_rows(name, tmp_path):
    """Conventions of a framework's own settings are claimed by the engine class
    (Engine.conventions), never by a name: a float32 backward called jax_backward fails like
    any other, and one called numpy is reported apart from the numpy engine."""
    from crosscheck.cli import main
    from tests.support import CLIENTS

    assert main(["run", "--suite", "smoke", "--dtypes", "float64", "--backward",
                 f"{CLIENTS}/float32_inside.py:{name}", "--out", str(tmp_path), "-q"]) == 1
    df = pd.read_csv(tmp_path / "discrepancies.csv")
    mine = df[df["engine"] == (name if name != "numpy" else "numpy (yours)")]
    assert set(df["engine"]) == {"numpy", mine["engine"].iloc[0]}
    assert mine.loc[~mine["passed"], "scenario"].nunique() == 10  # every float64 scenario fails
    assert not (mine["status"] == "convention").any()
    assert df.loc[df["engine"] == "numpy", "passed"].all()
