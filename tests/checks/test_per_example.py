"""x(a-y) per example (crosscheck/checks/per_example.py): every engine that gives per-example
gradients (numpy, torch's torch.func, jax's vmap, Opacus in each mode and reduction) passes
with per-example rows for every layer; each per-example mutant is killed planted in each of
them; the reference's per-example gradient of one layer is x(a - y) itself; a batch whose
per-example values do not fit in one chunk has every example compared, chunk by chunk (a
slip in its last example fails, and chunked and whole comparisons give the same
statuses); workers give the single process's rows; a user's per-example slip gets one verdict
through one process, shards merged and the pytest plugin."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crosscheck import reference
from crosscheck.analyses.mutant_kills import mutation_table
from crosscheck.analyses.mutants import CATALOGUE
from crosscheck.checks import per_example
from crosscheck.checks.per_example import CHECK, PER_EXAMPLE_VALUES, per_example_chunk
from crosscheck.reference.examples import Examples
from crosscheck.cli import main
from crosscheck.reference.trace import PER_EXAMPLE, STATISTICS
from crosscheck.running.runner import run
from crosscheck.scenarios import Scenario, suite
from tests.support import engine_or_skip, named_engines, report_rows, run_pytest

PER_EXAMPLE_ENGINES = ("numpy", "torch", "jax", "opacus", "opacus-sum", "opacus-functorch", "opacus-functorch-sum",
                       "backpack")
SMOKE = suite("smoke")
PER_EXAMPLE_MUTANTS = [m for m in CATALOGUE if m.tag == "per-example"]


@pytest.fixture(scope="module")
def per_example_engines():
    return named_engines(PER_EXAMPLE_ENGINES)


@pytest.mark.parametrize("name", PER_EXAMPLE_ENGINES)
def test_each_engine_passes_with_per_example_rows_for_every_layer(per_example_engines, name):
    engine = engine_or_skip(per_example_engines, name)
    assert engine.per_example_gradients
    df = run(SMOKE, [engine], progress=False)
    assert df["passed"].all(), df[~df["passed"]][["scenario", "check", "quantity", "message"]].head().to_string()
    rows = df[df["check"] == CHECK]
    for s in SMOKE:
        got = set(zip(*rows[rows["scenario"] == s.id][["quantity", "layer"]].values.T))
        statistics = [q for q in STATISTICS if s.m > 1 or q.endswith("_sq")]  # no variance of one example
        quantities = (*PER_EXAMPLE, "dW", "db", *(statistics if name == "backpack" else ()))
        assert got == {(q, l) for q in quantities for l in range(1, s.depth + 1)}, s.id
    assert (rows["status"] == "pass").all()


@pytest.mark.parametrize("name", PER_EXAMPLE_ENGINES)
def test_every_per_example_mutant_is_killed_planted_in_each_engine(per_example_engines, name):
    host = None if name == "numpy" else engine_or_skip(per_example_engines, name)
    table = mutation_table(SMOKE[:6], catalogue=PER_EXAMPLE_MUTANTS, progress=False, host=host)
    assert len(table) == 5 and table["killed"].all(), table[~table["killed"]]["id"].tolist()
    # killed by the per-example rows, not by anything else
    assert table["first_failure"].str.startswith(CHECK).all()


def test_an_engine_without_per_example_gradients_hosts_none_of_them():
    from crosscheck.analyses.mutant_kills import plantable
    from crosscheck.adapters import get_engine

    assert len(plantable(CATALOGUE, get_engine("tensorflow"))) == len(CATALOGUE) - len(PER_EXAMPLE_MUTANTS)
    assert plantable(CATALOGUE, get_engine("opacus")) == tuple(CATALOGUE)


def test_one_layer_per_example_gradient_is_x_times_a_minus_y():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 5)), (rng.random((1, 5)) < 0.5) * 1.0
    P = {"W1": rng.standard_normal((1, 3)), "b1": rng.standard_normal((1, 1))}
    t = reference.trace(P, X, Y, ["sigmoid"], per_example=5)
    a = t.A[1]
    for i in range(5):
        np.testing.assert_allclose(t.dW_i[1][i], (a[:, i] - Y[:, i])[:, None] * X[:, i][None, :], rtol=1e-15)
        np.testing.assert_allclose(t.db_i[1][i], (a[:, i] - Y[:, i])[:, None], rtol=1e-15)
    np.testing.assert_allclose(t.dW_i[1].mean(axis=0), t.dW[1], rtol=1e-13)


#: More than one chunk: 128-64-1, m = 4096, 8,385 values an example, so chunks of 125 examples.
BIG = Scenario((128, 64, 1), ("tanh", "sigmoid"), 4096, "float32")


@pytest.mark.parametrize("statistic", STATISTICS)
def test_backpacks_statistics_as_backpack_gives_them_fail(per_example_engines, statistic):
    """BackPACK's sum_grad_squared and variance are of the mean cost (each 1/m^2 of the
    article's per-example statistics): read as they come, without the adapter's m^2, they fail."""
    from dataclasses import replace

    engine = engine_or_skip(per_example_engines, "backpack")

    class Unscaled(type(engine)):
        name = f"backpack-unscaled-{statistic}"

        def trace(self, problem):
            t = super().trace(problem)
            m = problem.X.dtype.type(problem.scenario.m)
            stats = {**t.statistics, statistic: {l: v / (m * m) for l, v in t.statistics[statistic].items()}}
            return replace(t, statistics=stats)

    df = run(SMOKE[:4], [Unscaled()], progress=False)
    failed = df[~df["passed"]]
    assert len(failed) and set(failed["quantity"]) == {statistic} and set(failed["check"]) == {CHECK}


@pytest.mark.parametrize("name", ["torch", "opacus", "backpack", "jax"])
def test_above_one_chunk_every_example_is_compared(per_example_engines, name):
    k = per_example_chunk(BIG)
    assert k == PER_EXAMPLE_VALUES // (128 * 64 + 64 + 64 + 1) < BIG.m
    engine = engine_or_skip(per_example_engines, name)
    df = run([BIG], [engine], progress=False)
    assert df["passed"].all(), df[~df["passed"]][["quantity", "layer", "message"]].to_string()
    rows = df[df["check"] == CHECK]
    statistics = set(STATISTICS) if name == "backpack" else set()
    assert set(rows["quantity"]) == {*PER_EXAMPLE, "dW", "db"} | statistics  # the mean of every example too
    assert rows.loc[rows["quantity"] == "dW_i", "shape"].tolist() == ["4096x64x128", "4096x1x64"]
    assert rows.loc[rows["quantity"] == "dW_i", "numel"].tolist() == [4096 * 64 * 128, 4096 * 64]


class LastExampleSlip:
    """An engine's per-example dW_i[1] with its last example's first element doubled: a slip
    that only a comparison of every example can see."""

    def __init__(self, engine):
        self.engine = engine

    def __call__(self, problem):
        from dataclasses import replace

        t = self.engine.trace(problem)
        m = problem.scenario.m

        def slip(chunk, start, stop):
            chunk = chunk.copy()
            if stop == m:
                chunk[-1, 0, 0] = 2 * chunk[-1, 0, 0] + 1
            return chunk

        value = t.dW_i[1]
        changed = value.map(slip) if isinstance(value, Examples) else slip(value, 0, m)
        return replace(t, dW_i={**t.dW_i, 1: changed})


@pytest.mark.parametrize("name", ["numpy", "torch"])
def test_a_slip_in_the_last_example_alone_fails(per_example_engines, name):
    engine = engine_or_skip(per_example_engines, name)

    class Slipped(type(engine)):
        pass

    slipped = Slipped()
    slipped.name = f"{name}-last-example-slip"
    slipped.trace = LastExampleSlip(engine)
    df = run([BIG], [slipped], progress=False)
    failed = df[~df["passed"]]
    assert set(zip(failed["quantity"], failed["layer"])) >= {("dW_i", 1)}, df[["quantity", "message"]].to_string()
    row = failed[failed["quantity"] == "dW_i"].iloc[0]
    assert row["mismatched"] == 1 and row["worst_index"] == f"({BIG.m - 1}, 0, 0)", row.to_dict()
    assert row["status"] == "fail"


def test_chunked_and_whole_comparisons_give_the_same_rows(per_example_engines, monkeypatch):
    """With chunks of a few examples, every per-example engine and mutant gives the statuses,
    shapes and counts of the whole comparison (the mean row's float64 sum may differ in its last bits)."""
    from crosscheck.analyses.mutants import MutantEngine

    engines = [e for e in per_example_engines.values() if not isinstance(e, str)]
    engines += [MutantEngine(m) for m in PER_EXAMPLE_MUTANTS]
    scenarios = [s for s in SMOKE if s.m > 4][:4]
    whole = run(scenarios, engines, progress=False)
    monkeypatch.setattr(per_example, "PER_EXAMPLE_VALUES", 40)
    assert all(per_example_chunk(s) < s.m for s in scenarios)
    chunked = run(scenarios, engines, progress=False)
    key = ["scenario", "engine", "check", "quantity", "layer"]
    columns = ["status", "shape", "numel", "mismatched", "passed"]
    assert whole[key + columns].equals(chunked[key + columns])
    assert (~whole["passed"]).sum() > 0  # the mutants fail, chunked as whole
    # each example's values, where the engine makes them bit for bit the same in chunks (the
    # reference's formulas; Opacus and BackPACK run each chunk as a batch of its own, rounded
    # otherwise): the same statistics, the same words
    each = whole["quantity"].isin(PER_EXAMPLE) & whole["engine"].str.match(r"^(numpy|mutant:)")
    assert each.sum() > 0 and (~whole.loc[each, "passed"]).sum() > 0
    for column in ("worst_index", "message", "atol", "max_abs_err", "max_rel_err", "max_ulp", "expected_at_worst",
                   "actual_at_worst"):
        assert whole.loc[each, column].astype(str).equals(chunked.loc[each, column].astype(str)), column


def single_and_workers(tmp_path, args):
    """The rows (timing columns dropped) of ``args`` run in one process and with two workers."""
    assert main([*args, "--out", str(tmp_path / "one")]) == 0
    assert main([*args, "--workers", "2", "--out", str(tmp_path / "two")]) == 0
    return report_rows(tmp_path / "one"), report_rows(tmp_path / "two")


def test_workers_give_the_single_process_per_example_rows(tmp_path):
    one, two = single_and_workers(tmp_path, ["run", "--suite", "smoke", "--engines", "numpy,opacus", "--dtypes",
                                             "float64", "-q"])
    assert (one["check"] == CHECK).sum() > 0 and one.equals(two)


#: A learner's backward that also returns each example's gradients ("dW1_per_example", ...).
LEARNER = '''
import numpy as np

def backward(parameters, X, Y, activations):
    L, m = len(activations), X.shape[1]
    A, Z = {0: X}, {}
    for l in range(1, L + 1):
        Z[l] = parameters[f"W{l}"] @ A[l - 1] + parameters[f"b{l}"]
        A[l] = 1 / (1 + np.exp(-Z[l])) if activations[l - 1] == "sigmoid" else np.maximum(Z[l], 0)
    grads, dZ = {}, A[L] - Y
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = dZ @ A[l - 1].T / m
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        grads[f"dW{l}_per_example"] = np.einsum("im,jm->mij", dZ, A[l - 1]) SCALE
        if BIAS:
            grads[f"db{l}_per_example"] = dZ.T[:, :, None]
        if l > 1:
            g = A[l - 1] * (1 - A[l - 1]) if activations[l - 2] == "sigmoid" else (Z[l - 1] > 0)
            dZ = (parameters[f"W{l}"].T @ dZ) * g
    return grads
backward.crosscheck_activations = ("sigmoid", "relu")
'''


@pytest.mark.parametrize("scale, bias, verdict", [("", True, 0), ("", False, 0), ("/ m", True, 1), ("* m", False, 1)])
def test_a_users_per_example_keys_are_compared_and_a_slip_in_them_fails(tmp_path, capsys, scale, bias, verdict):
    (tmp_path / "learner.py").write_text(LEARNER.replace("SCALE", scale).replace("BIAS", str(bias)))
    code = main(["run", "--suite", "smoke", "--backward", f"{tmp_path / 'learner.py'}:backward",
                 "--out", str(tmp_path / "out"), "--no-progress"])
    out = " ".join(capsys.readouterr().out.split())
    assert code == verdict, out
    df = pd.read_csv(tmp_path / "out" / "discrepancies.csv")
    mine = df[(df["engine"] == "backward") & (df["check"] == CHECK)]
    assert set(mine["quantity"]) == ({"dW_i", "db_i", "dW", "db"} if bias else {"dW_i", "dW"})  # what it returned
    if verdict:
        assert "its batch gradients agree with the reference's but its per-example gradients do not" in out
        assert ("1/m of the example's own gradient" if scale == "/ m" else "m times the example's own") in out


@pytest.mark.parametrize("scale, verdict", [("", 0), ("/ m", 1)])
def test_a_users_per_example_slip_gets_one_verdict_through_shards_and_the_plugin(tmp_path, scale, verdict):
    """The learner's per-example values (x 1/m: a slip its batch gradients do not show) fail,
    and the correct ones pass, the same through one process, two shards merged and the pytest
    plugin: the same rows, the same failing scenarios."""
    (tmp_path / "learner.py").write_text(LEARNER.replace("SCALE", scale).replace("BIAS", "True"))
    args = ["run", "--suite", "smoke", "--dtypes", "float64", "--backward", f"{tmp_path / 'learner.py'}:backward",
            "-q", "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "one")]) == verdict
    for k in (1, 2):
        main([*args, "--shard", f"{k}/2", "--out", str(tmp_path / f"shard{k}")])
    assert main(["merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"), "--out", str(tmp_path / "merged")]) \
        == verdict
    one = report_rows(tmp_path / "one")
    assert report_rows(tmp_path / "merged").equals(one)
    mine = one[(one["engine"] == "backward") & (one["check"] == CHECK)]
    failed = mine[mine["passed"] == "False"]
    failing = set(failed["scenario"])
    assert set(failed["quantity"]) == ({"dW_i", "dW"} if verdict else set())  # its values, and their mean
    code, out = run_pytest(tmp_path, "-q", "-rf", "--crosscheck-suite", "smoke", "--crosscheck-dtypes", "float64",
                           "--crosscheck-backward", f"{tmp_path / 'learner.py'}:backward", "-p", "no:xdist")
    assert code == verdict, out
    assert {line.split("::")[2].split()[0] for line in out.splitlines() if line.startswith("FAILED ")} == failing


#: The cheapest scenario of the full suite whose per-example values take more than one chunk.
CHUNKED_ID = "sigmoid-sigmoid-sigmoid-sigmoid-sigmoid-sigmoid-sigmoid_7-7-7-7-7-7-7-1_m4096_float64_s0"


def test_workers_give_the_single_process_rows_of_a_chunked_scenario(tmp_path):
    one, two = single_and_workers(tmp_path, ["run", "--scenario", CHUNKED_ID, "--engines", "numpy,torch", "-q"])
    mine = one[(one["check"] == CHECK) & (one["quantity"] == "dW_i")]
    assert len(mine) and (mine["shape"].str.startswith("4096x")).all() and one.equals(two)


@pytest.mark.parametrize("slip, passed", [("", True), ("LAST", False), ("NAN", False)])
def test_a_users_per_example_keys_are_compared_in_chunks_through_the_api(tmp_path, monkeypatch, slip, passed):
    """A user's full per-example arrays against the reference's made by chunks (a small
    chunk here): every example compared, a slip or a NaN in the last one alone fails."""
    from crosscheck.api import check

    code = LEARNER.replace("SCALE", "")
    if slip:  # the last example doubled, or one NaN in it
        change = "[-1] *= 2" if slip == "LAST" else "[-1, 0, 0] = np.nan"
        code = code.replace('        if BIAS:', f'        grads[f"dW{{l}}_per_example"]{change}\n        if BIAS:')
    (tmp_path / "learner.py").write_text(code.replace("BIAS", "True"))
    monkeypatch.setattr(per_example, "PER_EXAMPLE_VALUES", 40)
    result = check(f"{tmp_path / 'learner.py'}:backward", suite="smoke", dtypes=["float64"], progress=False)
    rows = result.table[(result.table["check"] == CHECK)]
    assert len(rows) and result.passed == passed, result
    assert any(per_example_chunk(s) < s.m for s in SMOKE if s.id in set(rows["scenario"]))  # chunked
    if slip:
        failed = rows[~rows["passed"]]
        assert set(failed["quantity"]) >= {"dW_i"} and failed["worst_index"].str.match(r"\((\d+),").all()
        m = failed.merge(pd.DataFrame({"scenario": [s.id for s in SMOKE], "m": [s.m for s in SMOKE]}), on="scenario")
        dW_i = m[m["quantity"] == "dW_i"]
        assert (dW_i["worst_index"].str.extract(r"\((\d+),")[0].astype(int) == dW_i["m_y"] - 1).all()


def test_an_engine_that_raises_making_a_chunk_fails_those_rows(per_example_engines, monkeypatch):
    """Chunks are made when compared, outside the engine's trace: an error there fails the
    rows of that engine's per-example values (never a pass, never a crash of the run)."""
    from dataclasses import replace

    monkeypatch.setattr(per_example, "PER_EXAMPLE_VALUES", 40)
    engine = engine_or_skip(per_example_engines, "numpy")

    class Raises(type(engine)):
        name = "numpy-raises-on-a-later-chunk"

        def trace(self, problem):
            t = super().trace(problem)

            def fail(chunk, start, stop):
                if start:
                    raise MemoryError("no room for this chunk")
                return chunk
            return replace(t, dW_i={l: v.map(fail) if isinstance(v, Examples) else v for l, v in t.dW_i.items()})

    scenarios = [s for s in SMOKE if per_example_chunk(s) < s.m][:2]
    df = run(scenarios, [Raises()], progress=False)
    failed = df[~df["passed"]]
    assert len(scenarios) and set(failed["quantity"]) == {"dW_i", "dW"} and (failed["status"] == "fail").all()
    mine = failed[failed["quantity"] == "dW_i"]  # why; the mean of every example (dW) cannot be made either
    assert mine["message"].str.contains("could not be made: MemoryError: no room for this chunk").all()


@pytest.mark.parametrize("name", ["opacus", "backpack", "jax"])
def test_per_example_mutants_planted_in_chunked_values_are_killed(per_example_engines, monkeypatch, name):
    """Planted in an engine's values made by chunks (planted.py changes each chunk), every
    per-example mutant is killed, by its per-example rows."""
    host = engine_or_skip(per_example_engines, name)
    monkeypatch.setattr(per_example, "PER_EXAMPLE_VALUES", 40)
    scenarios = [s for s in SMOKE if per_example_chunk(s) < s.m][:4]
    table = mutation_table(scenarios, catalogue=PER_EXAMPLE_MUTANTS, progress=False, host=host)
    assert len(scenarios) == 4 and table["killed"].all(), table[~table["killed"]]["id"].tolist()
    assert table["first_failure"].str.startswith(CHECK).all()


def test_jax_without_x64_makes_its_later_chunks_without_x64_too(monkeypatch):
    """Chunks are made after trace returns: jax-no-x64's are made under its own setting
    (x64 off), so a float64 scenario's last example carries float32's error, as its first does."""
    from crosscheck.scenarios.problem import build_problem, reference_trace

    engine = engine_or_skip(named_engines(["jax-no-x64"]), "jax-no-x64")
    monkeypatch.setattr(per_example, "PER_EXAMPLE_VALUES", 40)
    s = next(s for s in SMOKE if per_example_chunk(s) < s.m and s.dtype == "float64")
    problem = build_problem(s)
    got, ref = engine.trace(problem).dW_i[1], reference.per_example_gradients(*(lambda t: (t.A, t.dZ))(
        reference_trace(problem)), s.m)[0][1]
    assert isinstance(got, Examples)
    first, last = (np.abs(got[a:b] - ref[a:b]).max() for a, b in (got.spans()[0], got.spans()[-1]))
    assert first > 1e-10 and last > 1e-10, (first, last)  # float32's rounding, not float64's
