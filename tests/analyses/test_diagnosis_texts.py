"""Diagnosis texts that say what the runs show: what a function raised and where, before
anything else said of those scenarios; a precision finding worded for a --network file's
scenario as for a suite's; a factor's usual cause that depends on the quantity (dZ[L] / m
is the mean cost's derivative, not 1/m twice) and the output layer said as such; findings
ordered by how many failing scenarios they explain; an L2 term named with its lambd."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crosscheck import check
from crosscheck.analyses.diagnosis import _cause, _precision_text

#: Learners' functions in the dictionary contract (bce, no loss parameter), each wrong one way.
LEARNERS = '''
import numpy as np


def _g(name, Z):
    return {"sigmoid": lambda: 1 / (1 + np.exp(-Z)), "tanh": lambda: np.tanh(Z), "relu": lambda: np.maximum(0, Z),
            "leaky_relu": lambda: np.where(Z > 0, Z, 0.01 * Z), "identity": lambda: Z}[name]()


def _g_prime(name, Z):
    A = _g(name, Z)
    return {"sigmoid": lambda: A * (1 - A), "tanh": lambda: 1 - A ** 2, "relu": lambda: (Z > 0).astype(Z.dtype),
            "leaky_relu": lambda: np.where(Z > 0, 1, 0.01).astype(Z.dtype),
            "identity": lambda: np.ones_like(Z)}[name]()


def _backward(parameters, X, Y, activations, lambd=0.0, dtype=None):
    if dtype is not None:
        parameters = {k: v.astype(dtype) for k, v in parameters.items()}
        X, Y = X.astype(dtype), Y.astype(dtype)
    caches, A = [], X
    for l, name in enumerate(activations, start=1):
        Z = parameters["W" + str(l)] @ A + parameters["b" + str(l)]
        caches.append((A, Z))
        A = _g(name, Z)
    L, m = len(caches), X.shape[1]
    grads, dZ = {}, A - Y
    for l in reversed(range(1, L + 1)):
        A_prev, Z = caches[l - 1]
        if l < L:
            dZ = grads["dA" + str(l)] * _g_prime(activations[l - 1], Z)
        grads["dZ" + str(l)] = dZ
        grads["dW" + str(l)] = dZ @ A_prev.T / m + lambd / m * parameters["W" + str(l)]
        grads["db" + str(l)] = np.sum(dZ, axis=1, keepdims=True) / m
        grads["dA" + str(l - 1)] = parameters["W" + str(l)].T @ dZ
    return grads


def _tanh_prime(Z):
    raise NotImplementedError()  # TANH STUB


def _leaky_prime(Z):
    raise ValueError("leaky_relu slope not set")  # LEAKY STUB


def two_stubs(parameters, X, Y, activations):
    if "tanh" in activations:
        _tanh_prime(X)
    if "leaky_relu" in activations:
        _leaky_prime(X)
    return _backward(parameters, X, Y, activations)


def w_not_transposed(parameters, X, Y, activations):
    g = _backward(parameters, X, Y, activations)
    for l in reversed(range(1, len(activations) + 1)):
        g["dA" + str(l - 1)] = parameters["W" + str(l)] @ g["dZ" + str(l)]  # ValueError where W is not square
    return g


def output_dZ_mean(parameters, X, Y, activations):
    g = _backward(parameters, X, Y, activations)
    L = len(activations)
    g["dZ" + str(L)] = g["dZ" + str(L)] / X.shape[1]  # the mean cost's dZ[L], per-example dZ below
    return g


def stub_and_float32(parameters, X, Y, activations):
    if "tanh" in activations:
        _tanh_prime(X)
    if len(activations) == 1 and X.dtype == np.float64:  # one small share computed in float32
        return {k: v.astype(np.float64) for k, v in _backward(parameters, X, Y, activations, dtype=np.float32).items()}
    return _backward(parameters, X, Y, activations)


def in_float32(parameters, X, Y, activations):
    return {k: v.astype(X.dtype) for k, v in _backward(parameters, X, Y, activations, dtype=np.float32).items()}


def tiny(parameters, X, Y, activations):
    return {k: v + 1e-9 for k, v in _backward(parameters, X, Y, activations).items()}


def l2(parameters, X, Y, activations, lambd=0.7):
    return _backward(parameters, X, Y, activations, lambd=lambd)


def not_l2_per_layer(parameters, X, Y, activations):
    g = _backward(parameters, X, Y, activations)
    m = X.shape[1]
    return {k: v + 0.7 * int(k[2:]) / m * parameters["W" + k[2:]] if k.startswith("dW") else v for k, v in g.items()}


def not_l2_without_m(parameters, X, Y, activations):
    g = _backward(parameters, X, Y, activations)
    return {k: v + 0.01 * parameters["W" + k[2:]] if k.startswith("dW") else v for k, v in g.items()}
'''


@pytest.fixture(scope="module")
def learners(tmp_path_factory):
    path = tmp_path_factory.mktemp("texts") / "learners.py"
    path.write_text(LEARNERS)
    return path


def _line(marker: str) -> int:
    return next(i for i, line in enumerate(LEARNERS.splitlines(), start=1) if marker in line)


def _diagnosis(learners, name, **options):
    result = check(f"{learners}:{name}", suite="smoke", progress=False, **options)
    return result, result.diagnosis


def _failing(result) -> int:
    return len(set(result.failures["scenario"]))


# --- a) what it raised, and where --------------------------------------------------------------

def test_what_a_function_raised_leads_grouped_by_exception_and_place(learners):
    result, found = _diagnosis(learners, "two_stubs")
    n = _failing(result)
    assert list(found["kind"]) == ["raised"] and n == 12
    text = found.iloc[0]["finding"]
    tanh, leaky = _line("TANH STUB"), _line("LEAKY STUB")
    assert text.startswith(f"it raised NotImplementedError (at learners.py:{tanh} in _tanh_prime) in 10 of its 12 "
                           "failing scenarios: unfinished code; ")
    assert (f"it raised ValueError: leaky_relu slope not set (at learners.py:{leaky} in _leaky_prime) in 2 of its 12 "
            "failing scenarios") in text
    assert "no slip of the catalogue" not in text and "0 failing scenarios tried" not in text
    assert int(found.iloc[0]["held"]) == n


def test_a_slip_that_raises_the_same_exception_is_still_named(learners):
    _, found = _diagnosis(learners, "w_not_transposed")
    assert list(found["kind"]) == ["slip"]
    assert "the slip `W-not-transposed` raises the same exception" in found.iloc[0]["finding"]


# --- b) a --network file's scenario --------------------------------------------------------------

@pytest.fixture(scope="module")
def network(tmp_path_factory):
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("net") / "net.npz"
    np.savez(path, X=rng.standard_normal((4, 9)), Y=(rng.random((1, 9)) > 0.5).astype(float),
             W1=0.5 * rng.standard_normal((5, 4)), b1=0.1 * rng.standard_normal((5, 1)),
             W2=0.5 * rng.standard_normal((3, 5)), b2=np.zeros((3, 1)), W3=rng.standard_normal((1, 3)),
             b3=np.zeros((1, 1)), activations=np.array(["relu", "tanh", "sigmoid"]))
    return path


@pytest.mark.parametrize("name, said", [
    ("in_float32", "the values are float32-accurate: the function computes in float32 (in its one failing scenario "
                   "its values are float32 numbers and agree with the reference within the float32 tolerance, not "
                   "within the float64 tolerance)"),
    ("tiny", "the values are float32-accurate, not float64-accurate: in its one failing scenario they agree with the "
             "reference within the float32 tolerance, not within the float64 tolerance, yet they are not float32 "
             "numbers"),
])
def test_a_precision_finding_on_a_network_file_names_its_dtype(learners, network, name, said):
    result = check(f"{learners}:{name}", network=str(network), progress=False)
    found = result.diagnosis
    assert list(found["kind"]) == ["precision"]
    assert found.iloc[0]["finding"].startswith(said)
    assert "their dtype" not in found.iloc[0]["finding"]


def test_a_precision_finding_over_several_dtypes_names_them_all():
    rows = pd.DataFrame({"scenario": ["sigmoid_4-1_m1_float64_s0", "sigmoid_4-1_m1_float32_s0"],
                         "rounded": ["", ""]})
    text = _precision_text(rows, "float16", 2)
    assert text.startswith("the values are float16-accurate, not accurate to their own dtypes (float64, float32): ")
    assert "not within the tolerances of their own dtypes (float64, float32)" in text
    network = pd.DataFrame({"scenario": ["net-a_float64"], "rounded": ["float32"]})
    assert "not within the float64 tolerance" in _precision_text(network, "float32", 1, {"net-a_float64": "float64"})
    assert "not within their own dtype's tolerance" in _precision_text(network, "float32", 1)


# --- c) the cause of a factor depends on the quantity -----------------------------------------------

def test_dZ_of_the_mean_cost_at_the_output_layer_is_not_called_1_over_m_twice(learners):
    result, found = _diagnosis(learners, "output_dZ_mean")
    assert list(found["kind"]) == ["factor"]
    text = found.iloc[0]["finding"]
    assert text.startswith(f"dZ[L] (the output layer) is the reference's times 1/m in every failing scenario "
                           f"({_failing(result)}): the mean cost's derivative (dZ of J, not per example)")
    assert "applied twice" not in text and "layers" not in text


def test_the_cause_of_a_factor_is_the_quantitys():
    assert _cause("1/m", ["dW", "db"]).startswith("1/m applied twice")
    assert _cause("1/m", ["dA"]) == "the mean cost's derivative (dA of J, not per example)"
    assert _cause("1/m", ["dW", "dZ"]) == ("for dW, 1/m applied twice (the mean of a quantity that already holds it); "
                                           "for dZ, the mean cost's derivative (dZ of J, not per example)")
    assert _cause("-1", ["dZ"]).startswith("a sign") and _cause("0.37", ["dW"]) == ""


# --- d) findings in the order of the failing scenarios they explain --------------------------------

def test_a_finding_that_explains_a_small_share_does_not_open_the_diagnosis(learners):
    result, found = _diagnosis(learners, "stub_and_float32")
    n = _failing(result)
    assert n == 12 and list(found["kind"]) == ["raised", "precision"]
    assert list(found["held"].astype(int)) == [10, 2]
    assert found.iloc[0]["finding"].startswith("it raised NotImplementedError")
    assert found.iloc[1]["finding"].startswith(
        f"in 2 of its {n} failing scenarios, the values are float32-accurate: the function computes in float32")
    # each finding names the smallest of the failing scenarios it explains, and reruns that one
    table = result.table
    raised = set(table.loc[(table["check"] == "run") & (table["status"] == "fail"), "scenario"])
    assert found.iloc[0]["smallest_failing"] in raised and found.iloc[1]["smallest_failing"] not in raised
    assert all(row.smallest_failing in row.rerun for row in found.itertuples())


# --- e) an L2 term left on ------------------------------------------------------------------------

def test_an_l2_term_is_named_with_its_lambd(learners):
    result, found = _diagnosis(learners, "l2")
    assert list(found["kind"]) == ["L2 term"]
    assert found.iloc[0]["finding"] == (
        f"dW[l] (layers 1, 2, 3, 4, 5) are the reference's plus (lambd/m) W[l] with lambd = 0.7 in every failing "
        f"scenario ({_failing(result)}): an L2 term (the reference has no regularisation; check with --set lambd=0)")
    assert check(f"{learners}:l2", suite="smoke", progress=False, set=["lambd=0"]).passed


@pytest.mark.parametrize("name", ["not_l2_per_layer", "not_l2_without_m"])
def test_a_term_proportional_to_W_with_another_constant_per_layer_or_per_m_is_not_called_l2(learners, name):
    _, found = _diagnosis(learners, name)
    assert "L2 term" not in set(found["kind"]) and "lambd" not in " ".join(found["finding"])
