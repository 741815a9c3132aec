"""The jax engine's programs: exported and read back, compiled ahead, chosen by index: the
same numbers, bit for bit, as the plain ways of computing them."""
from __future__ import annotations

import numpy as np
import pytest

from crosscheck.scenarios import Scenario, build_problem

jax = pytest.importorskip("jax")

from crosscheck.adapters import jax_programs  # noqa: E402
from crosscheck.adapters.convention_engines import JaxNoX64  # noqa: E402
from crosscheck.adapters.gelu_defaults import JaxGeluDefault  # noqa: E402
from crosscheck.adapters.jax_grad import CLASSIC_SOFTMAX, JaxGrad, _activations  # noqa: E402
from crosscheck.adapters.base import written_cost  # noqa: E402

SCENARIOS = [Scenario.from_id(i) for i in (
    "relu-tanh-sigmoid_5-5-5-1_m13_float64_s0",
    "leaky_relu-identity-sigmoid_5-5-5-1_m13_float32_s0",
    "tanh-softmax_4-5-3_m13_float64_s0_cce",
    "relu-identity_4-5-2_m13_float32_s0_mse",
    "elu-gelu-silu-sigmoid_4-5-5-5-1_m13_float64_s0",
    "tanh-relu-sigmoid_5-5-5-1_m1024_float32_s0",
    "relu-softmax_4-8-10_m64_float32_s0_cce",
)]
QUANTITIES = ("A", "Z", "dA", "dZ", "dW", "db")


def quick_first(scenarios, n=2):
    """The scenarios as parameters: the first ``n`` in the quick set, the others slow (each
    compiles programs of its own: seconds each)."""
    return [pytest.param(s, id=s.id, marks=() if i < n else pytest.mark.slow) for i, s in enumerate(scenarios)]


def _same(a, b) -> list[str]:
    """The (quantity, layer) where two traces differ in any bit (dtype included)."""
    return [f"{q}[{l}]" for q in QUANTITIES for l, x in getattr(a, q).items()
            if x.dtype != getattr(b, q)[l].dtype or not np.array_equal(x, getattr(b, q)[l], equal_nan=True)]


def _engine(monkeypatch, cache, cls=JaxGrad):
    monkeypatch.setenv("CROSSCHECK_JAX_CACHE", str(cache))
    engine = cls()
    engine.load()
    return engine


def _switched(engine, problem):
    """jax.grad of the network with each layer's activation chosen by ``jax.lax.switch`` on the
    index, as the engine did before it chose with jnp.where (its numbers must not change)."""
    s, jnp = problem.scenario, jax.numpy
    _, names = engine.program(s.activations)
    g = _activations(jax)
    branches = [g[n] for n in names]

    def cost(P, eZ, eA, X, Y, g_index):
        L, m = len(eZ), X.shape[1]
        A, Z = [X + eA[0]], []
        for l in range(1, L + 1):
            Z.append(P[f"W{l}"] @ A[l - 1] + P[f"b{l}"] + eZ[l - 1])
            A.append(jax.lax.switch(g_index[l - 1], branches, Z[-1]) + eA[l])
        return written_cost(jnp, s.loss, A[L], Y, m), (A, Z)

    dtype = problem.X.dtype
    eZ = [np.zeros((n, s.m), dtype) for n in s.layer_sizes[1:]]
    eA = [np.zeros((n, s.m), dtype) for n in s.layer_sizes]
    g_index = np.array([names.index(a) for a in s.activations], np.int32)
    (dP, deZ, deA), (A, Z) = jax.jit(jax.grad(cost, argnums=(0, 1, 2), has_aux=True))(
        problem.parameters, eZ, eA, problem.X, problem.Y, g_index)
    return dP, deZ, deA, A, Z


@pytest.mark.parametrize("scenario", quick_first(SCENARIOS))
def test_exported_read_back_and_ahead_give_the_plain_jit_numbers(scenario, tmp_path, monkeypatch):
    problem = build_problem(scenario)
    plain = _engine(monkeypatch, "off").trace(problem)  # no cache: the jitted function itself
    exporting = _engine(monkeypatch, tmp_path)
    exported = exporting.trace(problem)  # exported now, and its file written
    assert list((tmp_path / "exported").glob(f"*{jax_programs.SUFFIX}"))
    reading = _engine(monkeypatch, tmp_path)
    read_back = reading.trace(problem)  # a new engine reads the file
    ahead = _engine(monkeypatch, tmp_path)
    ahead.prepare([scenario])
    assert ahead._ahead._futures, "the program was planned"
    compiled_ahead = ahead.trace(problem)
    assert not ahead._ahead._futures, "its one use taken, the program is let go"
    assert not ahead._exported._calls, "nor is its jitted call kept (it would hold the lowering for the whole run)"
    for name, trace in (("exported", exported), ("read back", read_back), ("ahead", compiled_ahead)):
        assert _same(plain, trace) == [], name


#: The scenarios whose program chooses with jnp.where (the one with every activation keeps lax.switch).
WHERE = [s for s in SCENARIOS if set(s.activations) <= set(CLASSIC_SOFTMAX)]


@pytest.mark.parametrize("scenario", quick_first(WHERE))
def test_choosing_the_activation_with_where_gives_the_numbers_of_lax_switch(scenario, monkeypatch):
    """The CLASSIC programs choose with jnp.where; the one with every activation keeps lax.switch."""
    problem = build_problem(scenario)
    engine = _engine(monkeypatch, "off")
    trace = engine.trace(problem)
    dP, deZ, deA, A, Z = _switched(engine, problem)
    m, L = scenario.m, scenario.depth
    assert all(np.array_equal(trace.A[l], np.asarray(A[l])) for l in range(L + 1))
    assert all(np.array_equal(trace.Z[l], np.asarray(Z[l - 1])) for l in range(1, L + 1))
    assert all(np.array_equal(trace.dW[l], np.asarray(dP[f"W{l}"])) for l in range(1, L + 1))
    assert all(np.array_equal(trace.db[l], np.asarray(dP[f"b{l}"])) for l in range(1, L + 1))
    dt = problem.X.dtype.type
    assert all(np.array_equal(trace.dZ[l], np.asarray(deZ[l - 1]) * dt(m)) for l in range(1, L + 1))
    assert all(np.array_equal(trace.dA[l], np.asarray(deA[l]) * dt(m)) for l in range(L + 1))


def test_a_program_is_known_by_everything_that_shapes_it(monkeypatch, tmp_path):
    engine = _engine(monkeypatch, tmp_path)
    assert jax_programs.engine_salt(engine) != jax_programs.engine_salt(JaxGeluDefault())
    p64, p32 = (build_problem(Scenario((4, 5, 1), ("tanh", "sigmoid"), 13, d)) for d in ("float64", "float32"))
    keys = set()
    for p in (p64, p32):
        grad, names, args = engine._arguments(p.scenario, p.X, p.Y, p.parameters)
        keys |= {engine._exported.key(args, "bce", names), engine._exported.key(args, "mse", names)}
        with jax.enable_x64(False):
            keys.add(engine._exported.key(args, "bce", names))
    assert len(keys) == 6


def test_an_unreadable_exported_file_is_exported_again(monkeypatch, tmp_path):
    problem = build_problem(SCENARIOS[0])
    first = _engine(monkeypatch, tmp_path).trace(problem)
    (path,) = (tmp_path / "exported").glob(f"*{jax_programs.SUFFIX}")
    path.write_bytes(b"not a program")
    again = _engine(monkeypatch, tmp_path).trace(problem)
    assert _same(first, again) == [] and path.stat().st_size > len(b"not a program")


def test_jax_no_x64_compiles_nothing_ahead_and_keeps_its_float32(monkeypatch, tmp_path):
    engine = _engine(monkeypatch, tmp_path, JaxNoX64)
    engine.prepare(SCENARIOS)
    assert engine._ahead is None
    assert engine.trace(build_problem(SCENARIOS[0])).dW[1].dtype == np.float32  # JAX without x64


def test_ahead_plans_at_most_max_programs_and_the_rest_run_as_before(monkeypatch, tmp_path):
    engine = _engine(monkeypatch, tmp_path)
    monkeypatch.setattr(JaxGrad, "MAX_PROGRAMS", 2)
    scenarios = [Scenario((n, 3, 1), ("tanh", "sigmoid"), 5 + n, "float64") for n in range(1, 5)]
    engine.prepare(scenarios)
    assert len(engine._ahead._futures) == 2
    plain = _engine(monkeypatch, "off")
    for s in scenarios:
        p = build_problem(s)
        assert _same(plain.trace(p), engine.trace(p)) == []
    engine.close()


def test_ahead_never_waits_for_a_slot_that_an_earlier_program_holds():
    """With one program of lead, taking the last one first (out of plan order) still returns:
    taking a program frees the slots of every program planned before it."""
    import threading

    compiled = []
    plan = [(f"k{i}", (lambda i=i: compiled.append(i) or f"program {i}"), 1) for i in range(4)]
    ahead = jax_programs.Ahead(plan, lead=1)
    got = {}
    taker = threading.Thread(target=lambda: got.update(last=ahead.take("k3"), first=ahead.take("k0")))
    taker.start()
    taker.join(timeout=30)
    assert not taker.is_alive(), "take() waited forever"
    assert got == {"last": "program 3", "first": "program 0"} and compiled == [0, 1, 2, 3]
    assert ahead.take("k9") is None  # not planned: the caller compiles it itself
    ahead.close()


def test_a_failed_ahead_compile_leaves_the_program_to_the_caller():
    def broken():
        raise RuntimeError("in the thread")

    ahead = jax_programs.Ahead([("k", broken, 1)])
    assert ahead.take("k") is None
    ahead.close()
