"""The tails of each activation, the ``tails`` networks that reach them, and a derivative
taken as flat past some |z| failing on them."""
from __future__ import annotations

import math

import numpy as np
import pytest

from crosscheck.reference.activations import ACTIVATIONS
from crosscheck.reference.network import forward
from crosscheck.scenarios import Scenario, build_problem, suite
from crosscheck.scenarios.problem import ill_conditioned_examples, tails_missed
from crosscheck.scenarios.suites import ALL_HIDDEN
from crosscheck.scenarios.tails import GRID_END, TAIL_FRACTION, has_tail, tail_thresholds

ELEMENTWISE = [name for name, act in ACTIVATIONS.items() if act.elementwise]
TAILS = suite("tails")


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_past_each_threshold_the_derivative_stays_below_the_fraction_of_its_peak(name):
    g_prime = ACTIVATIONS[name].g_prime
    z = np.linspace(-GRID_END, GRID_END, 2 ** 18 + 1)
    decay = np.abs(g_prime(z)) / np.abs(g_prime(z)).max()
    low, high = tail_thresholds(name)
    for t, outside in ((low, z <= low if low is not None else None), (high, z >= high if high is not None else None)):
        if t is None:
            continue
        assert (decay[outside] < TAIL_FRACTION).all(), (name, t)
        inside = np.abs(g_prime(np.array([t * (1 - 1e-6)]))) / np.abs(g_prime(z)).max()
        assert inside[0] >= TAIL_FRACTION, (name, t)  # the boundary, not some point beyond it


def test_which_sides_have_a_tail():
    sides = {name: tuple(t is not None for t in tail_thresholds(name)) for name in ACTIVATIONS}
    assert sides == {"sigmoid": (True, True), "tanh": (True, True), "relu": (False, False),
                     "leaky_relu": (False, False), "identity": (False, False), "softplus": (True, False),
                     "silu": (True, False), "elu": (True, False), "gelu": (True, False),
                     "gelu_tanh": (True, False), "softmax": (False, False)}


def test_sigmoid_and_tanh_thresholds_agree_with_their_closed_forms():
    # sigma'(z) = a(1 - a) = 0.25 f  and  tanh'(z) = 1 - a^2 = f, solved for z
    f = TAIL_FRACTION
    sigmoid = math.log((1 + math.sqrt(1 - f)) / (1 - math.sqrt(1 - f)))
    tanh = math.atanh(math.sqrt(1 - f))
    assert tail_thresholds("sigmoid") == pytest.approx((-sigmoid, sigmoid), abs=1e-6)
    assert tail_thresholds("tanh") == pytest.approx((-tanh, tanh), abs=1e-6)
    assert 15 < sigmoid < 15.5 and 7.5 < tanh < 7.7


def test_the_tails_suite_has_each_activation_with_a_tail_at_depth_2_and_3():
    with_tail = {a for a in ALL_HIDDEN if has_tail(a)}
    assert with_tail == {"sigmoid", "tanh", "softplus", "silu", "elu", "gelu", "gelu_tanh"}
    assert {(s.activations[0], s.depth, s.dtype) for s in TAILS} == {
        (a, d, dt) for a in with_tail for d in (2, 3) for dt in ("float64", "float32")}
    assert all(s.regime == "tails" and len(set(s.activations[:-1])) == 1 for s in TAILS)


@pytest.mark.parametrize("s", [s for s in TAILS if s.dtype == "float64"], ids=lambda s: s.id)
def test_every_hidden_layer_of_a_tails_network_reaches_its_tails_and_keeps_the_margins(s):
    p = build_problem(s)
    assert tails_missed(p) == []
    _, Z = forward(p.parameters, p.X, s.activations)
    low, high = tail_thresholds(s.activations[0])
    for l in range(1, s.depth):
        assert low is None or Z[l].min() <= low
        assert high is None or Z[l].max() >= high
    assert ill_conditioned_examples(p).size == 0  # the output's saturation margin, the kink margin (elu)


def test_the_tails_detector_sees_a_layer_that_stops_short():
    s = Scenario((4, 16, 1), ("tanh", "sigmoid"), 64, regime="tails")
    p = build_problem(s)
    short = dict(p.parameters, W1=p.parameters["W1"] / 2, b1=p.parameters["b1"] / 2)
    assert tails_missed(type(p)(s, p.X, p.Y, short)) == [1]


def test_a_float32_tails_scenario_holds_the_float64_values_rounded():
    s64 = next(s for s in TAILS if s.dtype == "float64")
    s32 = Scenario(s64.layer_sizes, s64.activations, s64.m, "float32", regime="tails")
    a, b = build_problem(s64), build_problem(s32)
    np.testing.assert_array_equal(b.X, a.X.astype(np.float32))
    np.testing.assert_array_equal(b.parameters["W1"], a.parameters["W1"].astype(np.float32))


@pytest.mark.parametrize("name, activation", [("sigmoid_flat_past_cut", "sigmoid"), ("tanh_flat_past_cut", "tanh")])
def test_a_derivative_flat_past_a_cut_fails_the_default_suite_on_its_tails_networks(name, activation):
    from crosscheck import check
    from tests.scenarios import flat_tails

    result = check(getattr(flat_tails, name), suite="default", activations=["sigmoid", "tanh"], progress=False)
    assert not result.passed
    failing = result.failures
    assert {Scenario.from_id(i).regime for i in failing.scenario} == {"tails"}
    assert all(activation in Scenario.from_id(i).activations[:-1] for i in failing.scenario)
    assert {"dW", "db"} <= set(failing.quantity), "the parameters' gradients show it, not only dZ"
    assert any(i.endswith("_float64_s0_tails") for i in failing.scenario)


def test_the_same_function_without_the_cut_passes_the_default_suite():
    from crosscheck import check
    from tests.scenarios import flat_tails

    result = check(flat_tails.backward, suite="default", activations=["sigmoid", "tanh"], progress=False)
    assert result.passed, result.failures
    checked = result.table[result.table.status == "pass"].scenario
    assert any(i.endswith("_tails") for i in checked)
