"""Diagnosis: a failing engine is told which slip it is (a mutant of the catalogue, two at
once, a constant factor), or, when nothing matches, a pattern that is true of its runs;
a correct engine gets none; every path gives the same diagnosis."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from crosscheck import check, reference
from crosscheck.adapters.numpy_reference import NumpyReference
from crosscheck.analyses.diagnosis import REAL, combined, diagnose
from crosscheck.analyses.mutants import mutant
from crosscheck.cli import main
from crosscheck.engines import resolve_engines
from crosscheck.reference.trace import Trace
from crosscheck.running.runner import run_all
from crosscheck.scenarios import Scenario, suite
from tests.checks.planted import PlantedEngine
from tests.support import CLIENTS, run_pytest

SMOKE, DEFAULT = suite("smoke"), suite("default")


def diagnosed(engines, scenarios=SMOKE) -> pd.DataFrame:
    result = run_all(scenarios, engines, progress=False)
    return diagnose(result.observations, result.evidence, result.where)


def slip_of(found: pd.DataFrame) -> str:
    """The mutant id a 'slip' finding names first."""
    row = found[found["kind"] == "slip"].iloc[0]
    return row["finding"].split("`")[1]


class Slipped(NumpyReference):
    """The reference with ``formulas`` (one slip or two), returning only ``keep`` (all: None)."""

    def __init__(self, name, formulas, keep=None):
        super().__init__()
        self.name, self.formulas, self.keep = name, formulas, keep

    def trace(self, problem):
        s = problem.scenario
        with np.errstate(all="ignore"):
            t = reference.trace(problem.parameters, problem.X, problem.Y, s.activations, formulas=self.formulas,
                                loss=s.loss)
        if self.keep is None:
            return t
        kept = {q: (t.layers(q) if q in self.keep else {}) for q in ("dA", "dZ", "dW", "db")}
        return Trace(A=t.A, Z=t.Z, **kept, given=frozenset((q, l) for q in self.keep for l in t.layers(q)))


def test_correct_engines_get_no_diagnosis(smoke_run):
    engines, _ = resolve_engines(["numpy", "torch", "jax", "fd"])
    assert diagnosed(engines).empty
    code, out = smoke_run  # `crosscheck run --suite smoke -q` (conftest.py, shared)
    assert code == 0
    assert "## Diagnosis" not in (out / "summary.md").read_text()
    assert pd.read_csv(out / "diagnosis.csv").empty


@pytest.mark.parametrize("bug, slip", [
    ("wrong-layer-derivative", "article-g'[L]-for-layer-L-1"),
    ("Y-A", "Y-minus-A"),
    ("no-1/m-on-dW", "dW-missing-1/m"),
    pytest.param("tanh-prime-from-Z", "tanh'-as-1-Z^2", marks=pytest.mark.slow),  # on the default suite
])
def test_slips_written_independently_of_the_catalogue_are_named(bug, slip):
    """tests/checks/planted.py writes each slip its own way, not with the catalogue's formulas."""
    found = diagnosed([PlantedEngine(bug)], DEFAULT if bug == "tanh-prime-from-Z" else SMOKE)
    assert slip_of(found) == slip


def test_two_slips_at_once_are_found_when_no_single_one_fits():
    both = combined(mutant("Y-minus-A"), mutant("db-missing-1/m"))
    found = diagnosed([Slipped("two-slips", both)])
    row = found[found["kind"] == "slips"].iloc[0]
    assert {"Y-minus-A", "db-missing-1/m"} == set(row["finding"].split("`")[1:4:2])
    assert "slip" not in set(found["kind"])  # neither one alone is claimed


def test_a_batch_sum_is_named_as_the_factor_m_even_from_dW_and_db_alone():
    both = combined(mutant("dW-missing-1/m"), mutant("db-missing-1/m"))
    found = diagnosed([Slipped("sums", both, keep=("dW", "db"))])
    factor = found[found["kind"] == "factor"].iloc[0]["finding"]
    assert "times m in every failing scenario" in factor and "the 1/m left out" in factor
    assert "dW[l]" in factor and "db[l]" in factor


def test_a_mean_over_output_units_is_named_as_keras_style():
    """dZ[L] = 2 (A - Y) / n_L: the derivative of an MSE that averages over output units."""
    keras = replace(reference.steps.FORMULAS, output_dZ=lambda s: 2 * (s.A[s.L] - s.Y) / s.Y.shape[0])
    scenarios = [s for s in DEFAULT if s.loss == "mse" and s.activations[-1] == "identity"]
    found = diagnosed([Slipped("keras-mse", keras, keep=("dW", "db"))], scenarios)
    factor = found[found["kind"] == "factor"].iloc[0]["finding"]
    assert "2/n_L" in factor and "Keras-style" in factor  # (n_L = 1 here: "times 2", which is also 2/n_L)


@pytest.mark.slow  # the default suite: the pattern is a claim about its scenarios
def test_a_slip_outside_the_catalogue_gets_a_pattern_that_is_true_of_the_runs():
    """db from dA instead of dZ in the layers below L-2: no mutant is that; depth tells it apart."""
    def db_from_dA(s):
        source = s.W(s.l + 1).T @ s.dZ[s.l + 1] if s.l < s.L - 2 else s.dZ[s.l]
        return np.sum(source, axis=1, keepdims=True) / s.m

    engine = Slipped("db-from-dA", replace(reference.steps.FORMULAS, db=db_from_dA))
    result = run_all(DEFAULT, [engine], progress=False)
    found = diagnose(result.observations, result.evidence, result.where)
    assert list(found["kind"]) == ["pattern"]
    text = found.iloc[0]["finding"]
    assert "depth >= " in text and "the first wrong quantity is db[L-" in text
    # true of the runs: the depth it names holds for every failing scenario, and the counts are the runs'
    k = int(text.split("depth >= ")[1][0])
    df = result.observations
    failing = set(df.loc[~df["passed"], "scenario"])
    assert failing and all(Scenario.from_id(sid).depth >= k for sid in failing)
    passing = set(df["scenario"]) - failing
    deep_passing = sum(Scenario.from_id(sid).depth >= k for sid in passing)
    assert f"{len(failing)} of the {len(failing)} failing scenarios have depth >= {k}" in text
    assert f"and {deep_passing} of the {len(passing)} passing ones" in text


def test_an_endless_loop_is_not_matched_to_a_slip(tmp_path):
    result = check(f"{CLIENTS}/endless.py:L_model_backward", suite="smoke", dtypes="float64", timeout=1)
    found = result.diagnosis
    n = len(set(result.failures["scenario"]))
    assert list(found["kind"]) == ["raised"]
    assert found.iloc[0]["finding"].startswith(f"it timed out (no answer after 1 s) in every failing scenario ({n})")


@pytest.fixture(scope="module")
def planted_function(tmp_path_factory):
    """A learner's file with the article's slip (g' of the layer above), in the dictionary contract."""
    path = tmp_path_factory.mktemp("learner") / "slipped.py"
    path.write_text(
        "import numpy as np\n"
        "from crosscheck import reference\n"
        "from crosscheck.analyses.mutants import mutant\n\n"
        "def backward(parameters, X, Y, activations, loss):\n"
        "    t = reference.trace(parameters, X, Y, activations, loss=loss,\n"
        "                        formulas=mutant(\"article-g'[L]-for-layer-L-1\").formulas)\n"
        "    return {f'{q}{l}': v for q in ('dW', 'db', 'dZ') for l, v in t.layers(q).items()}\n")
    return f"{path}:backward"


def test_the_diagnosis_opens_every_report_and_is_the_same_through_every_path(planted_function, tmp_path, capsys):
    slip = "article-g'[L]-for-layer-L-1"
    args = ["run", "--suite", "smoke", "--backward", planted_function, "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "one")]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[3].startswith(f"- backward: its values are the slip {slip}")
    one = pd.read_csv(tmp_path / "one" / "diagnosis.csv", keep_default_na=False)
    assert list(one["kind"]) == ["slip"] and f"`{slip}`" in one.iloc[0]["finding"]
    assert one.iloc[0]["rerun"].startswith(f"crosscheck run --backward {planted_function} --scenario ")
    summary = (tmp_path / "one" / "summary.md").read_text()
    assert summary.index("## Diagnosis") < summary.index("| identity")  # before any table
    page = (tmp_path / "one" / "report.html").read_text()
    assert page.index("<h2>Diagnosis</h2>") < page.index("<table")
    assert main([*args, "--workers", "2", "--out", str(tmp_path / "workers")]) == 1
    for k in (1, 2):
        assert main([*args, "--shard", f"{k}/2", "--out", str(tmp_path / f"shard{k}")]) == 1
        assert not (tmp_path / f"shard{k}" / "diagnosis.csv").exists()  # the merge diagnoses the whole suite
    assert main(["merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"), "--out", str(tmp_path / "merged")]) == 1
    api = check(planted_function, suite="smoke").diagnosis
    for other in (pd.read_csv(tmp_path / name / "diagnosis.csv", keep_default_na=False) for name in ("workers", "merged")):
        pd.testing.assert_frame_equal(other, one)
    pd.testing.assert_frame_equal(api.astype(str), one.astype(str))


def test_the_plugin_failure_message_starts_with_the_diagnosis(planted_function, tmp_path):
    code, out = run_pytest(tmp_path, "-q", "--crosscheck-suite", "smoke", "--crosscheck-backward", planted_function,
                           "-x")
    assert code == 1
    message = out.split("____\n", 1)[1]
    assert message.startswith("diagnosis: its values are the slip `article-g'[L]-for-layer-L-1`")


@pytest.mark.slow
@pytest.mark.parametrize("m", [m for m in REAL if m.tag != "per-example"], ids=lambda m: m.id)
def test_every_real_mutant_planted_as_a_users_function_is_diagnosed_as_itself(m):
    mid = m.id

    def backward(parameters, X, Y, activations, loss):
        from crosscheck import reference
        from crosscheck.analyses.mutants import mutant

        t = reference.trace(parameters, X, Y, activations, loss=loss, formulas=mutant(mid).formulas)
        return {f"{q}{l}": v for q in ("dW", "db", "dZ", "dA") for l, v in t.layers(q).items()}

    found = check(backward, suite="default").diagnosis
    assert slip_of(found) == mid, found["finding"].tolist()


@pytest.mark.slow
@pytest.mark.parametrize("m", [m for m in REAL if m.tag == "per-example"], ids=lambda m: m.id)
def test_every_per_example_mutant_planted_as_a_users_function_is_diagnosed_in_its_per_example_values(m):
    """A per-example slip changes no batch value: the diagnosis says the batch gradients agree
    and the per-example ones do not, and names a factor of m or 1/m where it is one."""
    mid = m.id

    def backward(parameters, X, Y, activations, loss):
        from crosscheck import reference
        from crosscheck.analyses.mutants import mutant

        t = reference.trace(parameters, X, Y, activations, loss=loss, formulas=mutant(mid).formulas,
                            per_example=X.shape[1])
        grads = {f"{q}{l}": v for q in ("dW", "db", "dZ", "dA") for l, v in t.layers(q).items()}
        return grads | {f"{q[:2]}{l}_per_example": v for q in ("dW_i", "db_i") for l, v in t.layers(q).items()}

    result = check(backward, suite="smoke")
    found = result.diagnosis
    assert not result.passed and list(found["kind"]) == ["per example"], found["finding"].tolist()
    said = found["finding"].iloc[0]
    assert "its batch gradients agree with the reference's but its per-example gradients do not" in said
    if mid in ("per-example-dW-times-m", "per-example-dW-over-m"):
        assert ("m times" if mid.endswith("times-m") else "1/m of") in said, said


def test_values_that_are_the_references_are_matched_to_no_slip():
    """A correct function that hands back float64 in float32 scenarios fails by its dtype:
    no slip is named (a slip that changes nothing the function returned fits trivially)."""
    class WrongDtype(NumpyReference):
        name = "float64-out"

        def trace(self, problem):
            t = super().trace(problem.astype(np.float64))
            return Trace(**{q: {l: np.asarray(v, np.float64) for l, v in t.layers(q).items()}
                            for q in ("A", "Z", "dA", "dZ", "dW", "db")})

    found = diagnosed([WrongDtype()], [s for s in SMOKE if s.dtype == "float32"])
    assert list(found["kind"]) == ["not the values"] and "dtype mismatch" in found.iloc[0]["finding"]


def test_a_correct_function_that_raises_its_own_error_is_matched_to_no_slip(tmp_path):
    """Correct, but a ValueError of its own on leaky_relu networks: no slip whose shapes happen
    not to conform on the same networks is named; the pattern names leaky_relu."""
    module = tmp_path / "strict.py"
    module.write_text(
        "from crosscheck import reference\n\n"
        "def backward(parameters, X, Y, activations, loss):\n"
        "    if 'leaky_relu' in activations:\n"
        "        raise ValueError('leaky_relu is not supported yet')\n"
        "    t = reference.trace(parameters, X, Y, activations, loss=loss)\n"
        "    return {f'{q}{l}': v for q in ('dW', 'db') for l, v in t.layers(q).items()}\n")
    result = check(f"{module}:backward", suite="default", dtypes="float64")
    found, n = result.diagnosis, len(set(result.failures["scenario"]))
    assert list(found["kind"]) == ["raised"]
    assert found.iloc[0]["finding"].startswith("it raised ValueError: leaky_relu is not supported yet (at strict.py:5 "
                                               f"in backward) in every failing scenario ({n}); it raises in every "
                                               "scenario with a hidden leaky_relu layer")
