"""Diagnoses that do not miss what is there: a constant factor is found in every dtype, the
dtype is among the features of the pattern, values of a narrower precision are said to be
so (and a real slip never is), and every path says the same."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from crosscheck import check
from crosscheck.analyses.diagnosis import narrower, scenario_evidence
from crosscheck.checks.budget import term_scales
from crosscheck.cli import main
from crosscheck.reference.trace import Trace
from crosscheck.running.runner import reference_trace
from crosscheck.scenarios import Scenario, build_problem, tolerance

SLIP = "article-g'[L]-for-layer-L-1"
COMPUTES_IN_FLOAT32 = "the values are float32-accurate: the function computes in float32"

#: Learners' functions, each wrong in one way; ``_grads`` is the reference's dW, db (and dZ),
#: computed in ``dtype`` (default: the scenario's) with a slip of the catalogue, returned in
#: the scenario's dtype.
LEARNERS = '''
import numpy as np
from crosscheck import reference
from crosscheck.analyses.mutants import mutant


def _grads(parameters, X, Y, activations, loss, dtype=None, slip=None, keep=("dW", "db")):
    dtype = dtype or X.dtype
    t = reference.trace({k: np.asarray(v, dtype) for k, v in parameters.items()}, X.astype(dtype), Y.astype(dtype),
                        activations, loss=loss, **({"formulas": mutant(slip).formulas} if slip else {}))
    return {f"{q}{l}": np.asarray(v).astype(X.dtype) for q in keep for l, v in t.layers(q).items()}


def twice_mean(parameters, X, Y, activations, loss):
    m = X.shape[1]
    return {k: v / m for k, v in _grads(parameters, X, Y, activations, loss).items()}


def float32_twice_mean(parameters, X, Y, activations, loss):
    m = X.shape[1]  # computed in float32, divided by m again in the scenario's dtype
    return {k: v / m for k, v in _grads(parameters, X, Y, activations, loss, np.float32).items()}


def float32_inside(parameters, X, Y, activations, loss):
    return _grads(parameters, X, Y, activations, loss, np.float32)


def float32_slip(parameters, X, Y, activations, loss):
    return _grads(parameters, X, Y, activations, loss, np.float32, "SLIP", ("dW", "db", "dZ"))


def float64_slip(parameters, X, Y, activations, loss):
    return _grads(parameters, X, Y, activations, loss, None, "SLIP" if X.dtype == np.float64 else None,
                  ("dW", "db", "dZ"))


def float64_tiny(parameters, X, Y, activations, loss):
    g = _grads(parameters, X, Y, activations, loss)
    return {k: v + 1e-9 if X.dtype == np.float64 else v for k, v in g.items()}


def float64_wobble(parameters, X, Y, activations, loss):
    g = _grads(parameters, X, Y, activations, loss)
    if X.dtype == np.float64:  # no slip, no factor, not float32-accurate: wrong in float64 only
        g = {k: v * (1 + 1e-2 * np.cos(np.arange(v.size)).reshape(v.shape)) for k, v in g.items()}
    return g


def float32_deep_wobble(parameters, X, Y, activations, loss):
    g = _grads(parameters, X, Y, activations, loss, np.float32)
    if len(activations) >= 4:  # and, in deep networks, no slip, no factor: wrong in every dtype
        g["db1"] = g["db1"] * (1 + 1e-1 * np.cos(np.arange(g["db1"].size)).reshape(g["db1"].shape))
    return g
'''.replace("SLIP", SLIP)


@pytest.fixture(scope="module")
def learners(tmp_path_factory):
    path = tmp_path_factory.mktemp("learners") / "learners.py"
    path.write_text(LEARNERS)
    return path


@pytest.fixture(scope="module")
def checked(learners):
    """name -> check(that function, suite="smoke"), run once per module."""
    found = {}

    def get(name):
        if name not in found:
            found[name] = check(f"{learners}:{name}", suite="smoke")
        return found[name]
    return get


def kinds(result) -> list[str]:
    return list(result.diagnosis["kind"])


def finding(result, kind: str) -> str:
    return result.diagnosis[result.diagnosis["kind"] == kind].iloc[0]["finding"]


def test_a_factor_is_found_in_float64_as_in_float32(checked):
    """1/m twice: named in every dtype, also where the function computes in float32 and its
    float64 scenarios' values meet no factor within the float64 tolerance."""
    for name in ("twice_mean", "float32_twice_mean"):
        result = checked(name)
        assert not result.passed
        text = finding(result, "factor")
        assert "are the reference's times 1/m in every" in text and "1/m applied twice" in text, name
        failing = set(result.failures["scenario"])
        assert {Scenario.from_id(sid).dtype for sid in failing} == {"float32", "float64"}
    judged = finding(checked("float32_twice_mean"), "factor")
    assert "judged within the float32 tolerance" in judged
    assert "judged" not in finding(checked("twice_mean"), "factor")


def test_a_float64_scenario_computed_in_float32_stays_a_failure_and_is_said_to_be_float32(checked):
    result = checked("float32_inside")
    assert not result.passed
    failing = set(result.failures["scenario"])
    assert failing and {Scenario.from_id(sid).dtype for sid in failing} == {"float64"}
    assert kinds(result) == ["precision"]
    assert finding(result, "precision").startswith(COMPUTES_IN_FLOAT32)


def test_a_real_slip_in_float64_is_not_called_float32_accurate(checked):
    result = checked("float64_slip")
    assert "precision" not in kinds(result) and "float32-accurate" not in " ".join(result.diagnosis["finding"])
    # a partial slip: that slip would change the float32 scenarios, where this function is right
    assert kinds(result) == ["partial slip"] and f"`{SLIP}`" in finding(result, "partial slip")


def test_a_slip_computed_in_float32_is_named_and_judged_at_float32(checked):
    """Its float64 values are float32 numbers: the slip is matched within the float32 tolerance;
    only where the slip changes nothing are the values called float32-accurate."""
    result = checked("float32_slip")
    slip = finding(result, "slip")
    assert f"`{SLIP}`" in slip and "judged within the float32 tolerance" in slip
    assert "the function computes in float32" in slip
    where_accurate = result.diagnosis[result.diagnosis["kind"] == "precision"]
    if not where_accurate.empty:  # a share of the failing scenarios: said with its count, after the slip
        n, total = len(set(result.failures["scenario"])), int(where_accurate.iloc[0]["held"])
        assert where_accurate.iloc[0]["finding"].startswith(f"in {total} of its {n} failing scenarios, "
                                                            + COMPUTES_IN_FLOAT32)
        assert kinds(result)[0] == "slip"


def test_an_error_below_float32_resolution_is_not_said_to_be_a_float32_computation(checked):
    """+1e-9 in float64: float32-accurate, but its values are not float32 numbers."""
    text = finding(checked("float64_tiny"), "precision")
    assert text.startswith("the values are float32-accurate, not float64-accurate")
    assert "computes in float32" not in text and "not float32 numbers" in text


def test_the_dtype_is_a_feature_of_the_pattern(checked):
    result = checked("float64_wobble")
    assert kinds(result) == ["pattern"]
    assert "it fails in every scenario with dtype float64" in finding(result, "pattern")


def _same_through_every_path(learners, checked, tmp_path, name: str, said: str, workers: bool) -> None:
    args = ["run", "--suite", "smoke", "--backward", f"{learners}:{name}", "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "one")]) == 1
    one = pd.read_csv(tmp_path / "one" / "diagnosis.csv", keep_default_na=False)
    assert said in " ".join(one["finding"])
    for k in (1, 2):  # a shard may hold only passing scenarios
        assert main([*args, "--shard", f"{k}/2", "--out", str(tmp_path / f"shard{k}")]) in (0, 1)
    assert main(["merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"), "--out", str(tmp_path / "merged")]) == 1
    others = [pd.read_csv(tmp_path / "merged" / "diagnosis.csv", keep_default_na=False)]
    if workers:
        assert main([*args, "--workers", "2", "--out", str(tmp_path / "workers")]) == 1
        others.append(pd.read_csv(tmp_path / "workers" / "diagnosis.csv", keep_default_na=False))
    for other in others:
        pd.testing.assert_frame_equal(other, one)
    pd.testing.assert_frame_equal(checked(name).diagnosis.astype(str), one.astype(str))


def test_what_precision_does_not_explain_gets_a_pattern_of_its_own(checked):
    """Float32 throughout, and a wobble in deep networks: float32-accurate where the networks are
    shallow; the deep ones get a pattern that sets them against the passing runs alone."""
    result = checked("float32_deep_wobble")
    assert kinds(result) == ["precision", "pattern"]
    failing = set(result.failures["scenario"])
    deep = {sid for sid in failing if Scenario.from_id(sid).depth >= 4}
    assert finding(result, "precision").startswith(f"in {len(failing) - len(deep)} of its {len(failing)} failing "
                                                   f"scenarios, {COMPUTES_IN_FLOAT32}")
    pattern = finding(result, "pattern")
    passing = set(result.table["scenario"]) - failing
    assert pattern.startswith(f"in the other failing scenarios, no slip of the catalogue and no constant factor gives "
                              f"its values ({len(deep)} failing scenarios tried); each of these {len(deep)} has ")
    # the scenarios the precision finding explains are neither these nor passing ones
    assert f", and none of the {len(passing)} passing scenarios does" in pattern


def test_a_precision_finding_is_the_same_through_run_shards_and_check(learners, checked, tmp_path, capsys):
    """From the one evidence table (its new columns through evidence.csv too), whichever path made it."""
    _same_through_every_path(learners, checked, tmp_path, "float32_inside", COMPUTES_IN_FLOAT32, workers=False)
    capsys.readouterr()


@pytest.mark.slow  # five runs of the smoke suite, one with worker processes
def test_a_factor_judged_at_float32_is_the_same_through_every_path(learners, checked, tmp_path, capsys):
    _same_through_every_path(learners, checked, tmp_path, "float32_twice_mean", "judged within the float32", True)
    capsys.readouterr()


# --- the evidence of one scenario -------------------------------------------------------------

NET = Scenario((4, 5, 3, 1), ("tanh", "relu", "sigmoid"), 8, "float64")


@pytest.fixture(scope="module")
def case():
    problem = build_problem(NET)
    ref = reference_trace(problem)
    return problem, ref, term_scales(problem, ref)


def _evidence(case, values: dict) -> dict:
    problem, ref, scales = case
    layers = {q: {l: values[q](v) for l, v in ref.layers(q).items()} for q in ("dW", "db")}
    trace = Trace(A={}, Z={}, dA={}, dZ={}, **layers, given=frozenset((q, l) for q in layers for l in layers[q]))
    return scenario_evidence(problem, ref, trace, tolerance("float64"), scales)


def test_values_rounded_to_float32_are_float32_accurate(case):
    ev = _evidence(case, {"dW": lambda v: v.astype(np.float32).astype(np.float64),
                          "db": lambda v: v.astype(np.float32).astype(np.float64)})
    assert (ev["first"], ev["rounded"], ev["accurate"]) == ("dW[3]", "float32", "float32")


def test_values_rounded_to_half_precision_are_said_so_and_a_relative_error_of_one_percent_is_not(case):
    half = _evidence(case, {"dW": lambda v: v.astype(np.float16).astype(np.float64),
                            "db": lambda v: v.astype(np.float16).astype(np.float64)})
    assert (half["rounded"], half["accurate"]) == ("float16", "float16")
    # within the half-precision tolerance, but not float16 numbers: not called half-accurate
    off = _evidence(case, {"dW": lambda v: v * 1.01, "db": lambda v: v * 1.01})
    assert (off["rounded"], off["accurate"]) == ("", "")
    assert json.loads(off["factors"])["dW3"]["c"] == pytest.approx(1.01)


def test_a_slip_is_never_float32_accurate(case):
    """A slip's values (a sign, a factor 2) are not the reference's at any precision, even when
    they are float32 numbers."""
    for wrong in (lambda v: -v, lambda v: (2 * v).astype(np.float32).astype(np.float64)):
        ev = _evidence(case, {"dW": wrong, "db": lambda v: v})
        assert ev["accurate"] == "" and ev["first"] == "dW[3]"


def test_the_narrower_dtypes_are_those_less_precise():
    assert narrower("float64") == ["float32", "float16", "bfloat16"]
    assert narrower("float32") == ["float16", "bfloat16"] and narrower("bfloat16") == []
