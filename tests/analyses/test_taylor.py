"""The Taylor-remainder test: O(h^2) for the reference's gradients, O(h) for a wrong one."""
from __future__ import annotations

import pandas as pd
import pytest

from crosscheck.analyses.mutants import CATALOGUE
from crosscheck.analyses.taylor import taylor_table, taylor_test
from crosscheck.cli import main
from crosscheck.scenarios import Scenario, build_problem, suite

SMOKE64 = [s for s in suite("smoke") if s.dtype == "float64"]
LOSSES = [Scenario.from_id(i) for i in ("tanh-softmax_4-5-3_m13_float64_s0_cce", "relu-tanh_4-3-2_m13_float64_s0_mse")]


def test_every_reference_gradient_of_the_smoke_suite_is_second_order():
    table = taylor_table(SMOKE64 + LOSSES, progress=False)
    assert table["passed"].all(), table[~table["passed"]].to_string()
    second = table[table["verdict"] == "O(h^2)"]
    assert len(second) > 0.7 * len(table) and second["order"].between(1.9, 2.1).all()


@pytest.mark.slow  # the default suite's float64 m = 13 networks (106) once per real mutant
# (a per-example mutant changes no gradient of J, only each example's: the Taylor test of J
# cannot see it, and the per-example check does: tests/checks/test_per_example.py)
@pytest.mark.parametrize("m", [m for m in CATALOGUE if not m.equivalent and m.tag != "per-example"],
                         ids=lambda m: m.id)
def test_each_real_mutant_fails_the_taylor_test_on_the_default_suite(m):
    scenarios = [s for s in suite("default") if s.dtype == "float64" and s.m == 13]
    table = taylor_table(scenarios, m.formulas, progress=False)
    assert not table["passed"].all(), f"{m.id} passes the Taylor test"
    failed = table[~table["passed"]]
    orders = failed["order"].dropna()  # the others are shape errors or a backward that raised
    assert orders.empty or orders.median() < 1.25  # a first-order error shows as O(h)


def test_equivalent_mutants_pass():
    scenarios = [s for s in suite("default") if s.dtype == "float64" and s.m == 13][:40]
    for m in [m for m in CATALOGUE if m.equivalent]:
        assert taylor_table(scenarios, m.formulas, progress=False)["passed"].all(), m.id


def test_a_wrong_shape_and_a_missing_gradient_fail_with_what_was_expected():
    p = build_problem(Scenario((4, 3, 1), ("tanh", "sigmoid"), 5))
    from crosscheck.running.runner import reference_trace

    t = reference_trace(p)
    t.dW[1] = t.dW[1].T
    del t.db[2]
    results = {(r.quantity, r.layer): r for r in taylor_test(p, t)}
    assert not results[("dW", 1)].passed and "expected (3, 4)" in results[("dW", 1)].verdict
    assert not results[("db", 2)].passed and results[("db", 2)].verdict.startswith("missing")


def test_the_taylor_command_exits_0_1_2(tmp_path, capsys):
    sid = "relu-tanh-sigmoid_5-5-5-1_m13_float64_s0"
    assert main(["taylor", "--scenario", sid, "--out", str(tmp_path), "--no-progress"]) == 0
    assert pd.read_csv(tmp_path / "taylor.csv")["passed"].all()
    assert main(["taylor", "--scenario", sid, "--mutant", "dW-missing-1/m", "--out", str(tmp_path),
                 "--no-progress"]) == 1
    assert "not the gradient" in capsys.readouterr().out
    assert main(["taylor", "--mutant", "no-such", "--out", str(tmp_path)]) == 2
    assert "unknown mutant" in capsys.readouterr().err
