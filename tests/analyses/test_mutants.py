"""The mutant catalogue: every real mutant is killed by the default suite, every
equivalent one is proven equivalent bit for bit, and `crosscheck mutants` says so."""
from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

import crosscheck.analyses.mutants
from crosscheck import reference
from crosscheck.analyses.mutant_kills import mutation_table
from crosscheck.analyses.mutants import CATALOGUE, Mutant, MutantEngine, mutant
from crosscheck.cli import main
from crosscheck.reference.steps import FORMULAS
from crosscheck.running.runner import run
from crosscheck.scenarios import Scenario, build_problem, suite

DEFAULT = suite("default")
REAL = [m for m in CATALOGUE if not m.equivalent]
EQUIVALENT = [m for m in CATALOGUE if m.equivalent]


def test_catalogue_shape():
    assert len(REAL) >= 15 and len({m.id for m in CATALOGUE}) == len(CATALOGUE)
    assert {m.tag for m in CATALOGUE} == {"article", "common", "per-example"}
    for m in CATALOGUE:
        assert m.description and m.equation
        if m.tag == "article":
            assert "printed" in m.description and "correct" in m.description, m.id


@pytest.mark.parametrize("m", CATALOGUE, ids=lambda m: m.id)
def test_each_mutant_changes_one_formula(m):
    changed = [f.name for f in fields(FORMULAS) if getattr(m.formulas, f.name) is not getattr(FORMULAS, f.name)]
    # the printed "Wrapping up" formula is one formula with two slips: dW for W and g'[L] for g'[L-1]
    assert len(changed) == (2 if m.id == "article-wrapping-up-dW[L]T" else 1), changed


@pytest.mark.slow
@pytest.mark.parametrize("m", REAL, ids=lambda m: m.id)
def test_default_suite_kills_each_real_mutant(m):
    table = mutation_table(DEFAULT, [m], progress=False)
    row = table.iloc[0]
    assert row["killed"], f"{m.id} survived the default suite"
    smallest = Scenario.from_id(row["smallest_killing_scenario"])
    assert not run([smallest], [MutantEngine(m)], progress=False)["passed"].all()


@pytest.mark.parametrize("m", EQUIVALENT, ids=lambda m: m.id)
def test_each_equivalent_mutant_is_bit_for_bit_the_reference(m):
    touched = 0
    for s in DEFAULT:
        p = build_problem(s)
        mutated = MutantEngine(m).trace(p)
        correct = reference.trace(p.parameters, p.X, p.Y, s.activations, loss=s.loss)
        for q in ("dA", "dZ", "dW", "db"):
            for l, value in correct.layers(q).items():
                assert np.array_equal(mutated.get(q, l), value), f"{m.id} differs at {s.id} {q}[{l}]"
        touched += m.id.split("'")[0] in s.activations[:-1]  # the activation the mutant rewrites
    assert touched > 0, "no scenario uses the activation the mutant rewrites"


def test_cli_mutants_exits_1_when_one_survives(tmp_path, capsys, monkeypatch):
    survivor = Mutant("no-op", "common", "-", "changes nothing", FORMULAS)
    monkeypatch.setattr(crosscheck.analyses.mutants, "CATALOGUE", (REAL[0], survivor))
    assert main(["mutants", "--suite", "smoke", "--out", str(tmp_path), "--no-progress"]) == 1
    assert "SURVIVED no-op" in capsys.readouterr().out
    assert (tmp_path / "mutants.csv").read_text().count("\n") == 3


def test_cli_mutants_exits_0_when_all_die(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(crosscheck.analyses.mutants, "CATALOGUE", (REAL[0], EQUIVALENT[0]))
    assert main(["mutants", "--suite", "smoke", "--out", str(tmp_path), "--no-progress"]) == 0
    text = (tmp_path / "summary.md").read_text()
    assert "1 of 1 mutants killed" in text and "Equivalent mutants" in text


#: Every engine but the reference's own code, each with each mutant planted in its place.
HOSTS = ("torch", "jax", "tensorflow", "autograd", "mlx")
SMOKE = suite("smoke")


@pytest.mark.parametrize("engine", HOSTS, indirect=True)
def test_every_real_mutant_planted_in_an_engine_is_killed_and_the_equivalent_ones_change_nothing(engine):
    """The checks catch each slip in rows that carry the engine's own rounding and conventions."""
    table = mutation_table(SMOKE, progress=False, host=engine)
    real = table[table["equivalent"] == ""]
    assert real["killed"].all(), real.loc[~real["killed"], "id"].tolist()
    assert not table.loc[table["equivalent"] != "", "killed"].any()


@pytest.mark.parametrize("engine", ["tensorflow"], indirect=True)
def test_a_planted_mutant_is_the_engine_s_values_plus_the_mutant_s_change(engine):
    from crosscheck.analyses.planted import HostTraces, PlantedMutant

    s = Scenario((4, 3, 1), ("tanh", "sigmoid"), 13, "float32")
    p = build_problem(s)
    own, planted = engine.trace(p), PlantedMutant(mutant("dW-missing-1/m"), HostTraces(engine)).trace(p)
    assert np.array_equal(planted.dZ[1], own.dZ[1]) and planted.dW[1].dtype == own.dW[1].dtype
    p64 = p.astype(np.float64)
    right = reference.trace(p64.parameters, p64.X, p64.Y, s.activations)
    expected = (own.dW[1].astype(np.float64) + (right.dW[1] * s.m - right.dW[1])).astype(np.float32)
    assert np.allclose(planted.dW[1], expected, rtol=1e-6)  # dW * m instead of dW, on the engine's dW


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["tensorflow", "autograd", "mlx"], indirect=True)
def test_the_default_suite_kills_every_real_mutant_planted_in_the_newer_engines(engine, tmp_path, capsys):
    assert main(["mutants", "--suite", "default", "--planted-in", engine.name, "--out", str(tmp_path),
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert f"22 of 22 mutants killed in {engine.name}, 0 survived" in out
    assert f"5 per-example mutants not planted: {engine.name} gives no per-example gradients" in out


@pytest.mark.slow
@pytest.mark.parametrize("name", ["opacus", "backpack"])
def test_the_default_suite_kills_every_mutant_planted_in_the_per_example_libraries(name, tmp_path, capsys):
    import importlib.util

    if importlib.util.find_spec(name) is None:
        pytest.skip(f"{name} is not installed")
    assert main(["mutants", "--suite", "default", "--planted-in", name, "--out", str(tmp_path),
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert f"27 of 27 mutants killed in {name}, 0 survived" in out and "not planted" not in out


@pytest.mark.parametrize("value, message", [
    ("nope", "unknown engine 'nope'"),
    ("torch,jax", "one engine, not 2"),
    ("mutant:dW-missing-1/m", "a mutant cannot host another one"),
])
def test_planted_in_takes_one_engine_with_a_one_line_error_otherwise(value, message, tmp_path, capsys):
    assert main(["mutants", "--suite", "smoke", "--planted-in", value, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
