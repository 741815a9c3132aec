"""Every engine computes every activation of ``reference.ACTIVATIONS`` or declares, with a
reason, the ones it skips; and what an activation rests on (``Activation.rests_on``) is
what its formulas call, read by the engines from there (MLX's float64 survey)."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from crosscheck.adapters import ENGINES, VARIANTS, get_engine
from crosscheck.adapters.activation_tables import layer_functions, skips, uncovered
from crosscheck.reference import activations as reference_activations
from crosscheck.reference.activations import ACTIVATIONS, PRIMITIVES, Activation
from crosscheck.running.runner import run
from crosscheck.scenarios import Scenario

MADE_UP = "made_up"


def _made_up(rests_on=("tanh",)) -> Activation:
    """An activation no engine has heard of (tanh's formulas under another name)."""
    return Activation(MADE_UP, reference_activations.tanh, reference_activations.tanh_prime, rests_on=rests_on)


@pytest.fixture
def built(request, loaded_engines):
    """The loaded engine of the test's ``name`` (a built-in of ENGINES or VARIANTS)."""
    name = request.param
    if name in loaded_engines:
        found = loaded_engines[name]
    else:
        found = get_engine(name)
        try:
            found.load()
        except Exception as exc:  # noqa: BLE001 (EngineUnavailable): skipped with the reason
            found = str(exc)
    if isinstance(found, str):
        pytest.skip(f"engine {name} unavailable: {found}")
    return found


def table(engine, framework=None):
    """The engine's own activation table (``framework``: its loaded framework, when not the
    engine's own), or None for an engine that computes with the reference's g (numpy, fd and
    their variants)."""
    if not hasattr(engine, "activations"):
        return None
    return engine.activations(framework or engine.load())


EVERY_ENGINE = list(ENGINES) + list(VARIANTS)


def assert_covers_every_activation(engine, framework=None) -> None:
    """Every name of ACTIVATIONS is in the engine's table or declared in its ``skips``, with a
    reason; the skips name activations."""
    declared = skips(engine)
    assert set(declared) <= set(ACTIVATIONS), f"{engine.name} skips names that are no activation"
    assert all(isinstance(why, str) and why.strip() for why in declared.values()), "a skip without a reason"
    g = table(engine, framework)
    if g is None:  # the reference's own g: every name, as long as ACTIVATIONS has it
        return
    missing = uncovered(engine, g, ACTIVATIONS)
    assert missing == [], (f"{engine.name} has no function for {', '.join(missing)} and declares no skip for "
                           f"it: add it to the engine's activations, or skips = {{name: why}}")


@pytest.mark.parametrize("built", EVERY_ENGINE, indirect=True)
def test_every_engine_covers_every_activation_or_declares_what_it_skips(built):
    assert_covers_every_activation(built)


@pytest.mark.parametrize("built", EVERY_ENGINE, indirect=True)
def test_a_made_up_activation_fails_every_engine_that_does_not_declare_it(built, monkeypatch):
    monkeypatch.setitem(ACTIVATIONS, MADE_UP, _made_up())
    if table(built) is None:  # computes with ACTIVATIONS itself: the made-up one too, and runs it
        assert_covers_every_activation(built)
        df = run([Scenario((3, 4, 1), (MADE_UP, "sigmoid"), 5, "float64")], [built], progress=False)
        assert df["passed"].all(), df[~df["passed"]][["check", "quantity", "layer", "message"]].to_string()
        return
    with pytest.raises(AssertionError, match=f"no function for {MADE_UP} and declares no skip"):
        assert_covers_every_activation(built)
    Declaring = type(f"{type(built).__name__}Declaring", (type(built),), {"skips": {MADE_UP: "no such function"}})
    assert_covers_every_activation(Declaring(), built.load())


@pytest.mark.parametrize("engine", ["autograd"], indirect=True)
def test_a_run_says_which_activation_is_missing_or_skipped_and_why(engine, monkeypatch):
    monkeypatch.setitem(ACTIVATIONS, MADE_UP, _made_up())
    s = Scenario((3, 4, 1), (MADE_UP, "sigmoid"), 5, "float64")
    df = run([s], [engine], progress=False)
    assert len(df) == 1 and not df["passed"].iloc[0]
    assert df["message"].iloc[0].startswith("engine raised MissingActivation: autograd has no function for made_up")
    Declaring = type("AutogradDeclaring", (type(engine),), {"skips": {MADE_UP: "autograd.numpy has none"}})
    declaring = Declaring()
    df = run([s], [declaring], progress=False)
    assert list(df["status"]) == ["unsupported"] and "skips made_up: autograd.numpy has none" in df["message"].iloc[0]
    with pytest.raises(Exception, match="skips made_up"):
        layer_functions(declaring, {}, s.activations)


# -- what an activation rests on ---------------------------------------------------------

#: NumPy's functions, by the primitive of PRIMITIVES each one is (None: arithmetic,
#: comparisons, max/min, reductions and shapes, which rest on nothing).
NUMPY_PRIMITIVE = {"exp": "exp", "expm1": "exp", "log": "log", "log1p": "log", "logaddexp": "log",
                   "tanh": "tanh", "abs": None, "where": None, "maximum": None, "minimum": None,
                   "subtract": None, "ones_like": None, "max": None, "sum": None}


class _Recording:
    """numpy, recording the name of each function the formulas take from it."""

    def __init__(self, calls: set):
        self._calls = calls

    def __getattr__(self, name):
        value = getattr(np, name)
        if callable(value) and not isinstance(value, type):
            self._calls.add(name)
        return value


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_rests_on_is_what_the_formulas_call(name, monkeypatch):
    import scipy.special

    calls: set = set()
    monkeypatch.setattr(reference_activations, "np", _Recording(calls))
    erf = scipy.special.erf
    monkeypatch.setattr(scipy.special, "erf", lambda x: calls.add("erf") or erf(x))
    act = ACTIVATIONS[name]
    z = np.linspace(-3, 3, 12).reshape(3, 4)
    act.g(z)
    act.vjp(np.ones_like(z), z)
    unknown = {c for c in calls if c not in NUMPY_PRIMITIVE and c != "erf"}
    assert not unknown, f"classify {sorted(unknown)} in NUMPY_PRIMITIVE (a primitive of PRIMITIVES, or None)"
    called = {"erf" if c == "erf" else NUMPY_PRIMITIVE[c] for c in calls} - {None}
    assert set(act.rests_on) == called, f"{name} calls {sorted(called)}, declares {act.rests_on}"
    assert set(act.rests_on) <= set(PRIMITIVES)


@pytest.mark.parametrize("engine", ["mlx"], indirect=True)
def test_mlx_measures_every_primitive_and_reads_rests_on(engine):
    from crosscheck.findings.ledger import FINDINGS

    assert set(engine.accuracy) == set(PRIMITIVES)
    covered = {a for f in FINDINGS if f.engine == "mlx" and f.dtype == "float64" for a in f.activations}
    for name, act in ACTIVATIONS.items():
        declines = engine.float64_unsupported((name,)) is not None
        inaccurate = any(engine.accuracy[p] > 64 * 2.0 ** -53 for p in act.rests_on)
        # a finding of the ledger covers it: run, and its rows compared with MLX's own activation
        assert declines == (inaccurate and name not in covered), name


@pytest.mark.parametrize("engine", ["mlx"], indirect=True)
def test_mlx_declines_a_primitive_it_does_not_measure_with_the_reason(engine, monkeypatch):
    monkeypatch.setitem(ACTIVATIONS, MADE_UP, _made_up(rests_on=("sin",)))
    MlxGrad = type(engine)

    class MlxWithSine(MlxGrad):
        name = "mlx-with-sine"

        def activations(self, mx):
            return {**super().activations(mx), MADE_UP: mx.sin}

    df = run([Scenario((3, 4, 2, 1), (MADE_UP, "tanh", "identity"), 5, "float64", loss="mse")], [MlxWithSine()],
             progress=False)
    assert list(df["status"]) == ["unsupported"], df.to_string()
    assert "does not measure MLX" in df["message"].iloc[0] and "float64 sin" in df["message"].iloc[0]
    assert "made_up rests on it" in df["message"].iloc[0]


def test_the_mlx_sentence_of_checks_md_is_rests_on():
    """docs/checks.md names the activations on exp and erf that MLX declines in float64."""
    text = " ".join((Path(__file__).parents[2] / "docs" / "checks.md").read_text().split())
    sentence = re.search(r"A float64 network with an activation that rests on (.*?) runs where", text)
    assert sentence, "the sentence moved: update this test"
    named = dict((p, set(re.findall(r"`(\w+)`", names))) for p, names in
                 re.findall(r"(exp|erf|log|tanh) \(([^)]*)\)", sentence.group(1)))
    assert named == {p: {a for a, act in ACTIVATIONS.items() if p in act.rests_on} for p in ("exp", "erf")}
    # the ones no finding of the ledger covers stay unsupported, and the page names exactly those
    from crosscheck.findings.ledger import FINDINGS

    covered = {a for f in FINDINGS if f.engine == "mlx" and f.dtype == "float64" for a in f.activations}
    left = re.search(r"Not covered: (.*?) \(", text)
    assert left and set(re.findall(r"`(\w+)`", left.group(1))) == (named["exp"] | named["erf"]) - covered
