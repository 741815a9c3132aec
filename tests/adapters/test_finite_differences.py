"""The ``fd`` engine: central differences agree with the reference, and catch what is wrong."""
from __future__ import annotations

import numpy as np
import pytest

from crosscheck.adapters import finite_differences as fd_module
from crosscheck.adapters.finite_differences import TOLERANCE, FiniteDifferences, forward_passes
from crosscheck.analyses.mutants import MutantEngine, mutant
from crosscheck.checks.arrays import compare
from crosscheck.running.runner import reference_trace, run
from crosscheck.scenarios import Scenario, build_problem, suite

SMALL = [s for s in suite("smoke") if s.dtype == "float64"] + [
    Scenario.from_id("tanh-softmax_4-5-3_m13_float64_s0_cce"),
    Scenario.from_id("relu-identity_4-5-2_m13_float64_s0_mse"),
    Scenario.from_id("relu-sigmoid_4-5-1_m13_float64_s0_mse"),
    Scenario.from_id("elu-gelu-silu-sigmoid_4-5-5-5-1_m13_float64_s0"),
]


@pytest.mark.parametrize("scenario", SMALL, ids=lambda s: s.id)
def test_fd_agrees_with_the_reference_on_every_quantity(scenario):
    df = run([scenario], [FiniteDifferences()], progress=False)
    assert df["passed"].all(), df[~df["passed"]][["check", "quantity", "layer", "max_abs_err"]].to_string()
    ref = df[df["check"] == "reference"]
    assert set(ref["quantity"]) == {"dA", "dZ", "dW", "db"}  # A and Z are the forward pass's, not compared
    assert (ref["rtol"] == TOLERANCE.rtol).all() and (ref["atol"] == TOLERANCE.atol).all()


def test_fd_reports_float32_scenarios_as_unsupported():
    df = run([Scenario((4, 3, 1), ("tanh", "sigmoid"), 5, "float32")], [FiniteDifferences()], progress=False)
    assert list(df["status"]) == ["unsupported"] and "float64" in df["message"].iloc[0]


@pytest.mark.parametrize("m_id", ["dW-missing-1/m", "article-g'[L]-for-layer-L-1", "tanh'-as-1-Z^2", "Y-minus-A"])
def test_fd_as_an_oracle_rejects_a_mutated_backward_pass(m_id):
    """Each mutant's gradients against fd's, under fd's tolerance: some quantity fails."""
    s = Scenario((4, 5, 5, 1), ("tanh", "sigmoid", "sigmoid"), 13)
    p = build_problem(s)
    oracle, wrong = FiniteDifferences().trace(p), MutantEngine(mutant(m_id)).trace(p)
    results = [compare(oracle.get(q, l), wrong.get(q, l), "float64", TOLERANCE.rtol, TOLERANCE.atol).passed
               for q in ("dA", "dZ", "dW", "db") for l in oracle.dW]
    assert not all(results)


def test_an_fd_error_of_ten_atol_fails_its_row():
    class Off(FiniteDifferences):
        def trace(self, problem):
            t = super().trace(problem)
            t.dW[1][0, 0] += 10 * TOLERANCE.atol + 10 * TOLERANCE.rtol * abs(t.dW[1][0, 0])
            return t

    df = run([Scenario((4, 3, 1), ("tanh", "sigmoid"), 13)], [Off()], progress=False)
    failed = df[~df["passed"]]
    assert set(zip(failed["check"], failed["quantity"], failed["layer"])) >= {("reference", "dW", 1)}


def test_projection_mode_is_used_above_the_limit_and_agrees(monkeypatch):
    s = Scenario.from_id("relu-tanh-sigmoid_6-8-8-1_m64_float64_s0")
    monkeypatch.setattr(fd_module, "FULL_LIMIT", forward_passes(s) - 1)
    df = run([s], [FiniteDifferences()], progress=False)
    assert df["passed"].all() and set(df["shape"]) == {str(fd_module.DIRECTIONS)}
    assert len(df) == 4 * s.depth + 1  # dZ, dW, db, dA per layer and dA[0], nothing else


def test_projection_mode_catches_a_wrong_reference_gradient(monkeypatch):
    s = Scenario.from_id("relu-tanh-sigmoid_6-8-8-1_m64_float64_s0")
    p = build_problem(s)
    ref = reference_trace(p)
    ref.dW[2] = ref.dW[2] * 1.001
    projected = FiniteDifferences().projections(p, ref).projections
    bad = [(q, l) for q, l, expected, actual in projected
           if not compare(expected, actual, "float64", TOLERANCE.rtol, TOLERANCE.atol).passed]
    assert bad == [("dW", 2)]


def test_a_large_network_runs_in_projection_mode():
    s = Scenario.from_id("tanh-tanh-tanh-sigmoid_128-64-32-16-1_m256_float64_s0")
    assert forward_passes(s) > fd_module.FULL_LIMIT
    t = FiniteDifferences().trace(build_problem(s))
    assert len(t.projections) == 4 * s.depth + 1 and not t.dW
    for q, l, expected, actual in t.projections:
        np.testing.assert_allclose(actual, expected, rtol=TOLERANCE.rtol, atol=TOLERANCE.atol, err_msg=f"{q}[{l}]")


def _one_at_a_time(problem):
    """fd's full mode as it was before its perturbations were stacked: one forward pass per
    perturbation (the stacked passes must give these numbers bit for bit)."""
    from crosscheck import reference
    from crosscheck.reference.losses import example_losses

    s, P, X, Y = problem.scenario, problem.parameters, problem.X, problem.Y

    def losses(offsets=None, params=P):
        A, _ = reference.forward(params, X, s.activations, offsets)
        return example_losses(s.loss, A[s.depth], Y)

    A, Z = reference.forward(P, X, s.activations)
    out = {"dW": {}, "db": {}, "dZ": {}, "dA": {}}
    for l in range(1, s.depth + 1):
        for q in ("W", "b"):
            value = P[f"{q}{l}"]
            grad = np.empty(value.shape)
            for idx in np.ndindex(*value.shape):
                e = np.zeros_like(value)
                e[idx] = 1
                grad[idx] = fd_module.central(lambda t: losses(params={**P, f"{q}{l}": value + t * e}).mean())
            out[f"d{q}"][l] = grad
    for q, layers in (("Z", range(1, s.depth + 1)), ("A", range(0, s.depth + 1))):
        for l in layers:
            value = (Z if q == "Z" else A)[l]
            logarithmic = q == "A" and l == s.depth and s.loss in ("bce", "cce")
            scale = np.clip(np.abs(value), fd_module.OUTPUT_STEP_FLOOR, 1) if logarithmic else None
            grad = np.empty(value.shape)
            for k in range(value.shape[0]):
                e = np.zeros(value.shape)
                e[k] = 1 if scale is None else scale[k]
                grad[k] = fd_module.central(lambda t: losses({(q, l): t * e})) / (1 if scale is None else scale[k])
            out[f"d{q}"][l] = grad
    return out


@pytest.mark.parametrize("scenario", SMALL[-4:] + [Scenario.from_id("relu-tanh-sigmoid_5-5-5-1_m1024_float64_s0")],
                         ids=lambda s: s.id)
def test_stacked_perturbations_give_the_one_at_a_time_numbers_bit_for_bit(scenario, monkeypatch):
    monkeypatch.setattr(fd_module, "STACK_VALUES", 3 * max(scenario.layer_sizes) * scenario.m)  # chunks of 3
    problem = build_problem(scenario)
    stacked, single = FiniteDifferences().trace(problem), _one_at_a_time(problem)
    for q, layers in single.items():
        for l, expected in layers.items():
            assert np.array_equal(getattr(stacked, q)[l], expected), f"{q}[{l}]"
