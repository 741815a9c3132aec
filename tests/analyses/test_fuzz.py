"""`crosscheck fuzz`: no failure on correct engines; a planted mutant is found and shrunk
to a small network whose id `crosscheck run --scenario ID --mutant M` reproduces."""
from __future__ import annotations

import pytest
from hypothesis import given

from crosscheck.analyses.fuzz import fuzz
from crosscheck.analyses.mutants import MutantEngine, mutant
from crosscheck.cli import main
from crosscheck.engines import resolve_engines
from crosscheck.scenarios import Scenario
from crosscheck.scenarios.strategies import scenarios


@given(scenarios())
def test_drawn_scenarios_are_valid_and_round_trip(s):
    assert Scenario.from_id(s.id) == s and 1 <= s.depth <= 5 and s.m <= 64


def test_correct_engines_give_no_failure():
    engines, _ = resolve_engines(["numpy", "torch"])
    result = fuzz(engines, examples=80, seed=1)
    assert result.failing is None and result.examples == 80


@pytest.mark.parametrize("mutant_id", ["tanh'-as-1-Z^2", "W-not-transposed", "dW-missing-1/m",
                                       "article-g'[L]-for-layer-L-1", "sigmoid'-from-Z"])
def test_a_planted_mutant_is_found_and_shrunk_to_at_most_three_layers(mutant_id, tmp_path, capsys):
    result = fuzz([MutantEngine(mutant(mutant_id))], examples=500, seed=0)
    assert result.failing is not None, f"{mutant_id} not found"
    assert result.failing.depth <= 3 and max(result.failing.layer_sizes) <= 3, result.failing.id
    assert main(["fuzz", "--examples", "500", "--mutant", mutant_id]) == 1
    out = capsys.readouterr().out
    assert f"smallest failing scenario: {result.failing.id}" in out
    assert main(["run", "--scenario", result.failing.id, "--mutant", mutant_id, "--out", str(tmp_path), "-q"]) == 1


@pytest.mark.parametrize("args", [["fuzz", "--examples", "0"], ["fuzz", "--mutant", "nope"],
                                  ["fuzz", "--dtypes", "float8"]])
def test_bad_fuzz_usage_exits_2(args, capsys):
    assert main(args) == 2
    assert capsys.readouterr().err.startswith("crosscheck: error: ")


def test_rows_the_ledger_explains_are_counted_and_do_not_fail(capsys):
    pytest.importorskip("mlx")
    engines, _ = resolve_engines(["numpy", "mlx"])
    result = fuzz(engines, examples=20, seed=0, dtypes=("float64",))
    assert result.failing is None
    rows, scenarios_ = result.findings["mlx-exp-float64"]  # MLX's float64 exp: sigmoid output in every network
    assert rows >= scenarios_ >= 1
    assert main(["fuzz", "--examples", "20", "--engines", "numpy,mlx", "--dtypes", "float64"]) == 0
    out = capsys.readouterr().out.replace("\n    ", " ")
    assert "explained by findings (docs/findings.md): " in out and f"mlx-exp-float64 ({rows} rows in " in out
