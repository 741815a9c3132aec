"""The article's formulas, one by one, against each other and against calculus."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crosscheck import reference
from crosscheck.reference.activations import ACTIVATIONS, sigmoid
from crosscheck.reference.losses import batch_cost

probabilities = st.floats(min_value=1e-6, max_value=1 - 1e-6)


@given(a=probabilities, y=st.sampled_from([0.0, 1.0]) | probabilities)
def test_chain_rule_1_times_2_is_3(a, y):
    """[1] dL/da times [2] da/dz = a(1-a) equals [3] dL/dz = a - y (hard and soft labels)."""
    a, y = np.array([[a]]), np.array([[y]])
    np.testing.assert_allclose(reference.dL_da(a, y) * a * (1 - a), reference.dL_dz(a, y), rtol=1e-9, atol=1e-12)


@given(z=st.floats(min_value=-30, max_value=30))
def test_2_sigmoid_derivative_is_a_times_one_minus_a(z):
    """[2] d sigma/dz = a(1 - a), against a central difference of sigma itself."""
    h = 1e-6
    fd = (sigmoid(np.array(z + h)) - sigmoid(np.array(z - h))) / (2 * h)
    np.testing.assert_allclose(reference.activations.sigmoid_prime(np.array(z)), fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", [n for n, a in ACTIVATIONS.items() if a.elementwise])
def test_every_derivative_against_central_differences(name):
    act = ACTIVATIONS[name]
    z = np.linspace(-4, 4, 81) + 0.0123  # avoid the kink at exactly 0
    h = 1e-6
    np.testing.assert_allclose(act.g_prime(z), (act.g(z + h) - act.g(z - h)) / (2 * h), rtol=1e-6, atol=1e-9)


def test_softmax_vjp_is_the_transposed_jacobian_times_dA():
    """dZ = J^T dA per example, J[k, j] = da_k/dz_j, J from central differences of softmax."""
    rng = np.random.default_rng(7)
    softmax = ACTIVATIONS["softmax"]
    Z, dA, h = rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), 1e-6
    for i in range(3):
        z = Z[:, [i]]
        J = np.column_stack([(softmax.g(z + h * e) - softmax.g(z - h * e))[:, 0] / (2 * h) for e in np.eye(4)[:, :, None]])
        np.testing.assert_allclose(softmax.vjp(dA, Z)[:, i], J.T @ dA[:, i], rtol=1e-7, atol=1e-10)
    assert not softmax.elementwise and softmax.g_prime is None


@pytest.mark.parametrize("loss,out", [("bce", "sigmoid"), ("cce", "softmax"), ("mse", "identity"),
                                      ("mse", "sigmoid"), ("mse", "tanh")])
def test_each_loss_gives_its_output_derivatives_and_A_minus_Y_only_for_canonical_pairs(loss, out):
    """dA[L] and dZ[L] of every loss against central differences of the cost in Z[L];
    dZ[L] = A - Y exactly for the canonical pairs, and far from it for the others."""
    rng = np.random.default_rng(8)
    n_L, m = (1 if loss == "bce" else 3), 5
    Z = rng.standard_normal((n_L, m))
    Y = np.eye(n_L)[:, rng.integers(0, n_L, m)] if loss == "cce" else rng.random((n_L, m))
    g = ACTIVATIONS[out]
    A = g.g(Z)
    J = lambda Z: batch_cost(loss, g.g(Z), Y)  # noqa: E731
    h, fd_dZ = 1e-6, np.zeros_like(Z)
    for idx in np.ndindex(*Z.shape):
        e = np.zeros_like(Z)
        e[idx] = h
        fd_dZ[idx] = m * (J(Z + e) - J(Z - e)) / (2 * h)  # dZ is per example: m * dJ/dZ
    dZ = g.vjp(reference.output_dA(loss, A, Y), Z, A)
    np.testing.assert_allclose(dZ, fd_dZ, rtol=1e-6, atol=1e-8)
    assert reference.is_canonical(loss, out) == np.allclose(dZ, A - Y, rtol=1e-6, atol=1e-8)


def test_1_dL_da_against_central_differences_of_the_loss():
    a, y = np.array([[0.2, 0.7, 0.9]]), np.array([[1.0, 0.0, 0.3]])
    h = 1e-7
    loss = lambda a: -(y * np.log(a) + (1 - y) * np.log(1 - a))  # noqa: E731
    np.testing.assert_allclose(reference.dL_da(a, y), (loss(a + h) - loss(a - h)) / (2 * h), rtol=1e-6)


def test_5_and_6_one_neuron_is_the_vectorised_formula_with_m_equal_1():
    """[5] dL/dw = x(a - y) and [6] dL/db = a - y, as printed, are dW[1], db[1] of L = 1, m = 1
    (the row W[1] is w^T, so dW[1] is x(a - y) transposed)."""
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((4, 1)), np.array([[1.0]])
    params = {"W1": rng.standard_normal((1, 4)), "b1": np.array([[0.3]])}
    t = reference.trace(params, x, y, ["sigmoid"])
    a = t.A[1][0, 0]
    np.testing.assert_allclose(t.dW[1], (x * (a - y[0, 0])).T, rtol=1e-14)
    np.testing.assert_allclose(t.db[1], [[a - y[0, 0]]], rtol=1e-14)
    assert reference.dz_dw(x) is x  # [4] dz/dw = x, which dW is built on


def test_logistic_regression_closed_form():
    """L = 1 is logistic regression: dW = (1/m)(A - Y) X^T, db = mean(A - Y)."""
    rng = np.random.default_rng(4)
    X, Y = rng.standard_normal((3, 9)), (rng.random((1, 9)) < 0.5) * 1.0
    params = {"W1": rng.standard_normal((1, 3)), "b1": np.zeros((1, 1))}
    t = reference.trace(params, X, Y, ["sigmoid"])
    A = 1 / (1 + np.exp(-(params["W1"] @ X)))
    np.testing.assert_allclose(t.dW[1], (A - Y) @ X.T / 9, rtol=1e-12)
    np.testing.assert_allclose(t.db[1], np.mean(A - Y, keepdims=True), rtol=1e-12)


def test_output_layer_chain_rule_and_direct_result_agree():
    """The article's two derivations of dZ[L]: dA[L] * sigma'(Z[L]) and A[L] - Y."""
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((4, 7)), (rng.random((1, 7)) < 0.5) * 1.0
    params = {"W1": rng.standard_normal((3, 4)), "b1": rng.standard_normal((3, 1)),
              "W2": rng.standard_normal((1, 3)), "b2": rng.standard_normal((1, 1))}
    direct = reference.trace(params, X, Y, ["tanh", "sigmoid"], derivation="direct")
    chain = reference.trace(params, X, Y, ["tanh", "sigmoid"], derivation="chain")
    for q in ("dZ", "dA", "dW", "db"):
        for l in direct.layers(q):
            np.testing.assert_allclose(chain.layers(q)[l], direct.layers(q)[l], rtol=1e-12, atol=1e-15)


def test_direct_result_refuses_a_non_sigmoid_output():
    with pytest.raises(ValueError, match="sigmoid output"):
        reference.backward({"W1": np.ones((1, 2)), "b1": np.ones((1, 1))}, {0: np.ones((2, 3)), 1: np.ones((1, 3))},
                           {1: np.ones((1, 3))}, np.ones((1, 3)), ["tanh"], derivation="direct")


def test_course_grads_dictionary_keys():
    rng = np.random.default_rng(6)
    params = {"W1": rng.standard_normal((3, 2)), "b1": np.zeros((3, 1)),
              "W2": rng.standard_normal((1, 3)), "b2": np.zeros((1, 1))}
    grads = reference.gradients(params, rng.standard_normal((2, 5)), np.ones((1, 5)), ["relu", "sigmoid"])
    assert {"dW1", "db1", "dW2", "db2", "dZ1", "dZ2", "dA0", "dA1", "dA2"} == set(grads)
    assert grads["dW1"].shape == (3, 2) and grads["db1"].shape == (3, 1) and grads["dA0"].shape == (2, 5)


def test_a_stack_of_networks_goes_forward_as_each_network_alone():
    """reference.forward with a stacked parameter and a stacked offset (finite differences'
    perturbed networks): each network's A and Z are the ones it gets on its own, bit for bit."""
    from crosscheck.scenarios import Scenario, build_problem

    for scenario in (Scenario((4, 5, 3), ("tanh", "softmax"), 13, loss="cce"),
                     Scenario((4, 5, 5, 1), ("relu", "sigmoid", "sigmoid"), 7)):
        p = build_problem(scenario)
        rng = np.random.default_rng(0)
        W2 = p.parameters["W2"] + rng.standard_normal((3,) + p.parameters["W2"].shape) * 1e-3
        b1 = p.parameters["b1"] + rng.standard_normal((3,) + p.parameters["b1"].shape) * 1e-3
        offset = rng.standard_normal((3, 5, scenario.m)) * 1e-3
        for name, stack, offsets in (("W2", W2, None), ("b1", b1, None), (None, None, {("Z", 1): offset})):
            params = {**p.parameters, name: stack} if name else p.parameters
            A, Z = reference.forward(params, p.X, scenario.activations, offsets)
            for k in range(3):
                one = {**p.parameters, name: stack[k]} if name else p.parameters
                A1, Z1 = reference.forward(one, p.X, scenario.activations, {("Z", 1): offset[k]} if offsets else None)
                assert all(np.array_equal(A[l][k] if A[l].ndim == 3 else A[l], A1[l]) for l in A1), (name, k)
                assert all(np.array_equal(Z[l][k] if Z[l].ndim == 3 else Z[l], Z1[l]) for l in Z1), (name, k)


def test_sigmoid_with_one_division_is_the_two_division_form_bit_for_bit():
    rng = np.random.default_rng(1)
    for dtype in (np.float64, np.float32, np.float16):
        z = (rng.standard_normal(20_000) * rng.choice([1, 10, 100, 1000], 20_000)).astype(dtype)
        z = np.concatenate([z, np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype)])
        ez = np.exp(-np.abs(z))
        two = np.where(z >= 0, 1 / (1 + ez), ez / (1 + ez))
        assert sigmoid(z).dtype == two.dtype and np.array_equal(sigmoid(z), two, equal_nan=True)
