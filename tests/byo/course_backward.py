"""Backward passes written the way the course's assignment writes them, for the tests
and as an example of `crosscheck run --backward tests/byo/course_backward.py:L_model_backward`.

Only NumPy; per-example dZ/dA, as the course.
"""
import numpy as np


def _g(name, Z):
    if name == "sigmoid":
        return 1 / (1 + np.exp(-Z))
    if name == "tanh":
        return np.tanh(Z)
    if name == "relu":
        return np.maximum(0, Z)
    if name == "leaky_relu":
        return np.where(Z > 0, Z, 0.01 * Z)
    if name == "identity":
        return Z
    raise NotImplementedError(f"activation {name}")


def _g_prime(name, Z, A):
    if name == "sigmoid":
        return A * (1 - A)
    if name == "tanh":
        return 1 - A ** 2
    if name == "relu":
        return (Z > 0).astype(Z.dtype)
    if name == "leaky_relu":
        return np.where(Z > 0, 1, 0.01).astype(Z.dtype)
    if name == "identity":
        return np.ones_like(Z)
    raise NotImplementedError(f"activation {name}")


def _forward(parameters, X, activations):
    caches, A = [], X
    for l, name in enumerate(activations, start=1):
        Z = parameters["W" + str(l)] @ A + parameters["b" + str(l)]
        caches.append((A, Z))
        A = _g(name, Z)
    return A, caches


def L_model_backward(parameters, X, Y, activations, slip=None):
    """The course's L_model_backward with its own forward pass; ``slip`` plants a bug."""
    AL, caches = _forward(parameters, X, activations)
    L, m = len(caches), X.shape[1]
    grads = {"dA" + str(L): -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))}
    dZ = AL - Y
    for l in reversed(range(1, L + 1)):
        A_prev, Z = caches[l - 1]
        if l < L:
            A = _g(activations[l - 1], Z)
            name = activations[l] if slip == "wrong-layer-derivative" else activations[l - 1]
            dZ = grads["dA" + str(l)] * _g_prime(name, Z, A)
        grads["dZ" + str(l)] = dZ
        grads["dW" + str(l)] = dZ @ A_prev.T / (1 if slip == "no-1/m" else m)
        grads["db" + str(l)] = np.sum(dZ, axis=1, keepdims=True) / m
        grads["dA" + str(l - 1)] = parameters["W" + str(l)].T @ dZ
    return grads


def wrong_layer_derivative(parameters, X, Y, activations):
    return L_model_backward(parameters, X, Y, activations, slip="wrong-layer-derivative")


def missing_one_over_m(parameters, X, Y, activations):
    return L_model_backward(parameters, X, Y, activations, slip="no-1/m")


def only_dW_db(parameters, X, Y, activations):
    """Returns the required keys only (no dZ, no dA)."""
    return {k: v for k, v in L_model_backward(parameters, X, Y, activations).items() if k[:2] in ("dW", "db")}


def no_leaky_relu(parameters, X, Y, activations):
    if "leaky_relu" in activations:
        raise NotImplementedError("leaky_relu is not supported")
    return L_model_backward(parameters, X, Y, activations)


def misbehaving(parameters, X, Y, activations):
    """A missing key, a wrong shape and a NaN, depending on the depth; raises on L = 1."""
    L = len(activations)
    if L == 1:
        raise ZeroDivisionError("division by zero")
    grads = L_model_backward(parameters, X, Y, activations)
    del grads["db1"]
    grads["dW2"] = grads["dW2"].T
    grads["dW" + str(L)] = grads["dW" + str(L)] * np.nan
    return grads
