"""Every engine on the smoke suite: every check passes, every row is there, dtypes are right."""
from __future__ import annotations

import numpy as np
import pytest

from crosscheck.adapters import QUANTITIES
from crosscheck.reference.trace import PER_EXAMPLE
from crosscheck.running.runner import reference_trace, run
from crosscheck.scenarios import Scenario, build_problem, suite
from crosscheck.scenarios.suites import MORE_ACTIVATIONS
from tests.support import ENGINE_NAMES, assert_declined, declined

SMOKE = suite("smoke")


def expected_rows(s: Scenario, per_example: bool = False) -> set:
    """(check, quantity, layer) that a complete report has for one engine on ``s``; with
    ``per_example``, an engine that gives per-example gradients (checks/per_example.py)."""
    L = s.depth
    rows = {("reference", q, l) for q in QUANTITIES for l in range(1, L + 1)} | {("reference", "dA", 0)}
    rows |= {("A-Y", "dZ", L), ("chain", "dZ", L)} | {("x(a-y)", "dW", l) for l in range(1, L + 1)}
    rows |= {("db", "db", l) for l in range(1, L + 1)} | {("recursion", "dZ", l) for l in range(1, L)}
    if per_example:
        rows |= {("x(a-y) per example", q, l) for q in (*PER_EXAMPLE, "dW", "db") for l in range(1, L + 1)}
    return rows


@pytest.mark.parametrize("engine", ENGINE_NAMES, indirect=True)
@pytest.mark.parametrize("scenario", SMOKE, ids=lambda s: s.id)
def test_engine_passes_every_check(engine, scenario):
    df = run([scenario], [engine], progress=False)
    if reason := declined(engine, scenario):
        return assert_declined(df, reason)
    failed = df[~df["passed"]]
    assert failed.empty, "\n" + failed[["check", "quantity", "layer", "message"]].to_string()
    got = set(zip(df["check"], df["quantity"], df["layer"]))
    assert got == expected_rows(scenario, engine.per_example_gradients)


@pytest.mark.parametrize("engine", ENGINE_NAMES, indirect=True)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_engine_output_dtype_is_the_scenario_dtype(engine, dtype):
    s = Scenario((3, 4, 1), ("tanh", "sigmoid"), 5, dtype)
    if declined(engine, s):  # MLX in float64: a network it computes in float64
        s = Scenario((3, 4, 1), ("tanh", "identity"), 5, dtype, loss="mse")
    trace = engine.trace(build_problem(s))
    for q in QUANTITIES:
        for l, value in trace.layers(q).items():
            assert value.dtype == np.dtype(dtype), f"{engine.name} {q}[{l}] is {value.dtype}, not {dtype}"


@pytest.mark.parametrize("engine", ["torch", "jax"], indirect=True)
def test_float64_is_really_computed_in_float64(engine):
    """Not float32 cast back: JAX does that silently unless x64 is on (the adapter enables it)."""
    s = Scenario((5, 5, 5, 1), ("tanh", "relu", "sigmoid"), 64, "float64")
    problem = build_problem(s)
    ref, trace = reference_trace(problem), engine.trace(problem)
    for l in range(1, 4):
        scale = np.abs(ref.dW[l]).max()
        assert np.abs(trace.dW[l] - ref.dW[l]).max() < 1e-12 * scale, f"dW[{l}] carries float32 rounding"


#: TensorFlow 2.21's float64 GELU, findings of the ledger (docs/findings.md): tf.nn.gelu casts
#: 1/sqrt(2) (erf form) and 0.044715 (tanh form) through float32.
TF_FLOAT64_FINDINGS = ("gelu", "gelu_tanh")


@pytest.mark.parametrize("engine", ENGINE_NAMES, indirect=True)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("activation", MORE_ACTIVATIONS)
def test_every_engine_computes_the_newer_activations_exactly(engine, dtype, activation):
    """Each engine asks for the named function (gelu: erf form; gelu_tanh: tanh form)."""
    s = Scenario((4, 6, 5, 1), (activation, "tanh", "identity"), 33, dtype, loss="mse")
    df = run([s], [engine], progress=False)
    if reason := declined(engine, s):
        return assert_declined(df, reason)
    if (engine.name, dtype) == ("tensorflow", "float64") and activation in TF_FLOAT64_FINDINGS:
        found = df[df["status"] == "finding"]  # explained by the finding, value by value: not a failure
        assert df["passed"].all() and ("reference", "A", 1) in set(
            zip(found["check"], found["quantity"], found["layer"])), df.to_string()
        return
    assert df["passed"].all(), df[~df["passed"]][["check", "quantity", "layer", "message"]].to_string()


def test_relying_on_the_frameworks_default_gelu_fails_the_other_form(loaded_engines):
    from crosscheck.adapters import get_engine

    if any(isinstance(loaded_engines[n], str) for n in ("torch", "jax")):
        pytest.skip("needs torch and jax")
    variants = [get_engine("torch-gelu-default"), get_engine("jax-gelu-default")]
    df = run(suite("gelu-defaults"), variants, progress=False)
    failing = df[~df["passed"]].groupby("engine")["scenario"].unique()
    assert all(sid.startswith("gelu_tanh-") for sid in failing["torch-gelu-default"])  # torch's default: erf
    assert all(sid.startswith("gelu-") for sid in failing["jax-gelu-default"])  # jax's default: tanh
    assert len(failing["torch-gelu-default"]) == len(failing["jax-gelu-default"]) == 8


@pytest.mark.parametrize("engine", ENGINE_NAMES, indirect=True)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_soft_labels_keep_A_minus_Y(engine, dtype):
    s = Scenario.from_id(f"relu-tanh-sigmoid_5-5-5-1_m257_{dtype}_s4_soft")
    df = run([s], [engine], progress=False)
    if reason := declined(engine, s):
        return assert_declined(df, reason)
    assert df["passed"].all() and ("A-Y", "dZ", 3) in set(zip(df["check"], df["quantity"], df["layer"]))


@pytest.mark.parametrize("engine", ["jax"], indirect=True)
def test_jax_keeps_working_after_its_caches_are_cleared(engine, monkeypatch):
    monkeypatch.setattr(type(engine), "MAX_PROGRAMS", 2)
    scenarios = [Scenario((n, 3, 1), ("tanh", "sigmoid"), 5 + n, "float64") for n in range(1, 6)]
    assert run(scenarios, [engine], progress=False)["passed"].all()


def test_the_engines_table_of_checks_md_is_the_engines():
    """docs/checks.md's table of engines: one row per engine of ENGINES, in order, with the
    dtypes the engine runs ("all four": every dtype)."""
    import re
    from pathlib import Path

    from crosscheck.adapters import ENGINES, get_engine
    from crosscheck.scenarios.dtypes import DTYPES

    text = (Path(__file__).parents[2] / "docs" / "checks.md").read_text()
    rows = re.findall(r"^\| `([a-z]+)` \| .* \| ([^|]+) \|$", text.split("## Engines")[1].split("\n\n")[1], re.M)
    assert [name for name, _ in rows] == list(ENGINES)
    for name, dtypes in rows:
        said = set(DTYPES) if dtypes.startswith("all four") and len(DTYPES) == 4 else set(dtypes.strip().split(", "))
        assert said == set(get_engine(name).dtypes), name
